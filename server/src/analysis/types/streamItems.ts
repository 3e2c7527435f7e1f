/**
 * Streams the crate writes by hand (`impl Stream for RowStream { type Item = Result<Row, Error>;
 * .. }`) awaited through futures-util's combinators: `rows.try_next().await` yields
 * `Result<Option<Row>, Error>`, as `TryNext`'s `Future` impl says (`Result<Option<St::Ok>,
 * St::Error>`, `TryStream` implemented for every `Stream` of `Result`s). The item is read from
 * the crate's one `Stream` impl for the type, through `Pin<P>`, `Box<T>` and `&mut T` (which
 * futures-core makes streams of their target); anything else stays unknown.
 */
import type { AssocTypeImpls } from './projections';
import { Ty, adt, isAdt, peelRefs } from './types';

/** The package futures-util's combinators are read from (a scope starts with its id). */
const FUTURES_UTIL = /(^|[#/\\ ])futures-util[@ -]/;

/** The std pointers through which a stream is its target's (futures-core's impls). */
const STREAM_POINTERS = ['Pin', 'Box'];

/**
 * What awaiting a futures-util combinator over a stream yields, from the stream's item; null
 * when the type is not one of them or the item is not known.
 */
export function streamCombinatorOutput(fut: Ty, itemOf: (stream: Ty) => Ty | null): Ty | null {
  if (fut.k !== 'adt' || fut.origin !== 'dependency' || !FUTURES_UTIL.test(fut.scope ?? '')) {
    return null;
  }
  const name = fut.segments[fut.segments.length - 1];
  const stream = fut.args[0];
  const item = stream ? itemOf(stream) : null;
  if (!item) {
    return null;
  }
  switch (name) {
    case 'Next':
      return adt('Option', item);
    case 'TryNext':
      return isAdt(item, 'Result') && item.k === 'adt' && item.args.length === 2
        ? adt('Result', adt('Option', item.args[0]), item.args[1])
        : null;
    default:
      return null;
  }
}

/**
 * The `Stream::Item` of the crate's own stream type (through `Pin`, `Box` and `&mut`): what its
 * one `impl Stream` says, when that impl is for the type itself and not generic; null otherwise.
 */
export function ownStreamItem(
  stream: Ty,
  impls: AssocTypeImpls,
  isOwn: (name: string) => boolean,
): Ty | null {
  let t = peelRefs(stream);
  for (let depth = 0; t.k === 'adt' && isAdt(t, ...STREAM_POINTERS) && depth < 4; depth++) {
    t = peelRefs(t.args[0] ?? stream);
  }
  if (t.k !== 'adt' || t.scope !== undefined || t.origin === 'dependency' || t.args.length) {
    return null;
  }
  const name = t.segments[t.segments.length - 1];
  if (!isOwn(name)) {
    return null;
  }
  const found = (impls.get('Item') ?? []).filter(
    (impl) =>
      impl.trait === 'Stream' &&
      impl.selfTy.k === 'adt' &&
      impl.selfTy.segments[impl.selfTy.segments.length - 1] === name,
  );
  const only = found.length === 1 ? found[0] : null;
  return only && only.generics.length === 0 ? only.ty : null;
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
