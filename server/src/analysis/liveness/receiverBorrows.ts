/**
 * The reference a method taking `&self`/`&mut self` is called with, when that reference is held
 * across an argument's await: its size depends on the type the method is found on. A method of
 * `Vec`/`String` itself takes `&Vec` (thin); one of the slice or `str` they dereference to
 * (`v.get(i)`, `s.contains(c)`) takes `&[T]`/`&str` (a fat pointer, 16 B; measured with
 * rustc 1.95); so does a method reached through a smart pointer to an unsized value.
 */
import { isAdt, isUnsized, ref, Ty, UNKNOWN } from '../types/types';
import { SMART_POINTER_TYPES } from '../types/knownTypes';

/** `&self`/`&mut self` methods of `Vec` itself (std 1.95 inherent and trait impls on `Vec`). */
const VEC_OWN_METHODS = new Set(
  `capacity reserve reserve_exact try_reserve try_reserve_exact shrink_to_fit shrink_to truncate
   as_slice as_mut_slice as_ptr as_mut_ptr set_len swap_remove insert remove retain retain_mut
   dedup_by_key dedup_by dedup push pop pop_if append drain clear len is_empty split_off
   resize_with resize extend_from_slice extend_from_within spare_capacity_mut splice extract_if
   allocator push_within_capacity extend clone clone_from eq ne partial_cmp cmp hash fmt as_ref
   as_mut borrow borrow_mut index index_mut deref deref_mut write write_all flush`.split(/\s+/),
);

/** `&self`/`&mut self` methods of `String` itself. */
const STRING_OWN_METHODS = new Set(
  `push_str push capacity reserve reserve_exact try_reserve try_reserve_exact shrink_to_fit
   shrink_to as_str as_mut_str as_bytes as_mut_vec truncate pop remove retain insert insert_str
   len is_empty split_off clear drain replace_range extend_from_within extend clone clone_from eq
   ne partial_cmp cmp hash fmt as_ref as_mut borrow borrow_mut index index_mut deref deref_mut
   write_str write_char write_fmt add_assign`.split(/\s+/),
);

/**
 * The reference `receiver.method(..)` borrows: an autoref of the receiver, a reborrow of what a
 * reference points to, or of what `Vec`/`String`/a smart pointer dereferences to. Unknown when
 * the receiver's type is.
 */
export function receiverBorrow(recvTy: Ty, method: string, mutable: boolean): Ty {
  if (recvTy.k === 'unknown') {
    return UNKNOWN;
  }
  let target = recvTy.k === 'ref' ? recvTy.inner : recvTy;
  // Through smart pointers and guards to the value they hold (their own methods seldom take
  // an argument that awaits).
  for (let depth = 0; depth < 4 && isAdt(target, ...SMART_POINTER_TYPES); depth++) {
    const inner: Ty | undefined = target.k === 'adt' ? target.args[0] : undefined;
    if (!inner || inner.k === 'unknown') {
      return UNKNOWN;
    }
    target = inner.k === 'ref' ? inner.inner : inner;
    if (isUnsized(target)) {
      return ref(target, mutable);
    }
  }
  if (target.k === 'adt' && isAdt(target, 'Vec') && !VEC_OWN_METHODS.has(method)) {
    return ref({ k: 'slice', elem: target.args[0] ?? UNKNOWN }, mutable);
  }
  if (target.k === 'adt' && isAdt(target, 'String') && !STRING_OWN_METHODS.has(method)) {
    return ref({ k: 'str' }, mutable);
  }
  return ref(target, mutable);
}
