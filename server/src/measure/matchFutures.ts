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

  // An instance of a generic fn (`m::hold<u8>`) pairs with rustc's future of the same arguments
  // first, so the generic fn's own report pairs with an instantiation the engine did not make.
  const instances = engine.filter((future) => future.instanceOf && future.skipped === undefined);
  const pairedGenerics = new Set<string>();
  for (const sameArgs of [sameTypeArguments, sameKnownTypeArguments]) {
    for (const instance of instances.filter((i) => !pairs.some((p) => p.engine === i))) {
      const found = findInstance(instance, available, sameArgs);
      if (claim(instance, found)) {
        pairedGenerics.add(genericKey(instance));
      }
    }
  }
  // An instance rustc has no future of that name for (an argument the engine names otherwise, a
  // closure it sizes as its captures) is left out: rustc's instance pairs with the generic fn.

  const pendingFns: FutureReport[] = [];
  for (const future of engine) {
    if (future.instanceOf) {
      continue;
    } else if (future.skipped !== undefined) {
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
  // A generic fn whose instances took every rustc instantiation is the template they were sized
  // from, not a future rustc lacks.
  unmatchedEngine.push(
    ...remaining.filter(
      (future) => !pairedGenerics.has(`${future.file}:${future.line}:${future.column}`),
    ),
  );

  // A generic async fn is one engine future (sized with unknown type parameters, a lower bound)
  // but one rustc future per instantiation: each further instantiation is scored against it too.
  for (const pair of [...pairs]) {
    if (pair.engine.kind !== 'fn' || pair.engine.instanceOf) {
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
    pairs: inRustcOrder(pairs, rustc),
    unmatchedEngine,
    unmatchedRustc: rustc.filter((future) => available.has(future)),
  };
}

/**
 * The pairs with those of each generic fn (its own report's and its instances') in rustc's order,
 * in the places they took: the n-th instantiation rustc printed is the n-th pair of the fn, as
 * before the engine reported instances.
 */
function inRustcOrder(pairs: FuturePair[], rustc: RustcFuture[]): FuturePair[] {
  const order = new Map(rustc.map((future, i) => [future, i]));
  const fnOf = (engine: FutureReport) =>
    engine.instanceOf
      ? genericKey(engine)
      : engine.kind === 'fn'
        ? `${engine.file}:${engine.line}:${engine.column}`
        : null;
  const slots = new Map<string, number[]>();
  pairs.forEach((pair, i) => {
    const key = fnOf(pair.engine);
    if (key !== null) {
      slots.set(key, [...(slots.get(key) ?? []), i]);
    }
  });
  const sorted = [...pairs];
  for (const positions of slots.values()) {
    // Without an instance among them, the pairs are as they always were.
    if (positions.length < 2 || !positions.some((i) => pairs[i].engine.instanceOf)) {
      continue;
    }
    const group = positions
      .map((i) => pairs[i])
      .sort((a, b) => (order.get(a.rustc) ?? 0) - (order.get(b.rustc) ?? 0));
    positions.forEach((position, i) => (sorted[position] = group[i]));
  }
  return sorted;
}

function genericKey(instance: FutureReport): string {
  const of = instance.instanceOf!;
  return `${of.file}:${of.line}:${of.column}`;
}

/**
 * rustc's instance of the same generic fn (its path as the fn tiers compare it) whose type
 * arguments `sameArgs` accepts.
 */
function findInstance(
  instance: FutureReport,
  available: Set<RustcFuture>,
  sameArgs: (engine: string[], rustc: string[]) => boolean,
): RustcFuture | undefined {
  const wanted = parseFnPath(instance.instanceOf!.name);
  const engineArgs = (instance.typeArguments ?? []).map(normaliseTypeArgument);
  for (const sameFn of FN_MATCH_TIERS) {
    for (const candidate of available) {
      if (
        candidate.kind === 'fn' &&
        sameFn(wanted, parseFnPath(candidate.name)) &&
        sameArgs(engineArgs, typeArgumentsOf(candidate.name).map(normaliseTypeArgument))
      ) {
        return candidate;
      }
    }
  }
  return undefined;
}

function sameTypeArguments(engine: string[], rustc: string[]): boolean {
  return engine.length === rustc.length && engine.every((arg, i) => arg === rustc[i]);
}

/** The same, but for the arguments the engine could not resolve (`_`): an instance sized as a bound. */
function sameKnownTypeArguments(engine: string[], rustc: string[]): boolean {
  return (
    engine.length === rustc.length && engine.every((arg, i) => arg === '_' || arg === rustc[i])
  );
}

/**
 * The generic arguments of a fn path, every segment's in order (`S<u8>::get<u16>` → `u8`, `u16`;
 * `<S<u8> as Tr>::f` → `u8`).
 */
export function typeArgumentsOf(name: string): string[] {
  const args: string[] = [];
  const path = name.replace(/\s+/g, ' ').trim();
  for (let i = 0; i < path.length; i++) {
    if (path[i] === '<' && i > 0 && /[\w:]/.test(path[i - 1])) {
      const end = skipAngleGroup(path, i);
      args.push(...splitTopLevel(path.slice(i + 1, end - 1)));
      i = end - 1;
    }
  }
  return args;
}

/** Splits on commas outside brackets and braces. */
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < list.length; i++) {
    const ch = list[i];
    if (list.startsWith('->', i)) {
      current += '->';
      i++;
      continue;
    }
    if ('<([{'.includes(ch)) {
      depth++;
    } else if ('>)]}'.includes(ch)) {
      depth--;
    }
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim().length > 0) {
    parts.push(current.trim());
  }
  return parts;
}

/**
 * A type argument as both sides can compare it: module paths dropped (`std::vec::Vec<u8>` ≡
 * `Vec<u8>`), a closure or async block named by its start (`{closure@src/fs/file.rs:491:18:
 * 491:25}` ≡ `{closure@491:18}`), spaces collapsed.
 */
export function normaliseTypeArgument(arg: string): string {
  return arg
    .replace(/\s+/g, ' ')
    .trim()
    .replace(
      /\{(closure|async block|async closure|coroutine)@(?:[^{}]*?:)?(\d+):(\d+)(?:: ?\d+:\d+)?\}/g,
      '{$1@$2:$3}',
    )
    .replace(/\b(?:[A-Za-z_]\w*::)+(?=[A-Za-z_{])/g, '')
    .replace(/ ?, ?/g, ', ');
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
