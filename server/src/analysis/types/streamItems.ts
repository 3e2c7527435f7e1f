/**
 * Streams the crate writes by hand (`impl Stream for RowStream { type Item = Result<Row, Error>;
 * .. }`) awaited through futures-util's combinators: `rows.next().await` yields `Option<Item>`,
 * `rows.try_next().await` `Result<Option<T>, E>` for an `Item` of `Result<T, E>` (`TryNext`'s
 * `Future` impl, with futures-core's `TryStream` for every `Stream` of `Result`s). The item is
 * the crate's one `impl Stream` that matches the stream type (a generic impl bound to the
 * stream's arguments: tokio-postgres's `StartupStream<S, T>`), seen through `Pin<P>`, `Box<T>`
 * and `&mut T` (which futures-core makes streams of their target). Any other stream, or several
 * impls that may apply, leaves the output unknown. `rows.try_collect().await` yields
 * `Result<C, E>` once its collection `C` is known (see `collectTargets.ts`).
 */
import type { ItemIndex } from '../items/items';
import { TRAIT_DECLARATIONS } from './boundProjections';
import { unify } from './projections';
import {
  STD_ROOTS,
  Ty,
  hasUnknown,
  isAdt,
  mapTypeParts,
  peelRefs,
  substitute,
  typeParts,
} from './types';

/** The package futures-util's combinators are read from (a scope starts with its id). */
const FUTURES_UTIL = /(^|[#/\\ ])futures-util[@ -]/;

/** The std pointers through which a stream is its target's (futures-core's impls). */
const STREAM_POINTERS = ['Pin', 'Box'];

/** What awaiting a futures-util `Next`/`TryNext` over one of the crate's streams yields; null otherwise. */
export function streamCombinatorOutput(fut: Ty, index: ItemIndex): Ty | null {
  if (fut.k !== 'adt' || fut.origin !== 'dependency' || !FUTURES_UTIL.test(fut.scope ?? '')) {
    return null;
  }
  const name = lastOf(fut);
  if (name === 'TryCollect' || name === 'Collect') {
    return collectOutput(fut, index);
  }
  const stream = fut.args[0];
  if ((name !== 'Next' && name !== 'TryNext') || fut.args.length !== 1 || !stream) {
    return null;
  }
  const item = ownStreamItem(stream, index);
  if (item === null) {
    return null;
  }
  if (name === 'Next') {
    return std('Option', [item]);
  }
  const result = resultParts(item, index);
  return result && std('Result', [std('Option', [result[0]]), result[1]]);
}

/** The `Stream::Item` of the crate's own stream type (through `Pin`, `Box` and `&mut`); null: none, or unsure. */
export function ownStreamItem(stream: Ty, index: ItemIndex): Ty | null {
  let t = peelRefs(ownTypesByName(stream, index));
  for (let depth = 0; t.k === 'adt' && isAdt(t, ...STREAM_POINTERS) && depth < 4; depth++) {
    t = peelRefs(t.args[0] ?? stream);
  }
  const own = (ty: Ty & { k: 'adt' }) =>
    ty.scope === undefined && ty.origin === undefined && index.types.has(lastOf(ty));
  if (t.k !== 'adt' || !own(t) || ownsTrait('Stream', index)) {
    return null;
  }
  let found: Ty | null = null;
  for (const impl of index.assocTypes.get('Item') ?? []) {
    if (impl.trait !== 'Stream') {
      continue;
    }
    const bindings = new Map<string, Ty>();
    const match = unify(impl.selfTy, t, {
      generics: impl.generics,
      bindings,
      isOwnType: own,
      isAlias: (ty) => own(ty) && index.types.get(lastOf(ty))?.kind === 'alias',
    });
    if (match === 'maybe' || (match === 'yes' && found !== null)) {
      return null;
    }
    if (match === 'yes') {
      found = substitute(impl.ty, bindings);
    }
  }
  return found;
}

/**
 * The crate's own types written as crate paths (`crate::query::RowStream`, as another module's
 * fn result reads) as the bare names its impls and the item index use, where the crate defines
 * that name in that one module; anything else unchanged.
 */
export function ownTypesByName(ty: Ty, index: ItemIndex): Ty {
  if (ty.k === 'adt' && ty.origin === 'crate' && ty.scope === undefined) {
    const name = lastOf(ty);
    const modules = new Set(index.typeModules.get(name) ?? []);
    const qualifier = ty.segments.length === 2 ? '' : ty.segments[ty.segments.length - 2];
    const one = modules.size === 1 && modules.has(qualifier) && !index.ambiguousTypes.has(name);
    const args = ty.args.map((a) => ownTypesByName(a, index));
    return one && index.types.has(name) && ty.segments[0] === 'crate'
      ? { k: 'adt', segments: [name], args }
      : { ...ty, args };
  }
  return mapTypeParts(ty, (t) => ownTypesByName(t, index)) ?? ty;
}

/** Whether `recv` is a pointer (`Pin<&mut T>`, `Pin<Box<T>>`) to one of the crate's own types. */
export function pinnedOwn(recv: Ty, isOwn: (name: string) => boolean): boolean {
  if (!isAdt(recv, 'Pin') || recv.k !== 'adt') {
    return false;
  }
  let t = peelRefs(recv.args[0] ?? recv);
  if (isAdt(t, 'Box') && t.k === 'adt') {
    t = peelRefs(t.args[0] ?? t);
  }
  return t.k === 'adt' && t.scope === undefined && !t.origin && isOwn(t.segments[0]);
}

/**
 * What awaiting `TryCollect<St, C>` yields, `Result<C, St::Error>` (`Collect<St, C>`: `C`), for
 * a known collection over one of the crate's own streams; null otherwise.
 */
function collectOutput(fut: Ty & { k: 'adt' }, index: ItemIndex): Ty | null {
  const [stream, collection] = fut.args;
  if (fut.args.length !== 2 || hasUnknown(collection) || hasHole(collection)) {
    return null;
  }
  if (lastOf(fut) === 'Collect') {
    return collection;
  }
  const item = ownStreamItem(stream, index);
  const error = item && resultParts(item, index)?.[1];
  return error ? std('Result', [collection, error]) : null;
}

/** `_` as a type argument (read as a one-segment path, or as the unknown type it stands for). */
export function isHole(ty: Ty): boolean {
  if (ty.k === 'adt') {
    return ty.segments.length === 1 && ty.segments[0] === '_' && ty.args.length === 0;
  }
  return ty.k === 'unknown' && !ty.proj && ty.text === '_';
}

/** Whether a `_` is left anywhere in the type. */
export function hasHole(ty: Ty): boolean {
  return isHole(ty) || typeParts(ty).some(hasHole);
}

/** A `Result<T, E>` or `io::Result<T>` of std's as `[T, E]`; null for any other type. */
export function resultParts(ty: Ty, index: ItemIndex): [Ty, Ty] | null {
  if (ty.k !== 'adt' || lastOf(ty) !== 'Result' || index.types.has('Result')) {
    return null;
  }
  const path = [...(index.uses.get(ty.segments[0]) ?? [ty.segments[0]]), ...ty.segments.slice(1)];
  if (ty.args.length === 2 && (path.length === 1 || STD_ROOTS.has(path[0]))) {
    return [ty.args[0], ty.args[1]];
  }
  const io = path.length === 3 && STD_ROOTS.has(path[0]) && path[1] === 'io';
  const ioError: Ty = { k: 'adt', segments: ['std', 'io', 'Error'], args: [] };
  return io && ty.args.length === 1 ? [ty.args[0], ioError] : null;
}

/** Whether the crate declares a trait of that name (then its impls are not futures-core's). */
function ownsTrait(name: string, index: ItemIndex): boolean {
  return (index.assocTypes.get(TRAIT_DECLARATIONS) ?? []).some((t) => t.trait === name);
}

function std(name: 'Option' | 'Result', args: Ty[]): Ty {
  return { k: 'adt', segments: ['std', name === 'Option' ? 'option' : 'result', name], args };
}

function lastOf(ty: Ty & { k: 'adt' }): string {
  return ty.segments[ty.segments.length - 1];
}
