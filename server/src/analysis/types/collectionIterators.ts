/**
 * std's collections and the iterators their methods and `for` loops make, with the items those
 * yield. Each collection's iterator is a type of its own size (a `BTreeMap`'s `Iter` is 72 bytes, a
 * `HashMap`'s 40, a slice's 16): a collection or a method not listed here gives no type, never a
 * slice's. Sizes come from `stdTypes.generated.json` by the names made here (`hash_map::Iter`).
 */
import { elementType, isStdPath, typeArg } from './stdTypeShapes';
import { Ty, UNKNOWN, adt, adtName, isAdt, ref } from './types';

/** How an iterator is made of a collection: a method's name, or `for` over the collection. */
export type IterationKind =
  'iter' | 'iter_mut' | 'into_iter' | 'keys' | 'values' | 'drain' | 'range';

/** Per collection, the module its iterators live in and which iterators it has. */
const COLLECTIONS: Record<string, { module: string; pairs: boolean; has: IterationKind[] }> = {
  HashMap: {
    module: 'hash_map',
    pairs: true,
    has: ['iter', 'iter_mut', 'into_iter', 'keys', 'values', 'drain'],
  },
  BTreeMap: {
    module: 'btree_map',
    pairs: true,
    has: ['iter', 'iter_mut', 'into_iter', 'keys', 'values', 'range'],
  },
  HashSet: { module: 'hash_set', pairs: false, has: ['iter', 'into_iter'] },
  BTreeSet: { module: 'btree_set', pairs: false, has: ['iter', 'into_iter'] },
  VecDeque: { module: 'vec_deque', pairs: false, has: ['iter', 'into_iter', 'drain'] },
  LinkedList: { module: 'linked_list', pairs: false, has: ['iter', 'into_iter'] },
  BinaryHeap: { module: 'binary_heap', pairs: false, has: ['into_iter'] },
};

const TYPE_NAMES: Record<IterationKind, string> = {
  iter: 'Iter',
  iter_mut: 'IterMut',
  into_iter: 'IntoIter',
  keys: 'Keys',
  values: 'Values',
  drain: 'Drain',
  range: 'Range',
};

/**
 * The iterator `collection.<how>()` gives (`how` of `into_iter` on a reference is the reference's
 * `iter` / `iter_mut`, as `for x in &v` is); unknown for anything not listed.
 */
export function collectionIterator(collection: Ty, how: IterationKind): Ty {
  if (how === 'into_iter' && collection.k === 'ref') {
    return collectionIterator(collection.inner, collection.mut ? 'iter_mut' : 'iter');
  }
  const t = collection;
  if (t.k === 'array' || t.k === 'slice' || (isAdt(t, 'Vec') && isStdPath(t))) {
    return sliceLikeIterator(t, how);
  }
  const name = isStdPath(t) ? adtName(t) : null;
  const known = name !== null ? COLLECTIONS[name] : undefined;
  if (!known || !known.has.includes(how) || t.k !== 'adt') {
    return UNKNOWN;
  }
  const args = known.pairs ? [typeArg(t, 0), typeArg(t, 1)] : [typeArg(t, 0)];
  return adt(`${known.module}::${TYPE_NAMES[how]}`, ...args);
}

function sliceLikeIterator(t: Ty, how: IterationKind): Ty {
  const element = elementType(t);
  switch (how) {
    case 'iter':
      return adt('slice::Iter', element);
    case 'iter_mut':
      return adt('slice::IterMut', element);
    case 'into_iter':
      // An array by value is `array::IntoIter<T, N>`; a slice cannot be iterated by value.
      return t.k === 'array'
        ? adt('array::IntoIter', element, t)
        : isAdt(t, 'Vec')
          ? adt('vec::IntoIter', element)
          : UNKNOWN;
    case 'drain':
      return isAdt(t, 'Vec') ? adt('vec::Drain', element) : UNKNOWN;
    default:
      return UNKNOWN;
  }
}

/**
 * The item a collection's iterator yields (`hash_map::Iter<K, V>` → `(&K, &V)`); null when `iter`
 * is not one of the iterators `collectionIterator` makes of a map or a set.
 */
export function collectionIteratorItem(iter: Ty): Ty | null {
  if (iter.k !== 'adt' || iter.segments.length < 2) {
    return null;
  }
  const module = iter.segments[iter.segments.length - 2];
  const name = iter.segments[iter.segments.length - 1];
  const collection = Object.values(COLLECTIONS).find((c) => c.module === module);
  if (!collection) {
    return null;
  }
  const first = iter.args[0] ?? UNKNOWN;
  if (!collection.pairs) {
    return name === 'Iter' ? ref(first) : name === 'IntoIter' || name === 'Drain' ? first : null;
  }
  const second = iter.args[1] ?? UNKNOWN;
  switch (name) {
    case 'Iter':
    case 'Range':
      return { k: 'tuple', elems: [ref(first), ref(second)] };
    case 'IterMut':
      return { k: 'tuple', elems: [ref(first), ref(second, true)] };
    case 'IntoIter':
    case 'Drain':
      return { k: 'tuple', elems: [first, second] };
    case 'Keys':
      return ref(first);
    case 'Values':
      return ref(second);
    default:
      return null;
  }
}
