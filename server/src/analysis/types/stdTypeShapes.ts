/**
 * What std's generic types hold: the type arguments of a receiver, the element a collection yields,
 * and whether a path names std's type at all. Shared by expression typing and the method table.
 */
import { Ty, UNKNOWN, isAdt, peelRefs, prim, ref } from './types';

export const STR_REF: Ty = ref({ k: 'str' });

/** The `index`th type argument of a named type (`Vec<T>` → `T`); unknown for anything else. */
export function typeArg(ty: Ty, index = 0): Ty {
  return ty.k === 'adt' ? (ty.args[index] ?? UNKNOWN) : UNKNOWN;
}

const SINGLE_ELEMENT_CONTAINERS = [
  'Vec',
  'VecDeque',
  'HashSet',
  'BTreeSet',
  'BinaryHeap',
  'LinkedList',
  'Option',
  'IntoIter',
  'Iter',
  'IterMut',
  'Drain',
];

/** The element type a collection yields by reference / by value. */
export function elementType(ty: Ty): Ty {
  const t = peelRefs(ty);
  if (t.k === 'array' || t.k === 'slice') {
    return t.elem;
  }
  if (isAdt(t, ...SINGLE_ELEMENT_CONTAINERS)) {
    return typeArg(t);
  }
  if (isAdt(t, 'HashMap', 'BTreeMap')) {
    return { k: 'tuple', elems: [typeArg(t, 0), typeArg(t, 1)] };
  }
  if (isAdt(t, 'Range', 'RangeFrom', 'RangeInclusive')) {
    return typeArg(t);
  }
  if (isAdt(t, 'Chars')) {
    return prim('char');
  }
  if (isAdt(t, 'Bytes')) {
    return prim('u8');
  }
  if (isAdt(t, 'Lines', 'Split', 'SplitWhitespace')) {
    return STR_REF;
  }
  return UNKNOWN;
}

const STD_PATH_ROOTS = ['std', 'core', 'alloc', 'sync', 'cell'];

/** A type written (or imported) from std, or unqualified; not `tokio::sync::Mutex` and the like. */
export function isStdPath(t: Ty): boolean {
  if (t.k !== 'adt') {
    return true;
  }
  return !t.origin && (t.segments.length === 1 || STD_PATH_ROOTS.includes(t.segments[0]));
}
