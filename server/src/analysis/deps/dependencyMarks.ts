/**
 * Which types a dependency's declarations name: its own (marked, so they keep their own methods
 * and fields) or std's. Read by every module that types what another crate declares.
 */
import { PRELUDE_TYPES, STD_ROOTS, Ty } from '../types/types';

/**
 * A dependency's types keep their own methods: marked as another crate's, a `Sender` is not
 * given std's `Sender::send`, nor the crate's own `Sender`'s (std's generic types stay std's).
 */
export function markedAsDependency(ty: Ty): Ty {
  switch (ty.k) {
    case 'tuple':
      return { ...ty, elems: ty.elems.map(markedAsDependency) };
    case 'array':
    case 'slice':
      return { ...ty, elem: markedAsDependency(ty.elem) };
    case 'ref':
    case 'ptr':
      return { ...ty, inner: markedAsDependency(ty.inner) };
    case 'adt':
      break;
    default:
      return ty;
  }
  const args = ty.args.map(markedAsDependency);
  const std =
    STD_ROOTS.has(ty.segments[0]) ||
    (ty.segments.length === 1 && (PRELUDE_TYPES.has(ty.segments[0]) || ty.segments[0] === 'Pin'));
  return std || ty.scope === undefined ? { ...ty, args } : { ...ty, args, origin: 'dependency' };
}
