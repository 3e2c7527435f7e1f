/**
 * Pairs the engine's futures with those rustc printed for the same source: the accuracy tests use it,
 * and so does calibration, which maps rustc's measurements back to source futures.
 */
import type { FutureReport } from '../analysis/report';
import type { RustcFuture } from './printTypeSizes';

export interface FuturePair {
  engine: FutureReport;
  rustc: RustcFuture;
}

export interface FutureMatch {
  pairs: FuturePair[];
  /** Engine futures rustc has no future for, plus every skipped one. */
  unmatchedEngine: FutureReport[];
  /** rustc futures the engine did not report. */
  unmatchedRustc: RustcFuture[];
}

/**
 * Pairs engine futures with rustc futures of the same source file.
 * Blocks and closures match on kind and start position (the `async` keyword, or the closure body).
 * Fns match on their normalised path ({@link normaliseFnPath}); failing that, on the method name
 * plus its type or trait; failing that, on the method name when one side does not name a type.
 * Among several candidates the first one, in input order, wins.
 */
/**
 * Whether rustc names this future by its position (blocks, closures, and the block
 * `#[tokio::main]` makes of a fn) rather than by a fn path: it pairs within its own file.
 */
export function pairsByPosition(future: FutureReport): boolean {
  return future.kind !== 'fn' || future.rustcBlockAt !== undefined;
}

export function matchFutures(engine: FutureReport[], rustc: RustcFuture[]): FutureMatch {
  const pairs: FuturePair[] = [];
  const unmatchedEngine: FutureReport[] = [];
  const available = new Set(rustc);
  const claim = (future: FutureReport, candidate: RustcFuture | undefined): boolean => {
    if (!candidate) {
      return false;
    }
    available.delete(candidate);
    pairs.push({ engine: future, rustc: candidate });
    return true;
  };

  const pendingFns: FutureReport[] = [];
  for (const future of engine) {
    if (future.skipped !== undefined) {
      unmatchedEngine.push(future);
    } else if (future.rustcBlockAt) {
      const at = future.rustcBlockAt;
      if (!claim(future, findSpanned({ kind: 'block', ...at }, available))) {
        unmatchedEngine.push(future);
      }
    } else if (future.kind === 'fn') {
      pendingFns.push(future);
    } else if (!claim(future, findSpanned(future, available))) {
      unmatchedEngine.push(future);
    }
  }

  let remaining = pendingFns;
  for (const sameFn of FN_MATCH_TIERS) {
    remaining = remaining.filter((future) => !claim(future, findFn(future, available, sameFn)));
  }
  unmatchedEngine.push(...remaining);

  // A generic async fn is one engine future (sized with unknown type parameters, a lower bound)
  // but one rustc future per instantiation: each further instantiation is scored against it too.
  for (const pair of [...pairs]) {
    if (pair.engine.kind !== 'fn') {
      continue;
    }
    const wanted = normaliseFnPath(pair.rustc.name);
    for (const candidate of [...available]) {
      if (
        candidate.kind === 'fn' &&
        candidate.name !== pair.rustc.name &&
        normaliseFnPath(candidate.name) === wanted
      ) {
        claim(pair.engine, candidate);
      }
    }
  }

  return {
    pairs,
    unmatchedEngine,
    unmatchedRustc: rustc.filter((future) => available.has(future)),
  };
}

function findSpanned(
  future: Pick<FutureReport, 'kind' | 'line' | 'column'>,
  available: Set<RustcFuture>,
): RustcFuture | undefined {
  for (const candidate of available) {
    if (
      candidate.kind === future.kind &&
      candidate.line === future.line &&
      candidate.column === future.column
    ) {
      return candidate;
    }
  }
  return undefined;
}

function findFn(
  future: FutureReport,
  available: Set<RustcFuture>,
  sameFn: (a: FnPath, b: FnPath) => boolean,
): RustcFuture | undefined {
  const wanted = parseFnPath(future.name);
  for (const candidate of available) {
    if (candidate.kind === 'fn' && sameFn(wanted, parseFnPath(candidate.name))) {
      return candidate;
    }
  }
  return undefined;
}

/** A fn path split into what the tiers compare. */
interface FnPath {
  normalised: string;
  method: string;
  /** Last segment of the self type and of the trait (`<Conn as Svc>::call` → Conn, Svc), or of the module. */
  owners: string[];
}

/** From strictest to loosest; a later tier only sees what the earlier ones left. */
const FN_MATCH_TIERS: ((a: FnPath, b: FnPath) => boolean)[] = [
  (a, b) => a.normalised === b.normalised,
  (a, b) => a.method === b.method && a.owners.some((owner) => b.owners.includes(owner)),
  (a, b) => a.method === b.method && (a.owners.length === 0 || b.owners.length === 0),
];

function parseFnPath(name: string): FnPath {
  const normalised = normaliseFnPath(name);
  const segments = splitPath(normalised);
  const method = segments[segments.length - 1] ?? '';
  const ownerSegment = segments.length >= 2 ? segments[segments.length - 2] : null;
  return { normalised, method, owners: ownerSegment === null ? [] : ownersOf(ownerSegment) };
}

function ownersOf(segment: string): string[] {
  const qualified = /^<(.*) as (.*)>$/.exec(segment);
  const parts = qualified ? [qualified[1], qualified[2]] : [segment];
  return parts.map((part) => lastSegment(part.replace(/^&(mut )?/, '')));
}

function lastSegment(path: string): string {
  const segments = splitPath(path);
  return segments[segments.length - 1] ?? path;
}

/**
 * The comparable form of a fn path: generic arguments removed (`m::S<u8>::get` → `m::S::get`,
 * also inside `<S<u8> as Tr>`), closure segments of nested fns removed
 * (`outer::{closure#0}::nested` → `outer::nested`), spaces collapsed.
 */
export function normaliseFnPath(name: string): string {
  const stripped = stripGenericArgs(name.replace(/\s+/g, ' ').trim());
  return splitPath(stripped)
    .filter((segment) => !/^\{closure#\d+\}$/.test(segment))
    .join('::');
}

function stripGenericArgs(path: string): string {
  let out = '';
  let i = 0;
  while (i < path.length) {
    // `<` right after a name (or a turbofish `::`) opens generic arguments; a leading `<` is a qualified path.
    if (path[i] === '<' && /(?:\w|::)$/.test(out)) {
      i = skipAngleGroup(path, i);
      out = out.replace(/::$/, '');
    } else {
      out += path[i];
      i++;
    }
  }
  return out;
}

/** Index just past the `>` that closes the `<` at `start`; `->` inside fn types does not close it. */
function skipAngleGroup(path: string, start: number): number {
  let depth = 0;
  for (let i = start; i < path.length; i++) {
    if (path.startsWith('->', i)) {
      i++;
    } else if (path[i] === '<') {
      depth++;
    } else if (path[i] === '>' && --depth === 0) {
      return i + 1;
    }
  }
  return path.length;
}

/** Splits on `::` outside angle brackets, so `<m::S as fmt::Debug>::fmt` has two segments. */
function splitPath(path: string): string[] {
  const segments: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const ch = path[i];
    if (path.startsWith('->', i)) {
      current += '->';
      i++;
      continue;
    }
    if (ch === '<') {
      depth++;
    }
    if (ch === '>') {
      depth--;
    }
    if (depth === 0 && path.startsWith('::', i)) {
      segments.push(current);
      current = '';
      i++;
      continue;
    }
    current += ch;
  }
  segments.push(current);
  return segments.filter((segment) => segment.length > 0);
}

/** How close the engine's size is to rustc's; each class includes the tighter ones. */
