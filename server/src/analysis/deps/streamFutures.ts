/**
 * What awaiting futures-util's `TryStreamExt::try_next` future yields for a stream of the
 * analysed crate: `TryNext<St>` gives `Result<Option<T>, E>` for an `Item` of `Result<T, E>`
 * (futures-core's blanket `TryStream` impl), `Item` read from the crate's one `impl Stream for
 * St` (tokio-postgres's `StartupStream`, `type Item = io::Result<Message>`). Any other stream,
 * or several impls that may apply, leaves the output unknown.
 */
import type { ItemIndex } from '../items/items';
import { TRAIT_DECLARATIONS } from '../types/boundProjections';
import { unify } from '../types/projections';
import { STD_ROOTS, Ty, substitute } from '../types/types';

/** How futures-util's package id names it (`...#futures-util@0.3.21`). */
const FUTURES_UTIL = '#futures-util@';

/** Whether a scope (`package id`, U+0001, module) is futures-util's. */
function inFuturesUtil(scope: string | undefined): boolean {
  const pkg = scope?.split('\u0001')[0] ?? '';
  return pkg.includes(FUTURES_UTIL);
}

/** The output of awaiting `fut` when it is that future of one of the crate's streams. */
export function streamFutureOutput(fut: Ty, index: ItemIndex): Ty | null {
  if (fut.k !== 'adt' || fut.origin !== 'dependency' || !inFuturesUtil(fut.scope)) {
    return null;
  }
  const name = fut.segments[fut.segments.length - 1];
  const stream = fut.args[0];
  if (name !== 'TryNext' || fut.args.length !== 1 || !stream) {
    return null;
  }
  const item = streamItem(stream.k === 'ref' ? stream.inner : stream, index);
  if (item === null) {
    return null;
  }
  const result = resultParts(item, index);
  return result && std('Result', [std('Option', [result[0]]), result[1]]);
}

/** `Item` of the crate's one `impl Stream for ..` that is the stream's; null: none, or unsure. */
function streamItem(stream: Ty, index: ItemIndex): Ty | null {
  const own = (ty: Ty & { k: 'adt' }) =>
    ty.scope === undefined && ty.origin === undefined && index.types.has(lastOf(ty));
  if (stream.k !== 'adt' || !own(stream) || ownsTrait('Stream', index)) {
    return null;
  }
  let found: Ty | null = null;
  for (const impl of index.assocTypes.get('Item') ?? []) {
    if (impl.trait !== 'Stream') {
      continue;
    }
    const bindings = new Map<string, Ty>();
    const match = unify(impl.selfTy, stream, {
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

/** A `Result<T, E>` or `io::Result<T>` of std's as `[T, E]`; null for any other type. */
function resultParts(ty: Ty, index: ItemIndex): [Ty, Ty] | null {
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

function std(name: string, args: Ty[]): Ty {
  return { k: 'adt', segments: ['std', name === 'Option' ? 'option' : 'result', name], args };
}

function lastOf(ty: Ty & { k: 'adt' }): string {
  return ty.segments[ty.segments.length - 1];
}
