/**
 * What is worth a diagnostic in a FileReport: large values and lock guards held across an `.await`,
 * and large futures. Plain data, no LSP imports: `diagnostics.ts` turns findings into LSP
 * diagnostics, and the CLI could report the same findings.
 */
import type { AwaitPoint, FileReport, FutureReport, HeldValue } from '../analysis/report';
import type { DiagnosticCode } from '../protocol';
import { describeValue, formatBytes, formatBytesLong, plural, valueLabel } from './format';
import { SourceText, Span } from './sourceText';

export interface Finding {
  code: DiagnosticCode;
  /** `code:future:line:col`. */
  id: string;
  future: FutureReport;
  /** The held value the finding is about, or null for the whole future. */
  target: HeldValue | null;
  span: Span;
  /** First line clippy-style (lowercase, no final period); later lines `help:`/`note:`. */
  message: string;
  related: { span: Span; message: string }[];
}

export interface FindingOptions {
  largeValueThreshold: number;
  largeFutureThreshold: number;
}

/** A value saved at one or more awaits of a future, with those awaits. */
export interface HeldAcross {
  value: HeldValue;
  awaits: AwaitPoint[];
}

/** The values of a future that are saved across awaits, one entry per value (not per await), in source order. */
export function heldAcrossAwaits(future: FutureReport, kinds: ReadonlySet<HeldValue['kind']> = USER_VALUE_KINDS): HeldAcross[] {
  const byKey = new Map<string, HeldAcross>();
  for (const point of future.awaits) {
    for (const value of point.held) {
      if (!kinds.has(value.kind)) {
        continue;
      }
      // One local of the walk, whichever awaits it is saved at.
      const key = `${value.kind}:${value.id}`;
      let entry = byKey.get(key);
      if (!entry) {
        entry = { value, awaits: [] };
        byKey.set(key, entry);
      }
      entry.awaits.push(point);
    }
  }
  return [...byKey.values()].sort((a, b) => a.value.line - b.value.line || a.value.column - b.value.column);
}

/** Values a person wrote or can name (not awaitees or drop flags). */
export const USER_VALUE_KINDS: ReadonlySet<HeldValue['kind']> = new Set(['binding', 'argument', 'temporary']);
/** What can make a future large: the values above and the futures it awaits. */
const CONTRIBUTOR_KINDS: ReadonlySet<HeldValue['kind']> = new Set(['binding', 'argument', 'temporary', 'awaitee']);

export function computeFindings(report: FileReport, source: SourceText, options: FindingOptions): Finding[] {
  const findings: Finding[] = [];
  for (const future of report.futures) {
    if (future.skipped) {
      continue;
    }
    const held = heldAcrossAwaits(future);
    for (const entry of held) {
      const guard = classifyGuard(entry.value, source);
      // A guard moved out before an await (`drop(guard)`) only leaves its bytes there, not the lock.
      const locked = { ...entry, awaits: entry.awaits.filter((point) => !point.held.some((h) => h.id === entry.value.id && h.kind === entry.value.kind && h.movedOut)) };
      if (guard && locked.awaits.length > 0) {
        findings.push(guardFinding(future, locked, guard, source));
      }
    }
    for (const entry of held) {
      const { size } = entry.value;
      if (size !== null && size >= options.largeValueThreshold) {
        findings.push(largeValueFinding(future, entry, source));
      }
    }
    if (future.size !== null && future.size >= options.largeFutureThreshold) {
      findings.push(largeFutureFinding(future, source));
    }
  }
  return findings;
}

function findingId(code: DiagnosticCode, future: FutureReport, at: { line: number; column: number }): string {
  return `${code}:${future.name}:${at.line}:${at.column}`;
}

function awaitNotes(entry: HeldAcross, source: SourceText, what: string): Finding['related'] {
  return entry.awaits.map((point) => ({ span: source.awaitSpan(point), message: `await point where ${what} is still held` }));
}

function largeValueFinding(future: FutureReport, entry: HeldAcross, source: SourceText): Finding {
  const { value } = entry;
  const what = describeValue(value);
  const awaits = entry.awaits.length === 1 ? 'an await point' : plural(entry.awaits.length, 'await point');
  const type = value.type && value.kind !== 'temporary' ? ` (\`${value.type}\`)` : '';
  return {
    code: 'large-value-held-across-await',
    id: findingId('large-value-held-across-await', future, value),
    future,
    target: value,
    span: source.valueSpan(value),
    message:
      `${what}${type} is held across ${awaits}, which stores its ${formatBytesLong(value.size, value.exact)} in the future\n` +
      'help: move it into a block that ends before the `.await`, drop it earlier, or box it',
    related: awaitNotes(entry, source, what),
  };
}

function largeFutureFinding(future: FutureReport, source: SourceText): Finding {
  // Values that matter: at least a sixteenth of the future, the three largest.
  const largest = heldAcrossAwaits(future, CONTRIBUTOR_KINDS)
    .filter((entry) => entry.value.size !== null && entry.value.size * 16 >= (future.size ?? 0))
    .sort((a, b) => (b.value.size ?? 0) - (a.value.size ?? 0))
    .slice(0, 3);
  const help = largest.length
    ? `\nhelp: the largest values it stores are ${largest.map((entry) => `${valueLabel(entry.value)} (${formatBytes(entry.value.size, entry.value.exact)})`).join(', ')}`
    : '';
  return {
    code: 'large-future',
    id: findingId('large-future', future, future),
    future,
    target: null,
    span: source.futureNameSpan(future),
    message: `large future with a size of ${formatBytesLong(future.size, future.exact)}${help}\nnote: awaiting it copies it into the caller's future; consider \`Box::pin\` on it there`,
    related: largest.map((entry) => ({
      span: source.valueSpan(entry.value),
      message: `${describeValue(entry.value)} (${formatBytes(entry.value.size, entry.value.exact)}) is stored across ${plural(entry.awaits.length, 'await point')}`,
    })),
  };
}

/** A synchronous lock guard or RefCell borrow: what clippy's `await_holding_lock` / `_refcell_ref` look for. */
export interface GuardKind {
  /** `MutexGuard`, `RwLockReadGuard`, `RwLockWriteGuard`, `Ref`, `RefMut`. */
  type: string;
  refCell: boolean;
}

const GUARD_TYPES = new Set(['MutexGuard', 'RwLockReadGuard', 'RwLockWriteGuard', 'Ref', 'RefMut', 'ReentrantMutexGuard']);
/** Crates whose guards are designed to be held across `.await`. */
const ASYNC_LOCK_CRATES = new Set(['tokio', 'futures', 'futures_util', 'async_std', 'async_lock', 'smol', 'embassy_sync', 'async_mutex']);
/** Crates whose guards are synchronous. */
const SYNC_LOCK_CRATES = new Set(['std', 'core', 'alloc', 'sync', 'cell', 'parking_lot', 'spin', 'lock_api']);

/**
 * Whether a held value is a synchronous guard, from its type when the engine knows it, else from the
 * initializer (`m.lock().unwrap()`, `cell.borrow_mut()`). `.lock().await` is an async lock: never a guard here.
 */
export function classifyGuard(value: HeldValue, source: SourceText): GuardKind | null {
  if (value.kind !== 'binding' && value.kind !== 'argument' && value.kind !== 'temporary') {
    return null;
  }
  const initializer = value.kind === 'binding' ? source.initializerOf(value.line, value.column) : null;
  if (initializer !== null && /\.await\b/.test(initializer)) {
    return null;
  }
  if (value.guard) {
    return ENGINE_GUARDS[value.guard];
  }
  const fromType = value.type ? guardFromType(value.type) : undefined;
  if (fromType !== undefined) {
    return fromType;
  }
  return initializer !== null ? guardFromInitializer(initializer) : null;
}

/** The engine's guard kinds (std's, found by type), as the findings name them. */
const ENGINE_GUARDS: Record<NonNullable<HeldValue['guard']>, GuardKind> = {
  mutex: { type: 'MutexGuard', refCell: false },
  'rwlock-read': { type: 'RwLockReadGuard', refCell: false },
  'rwlock-write': { type: 'RwLockWriteGuard', refCell: false },
  'refcell-ref': { type: 'Ref', refCell: true },
  'refcell-ref-mut': { type: 'RefMut', refCell: true },
};

/** `undefined` when the type says nothing either way (unknown or inferred as `_`). */
function guardFromType(type: string): GuardKind | null | undefined {
  const path = type.trim();
  // `_`, and the engine's labels of types it could not tell (`type of \`g\``, `future of \`..\``).
  if (path === '_' || path.startsWith('_') || /^(type|future) of /.test(path)) {
    return undefined;
  }
  if (path.startsWith('&') || path.startsWith('*')) {
    return null;
  }
  const segments = path.replace(/<.*$/s, '').split('::').map((s) => s.trim());
  const last = segments[segments.length - 1];
  if (!GUARD_TYPES.has(last)) {
    return null;
  }
  if (segments.length > 1 && (ASYNC_LOCK_CRATES.has(segments[0]) || !SYNC_LOCK_CRATES.has(segments[0]))) {
    return null;
  }
  return { type: last, refCell: last === 'Ref' || last === 'RefMut' };
}

const UNWRAPPED = String.raw`(?:\s*\.\s*unwrap\(\)|\s*\.\s*expect\((?:[^()]|\([^()]*\))*\)|\s*\?)?`;
const INITIALIZER_GUARDS: [RegExp, GuardKind][] = [
  [new RegExp(String.raw`\.\s*(?:lock|try_lock)\(\)${UNWRAPPED}$`), { type: 'MutexGuard', refCell: false }],
  [new RegExp(String.raw`\.\s*(?:read|try_read)\(\)${UNWRAPPED}$`), { type: 'RwLockReadGuard', refCell: false }],
  [new RegExp(String.raw`\.\s*(?:write|try_write)\(\)${UNWRAPPED}$`), { type: 'RwLockWriteGuard', refCell: false }],
  [/\.\s*borrow\(\)$/, { type: 'Ref', refCell: true }],
  [/\.\s*borrow_mut\(\)$/, { type: 'RefMut', refCell: true }],
];

function guardFromInitializer(initializer: string): GuardKind | null {
  for (const [pattern, kind] of INITIALIZER_GUARDS) {
    if (pattern.test(initializer)) {
      return kind;
    }
  }
  return null;
}

function guardFinding(future: FutureReport, entry: HeldAcross, guard: GuardKind, source: SourceText): Finding {
  const { value } = entry;
  const what = describeValue(value);
  const lock = guard.type.startsWith('RwLock') ? 'RwLock' : 'Mutex';
  const message = guard.refCell
    ? 'this `RefCell` reference is held across an await point\n' + 'help: ensure the reference is dropped before calling `await`'
    : `this \`${guard.type}\` is held across an await point\n` +
      `help: consider using an async-aware \`${lock}\` type or ensuring the \`${guard.type}\` is dropped before calling \`await\``;
  return {
    code: 'guard-held-across-await',
    id: findingId('guard-held-across-await', future, value),
    future,
    target: value,
    span: source.valueSpan(value),
    message,
    related: awaitNotes(entry, source, what),
  };
}
