/**
 * Which inlay hints are worth a place in the code, and how their labels fit VS Code's length limit.
 * Pure: no LSP objects, no tree; the placement is `hintPlacement.ts`'s job.
 *
 * Defaults (README "Inlay hints"): a held value is shown from 64 bytes, a future from 32 bytes;
 * below that a value is a few machine words (an integer, a `String`, an `Arc`, a reference) that
 * nobody restructures a future for. Lock guards are always shown. A size the analysis does not
 * know is shown as `? B` only where it could be large: a generic parameter, another crate's type
 * that is not a pointer, collection or handle, or a future.
 */
import type { FutureReport, HeldValue } from '../analysis/report';
import { formatBytes, plural } from '../text/format';

/**
 * VS Code truncates the inlay hints of one line beyond this many characters in all (with `…`):
 * `editor.inlayHints.maximumLength`, whose default is 43, in microsoft/vscode
 * `src/vs/editor/common/config/editorOptions.ts` (class `EditorInlayHints`: "Maximum overall length
 * of inlay hints, for a single line, before they get truncated by the editor").
 */
export const VSCODE_HINT_LINE_LIMIT = 43;

export interface HintThresholds {
  /** Held values smaller than this are not shown (0: all of them, unknown sizes included). */
  heldMinSize: number;
  /** Futures smaller than this are not shown (0: all of them). */
  futureMinSize: number;
}

/** Whether a held value earns a hint. */
export function showsHeldValue(value: HeldValue, thresholds: HintThresholds): boolean {
  const min = thresholds.heldMinSize;
  if (min <= 0 || value.guard) {
    return true;
  }
  if (value.size !== null && value.size >= min) {
    return true;
  }
  // Exact and small, or unknown (wholly or in part) in a way that cannot be large.
  return (value.size === null || !value.exact) && typeCouldBeLarge(value.type);
}

/**
 * Whether a future earns a hint: from the threshold, or below it when its size is a lower bound
 * whose unknown part could be large (a generic parameter, another crate's type).
 */
export function showsFuture(future: FutureReport, thresholds: HintThresholds): boolean {
  if (thresholds.futureMinSize <= 0 || future.size === null) {
    return true;
  }
  return (
    future.size >= thresholds.futureMinSize ||
    (!future.exact && future.unknown.some((unknown) => typeCouldBeLarge(reasonType(unknown))))
  );
}

/**
 * The type an unknown-size reason is about, without the note after it:
 * `tokio::sync::mpsc::Sender (tokio 1.24.2: sources not found)` → `tokio::sync::mpsc::Sender`.
 */
export function reasonType(reason: string): string {
  let depth = 0;
  for (let i = 0; i < reason.length; i++) {
    const c = reason[i];
    if (c === ' ' && reason[i + 1] === '(' && depth === 0 && i > 0) {
      return reason.slice(0, i);
    }
    if ('<([{'.includes(c)) {
      depth++;
    } else if ('>)]}'.includes(c) && reason[i - 1] !== '-') {
      depth--;
    }
  }
  return reason;
}

/** Outer types that are a pointer, a handle or a collection's header whatever their parameters. */
const SMALL_OUTER = new Set([
  'Box',
  'Arc',
  'Rc',
  'Weak',
  'NonNull',
  'Vec',
  'VecDeque',
  'String',
  'HashMap',
  'HashSet',
  'BTreeMap',
  'BTreeSet',
  'BinaryHeap',
  'Bytes',
  'BytesMut',
  'PathBuf',
  'OsString',
  'Sender',
  'Receiver',
  'SyncSender',
  'UnboundedSender',
  'UnboundedReceiver',
  'WeakSender',
  'WeakUnboundedSender',
  'JoinHandle',
  'AbortHandle',
  'Handle',
  'Waker',
  'Span',
  'Entered',
  'TcpListener',
  'TcpStream',
  'UdpSocket',
  'UnixStream',
  'UnixListener',
  'File',
  'OwnedFd',
  'Duration',
  'Instant',
  'SystemTime',
  'Uri',
]);

/** Wrappers as large as what they wrap: look inside them. */
const TRANSPARENT_OUTER = new Set([
  'Option',
  'Result',
  'Poll',
  'Cell',
  'RefCell',
  'UnsafeCell',
  'ManuallyDrop',
  'MaybeUninit',
  'Mutex',
  'RwLock',
  'Wrapping',
]);

/**
 * Whether a type the analysis could not size completely could still be large. Unknowns that were
 * never named (`type of \`x\``, `future of \`rx\``, `_`, a macro's value) are results of calls and
 * method chains; they are listed in the future's tooltip but earn no hint of their own.
 */
export function typeCouldBeLarge(type: string | null): boolean {
  if (type === null) {
    return false;
  }
  const t = type.trim();
  if (
    t === '' ||
    t === '_' ||
    t === '()' ||
    t.endsWith('!') ||
    t.startsWith('type of ') ||
    t.startsWith('future of ')
  ) {
    return false;
  }
  if (/^(&|\*const\b|\*mut\b|fn\s*\(|impl\s+Fn|dyn\b)/.test(t)) {
    return false;
  }
  if (t.startsWith('{')) {
    // `{async fn body of f()}`, `{async block@3:5}`: a future can be any size; `{integer}` cannot.
    return t.startsWith('{async');
  }
  if (t.startsWith('(') || t.startsWith('[')) {
    return splitTypeArguments(t.slice(1, -1)).some((part) =>
      typeCouldBeLarge(part.replace(/;\s*[^;]*$/, '')),
    );
  }
  const match = /^((?:[A-Za-z_][A-Za-z0-9_]*::)*)([A-Za-z_][A-Za-z0-9_]*)\s*(?:<(.*)>)?$/s.exec(t);
  if (!match) {
    return true;
  }
  const [, , name, args] = match;
  if (SMALL_OUTER.has(name) || name === 'Pin') {
    // `Pin<Box<F>>`, `Pin<&mut F>`: a pointer.
    return false;
  }
  if (TRANSPARENT_OUTER.has(name)) {
    return args !== undefined && splitTypeArguments(args).some(typeCouldBeLarge);
  }
  // A generic parameter, or a type from elsewhere that the analysis could not see.
  return true;
}

/** `A, B<C, D>, [E; 2]` → `['A', 'B<C, D>', '[E; 2]']`. */
function splitTypeArguments(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if ('<([{'.includes(c)) {
      depth++;
    } else if ('>)]}'.includes(c) && text[i - 1] !== '-') {
      depth--;
    } else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((p) => p !== '');
}

/** The held values one hint stands for, and how the hint names them. */
export interface HeldGroup {
  /** `label`: how the hint names a value the code does not (`join! futures`); else its name. */
  values: { value: HeldValue; awaits: number; label?: string }[];
  /** The hint sits after a pattern or macro that binds other names too: it names its values. */
  named: boolean;
}

/**
 * Labels for a held-value hint, longest (most detailed) first; the shortest is at most 24
 * characters. `held 8192 B across 6 awaits`; `held ri 8 B, wi ? B across 1 await`;
 * `held ≥ 48 B in 2 values across 3 awaits`; `held ≥ 48 B`.
 */
export function heldLabels(group: HeldGroup): string[] {
  const awaits = Math.max(...group.values.map((v) => v.awaits));
  const across = ` across ${plural(awaits, 'await')}`;
  const total = sumBytes(group.values.map((v) => v.value));
  const labels: string[] = [];
  if (group.named) {
    const parts = group.values.map(
      ({ value, label }) => `${label ?? value.name ?? '_'} ${formatBytes(value.size, value.exact)}`,
    );
    labels.push(`held ${parts.join(', ')}${across}`);
  }
  if (group.values.length > 1) {
    labels.push(`held ${total} in ${group.values.length} values${across}`, `held ${total}`);
  } else {
    labels.push(`held ${total}${across}`, `held ${total}`);
  }
  return labels;
}

/**
 * Where sizes were read, for tooltips and hovers: `tokio 1.24.2`, `hyper 0.14.19, tokio 1.24.2`;
 * more than three packages are counted, not listed.
 */
export function sourcesLabel(sources: readonly string[]): string {
  return sources.length <= 3
    ? sources.join(', ')
    : `${sources.slice(0, 2).join(', ')} and ${sources.length - 2} more`;
}

/** `future 8416 B`, `future ≥ 40 B`, `future 17408 B (measured)`; then without the note. */
export function futureLabels(future: FutureReport): string[] {
  const size = `future ${formatBytes(future.size, future.exact)}`;
  return future.measured ? [`${size} (measured)`, size] : [size];
}

/** `≥ 48 B` when a part is unknown, `? B` when every part is. */
function sumBytes(values: readonly HeldValue[]): string {
  if (values.every((v) => v.size === null)) {
    return formatBytes(null, false);
  }
  const known = values.reduce((sum, v) => sum + (v.size ?? 0), 0);
  return formatBytes(
    known,
    values.every((v) => v.size !== null && v.exact),
  );
}

/** A hint of one line, with its labels from the most to the least detailed, and its weight. */
export interface LineHint {
  labels: string[];
  /** Bytes it stands for: when a line cannot hold every hint, the lightest go first. */
  weight: number;
}

/**
 * The label each hint of one line shows, so that together they stay within VS Code's limit
 * (`null`: the hint is left out, its detail stays in the hover and the diagnostics): the most
 * detailed labels that fit, shortening the longest hint first.
 */
export function fitLine(
  hints: readonly LineHint[],
  limit = VSCODE_HINT_LINE_LIMIT,
): (string | null)[] {
  const choice = hints.map(() => 0);
  const shown = hints.map(() => true);
  const length = () =>
    hints.reduce((sum, h, i) => sum + (shown[i] ? h.labels[choice[i]].length : 0), 0);
  while (length() > limit) {
    // Shorten the longest label that still has a shorter form.
    let longest = -1;
    for (let i = 0; i < hints.length; i++) {
      const canShorten = shown[i] && choice[i] < hints[i].labels.length - 1;
      if (
        canShorten &&
        (longest < 0 ||
          hints[i].labels[choice[i]].length > hints[longest].labels[choice[longest]].length)
      ) {
        longest = i;
      }
    }
    if (longest >= 0) {
      choice[longest]++;
      continue;
    }
    // Everything is as short as it gets: leave out the lightest hint.
    let lightest = -1;
    for (let i = 0; i < hints.length; i++) {
      if (shown[i] && (lightest < 0 || hints[i].weight < hints[lightest].weight)) {
        lightest = i;
      }
    }
    shown[lightest] = false;
  }
  return hints.map((h, i) => (shown[i] ? h.labels[choice[i]] : null));
}
