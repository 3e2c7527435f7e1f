/**
 * The collection futures-util's collecting combinators fill, where the call leaves it to
 * inference: `TryCollect<St, C>` (`C: Default + Extend<St::Ok>`) and `Collect<St, C>`
 * (`C: Default + Extend<St::Item>`) over one of the crate's own streams.
 *
 * - A turbofish with holes (`rows.try_collect::<Vec<_>>()`): std's collections extend with their
 *   element (a map with its `(K, V)` pair), so a hole is the stream's `Ok` (`Item`).
 * - No turbofish: `C` is what the awaited value must be, when the call is awaited as the fn's
 *   tail or a `return`'s value (`Result<C, St::Error>`, or `C`, is the fn's declared result).
 *
 * Anything else (another crate's stream, a collection of the crate's own, an expected type of
 * another shape) leaves the combinator as it was, its holes unknown.
 */
import type { ItemIndex } from '../items/items';
import { isStdPath } from './stdTypeShapes';
import { hasHole, isHole, ownStreamItem, resultParts } from './streamItems';
import { Ty, hasUnknown } from './types';

/** The package futures-util's combinators are read from (a scope starts with its id). */
const FUTURES_UTIL = /(^|[#/\\ ])futures-util[@ -]/;

/** std's collections whose `Extend` item is their one element type. */
const ELEMENT_COLLECTIONS: ReadonlySet<string> = new Set([
  'Vec',
  'VecDeque',
  'LinkedList',
  'BinaryHeap',
  'HashSet',
  'BTreeSet',
]);

/** std's maps, which extend with `(K, V)` pairs. */
const PAIR_COLLECTIONS: ReadonlySet<string> = new Set(['HashMap', 'BTreeMap']);

/**
 * The combinator with its collection settled (see above); the type unchanged when it is not one
 * of futures-util's collecting combinators or nothing settles it.
 * `expectedOutput`: the type the awaited value must have, when the call's place says.
 */
export function settleCollection(fut: Ty, index: ItemIndex, expectedOutput?: Ty): Ty {
  if (fut.k !== 'adt' || fut.origin !== 'dependency' || !FUTURES_UTIL.test(fut.scope ?? '')) {
    return fut;
  }
  const name = fut.segments[fut.segments.length - 1];
  const [stream, collection] = fut.args;
  if ((name !== 'TryCollect' && name !== 'Collect') || fut.args.length !== 2) {
    return fut;
  }
  const fallible = name === 'TryCollect';
  if (collection.k === 'unknown' && !collection.proj) {
    const settled = expectedOutput && fromExpected(expectedOutput, fallible, index);
    return settled ? { ...fut, args: [stream, settled] } : fut;
  }
  const item = extendItem(stream, fallible, index);
  const filled = item && filledHoles(collection, item, index);
  return filled ? { ...fut, args: [stream, filled] } : fut;
}

/** What the stream's items extend a collection with: its `Ok` (fallible) or its `Item`. */
function extendItem(stream: Ty, fallible: boolean, index: ItemIndex): Ty | null {
  const item = ownStreamItem(stream, index);
  if (!item || !fallible) {
    return item;
  }
  return resultParts(item, index)?.[0] ?? null;
}

/** The collection an awaited `Result<C, E>` (`C`) names, when it is fully known. */
function fromExpected(expected: Ty, fallible: boolean, index: ItemIndex): Ty | null {
  let collection: Ty | undefined = expected;
  if (fallible) {
    collection = resultParts(expected, index)?.[0];
  }
  return collection && !hasUnknown(collection) && !hasHole(collection) ? collection : null;
}

/** A std collection whose arguments are all holes, given its `Extend` item; null otherwise. */
function filledHoles(collection: Ty, item: Ty, index: ItemIndex): Ty | null {
  if (collection.k !== 'adt' || !isStdPath(collection) || hasUnknown(item)) {
    return null;
  }
  const name = collection.segments[collection.segments.length - 1];
  const holes = collection.args.length > 0 && collection.args.every(isHole);
  if (!holes || index.types.has(name)) {
    return null;
  }
  if (ELEMENT_COLLECTIONS.has(name) && collection.args.length === 1) {
    return { ...collection, args: [item] };
  }
  const pair = item.k === 'tuple' && item.elems.length === 2;
  if (PAIR_COLLECTIONS.has(name) && collection.args.length === 2 && pair) {
    return { ...collection, args: [...item.elems] };
  }
  return null;
}
