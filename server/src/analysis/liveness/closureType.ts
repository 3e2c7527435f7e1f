/**
 * The value of a plain (not async) closure: a struct of its captures, laid out like a tuple
 * (rustc reorders captures as it reorders a struct's fields).
 *
 * Measured with rustc 1.95 (`-Zprint-type-sizes` prints `{closure@f.rs:L:C}`; fixtures 87–89):
 * - A closure capturing nothing is zero-sized (`|| 1`: 0 B).
 * - Edition 2021 captures places: `|| s.io.fd` with `s: S` holds `&s.io.fd` (8 B); two fields
 *   used are two pointers (`|| { s.io.fd += 1; s.n }`: 16 B, also through `s: &mut S`).
 * - Through a shared reference the reference is enough: `|| self.io.fd` with `&self` is 8 B.
 * - A `&mut [u8]` used through itself (`|| self.recv(buf)`, `|| buf.len()`) is reborrowed: the
 *   closure holds a fat pointer (16 B), not a pointer to the local.
 * - By value (`move`, or a non-Copy value the body moves: `|| drop(y)`): the place's own type;
 *   a `move` closure takes only the place used out of a value it owns (`move || s.io.fd`: 4 B),
 *   but the reference itself when the place is behind one (`move || s.io.fd` with `s: &S`: 8 B).
 * - Copy values used by a non-`move` closure are borrowed (`|| a + b`: 16 B for two `u64`s);
 *   moved, they are copied (`move || a + b` with `u8`s: 2 B).
 * - Editions 2015/2018 capture whole variables (`|| self.io.peek(buf)` holds `&self`, `&buf`).
 * - A nested closure's captures are captures of the closure around it (`|| { let g = || a; g() }`
 *   is 8 B, as `g` is).
 * How the places and modes are found is `useFromClosure` and `capturedPlaces`; this module turns
 * them into the closure's type. A capture whose type is not known leaves the closure a lower
 * bound (its part of the layout unknown), so an exact size is only claimed when every captured
 * place, its mode and its type are known.
 */
import { isAdt, isUnsized, ref, Ty } from '../types/types';
import { Capture, capturedPlaces } from './held';

/** The type of the field path `place` (`a.b`; empty: the whole value) of a value of `ty`. */
export type PlaceType = (ty: Ty, place: string) => Ty;

/** The closure's value, from its captures (in the order they were first used). */
export function closureValueType(
  captures: readonly Capture[],
  edition: string,
  placeType: PlaceType,
): Ty {
  const elems = captures.flatMap((c) =>
    capturedPlaces(c, edition).map((place) => capturedType(c, place, edition, placeType)),
  );
  return { k: 'tuple', elems };
}

function capturedType(c: Capture, place: string, edition: string, placeType: PlaceType): Ty {
  const ty = c.local.ty;
  if (c.byValue) {
    return placeType(ty, ownedPrefix(ty, place, placeType));
  }
  const placeTy = place ? placeType(ty, place) : ty;
  // Editions 2015/2018 borrow the whole variable, whatever the body does with it.
  const wholeVariable = edition === '2015' || edition === '2018';
  if (!place && c.throughRef) {
    if (wholeVariable) {
      return ty;
    }
    const whole = c.placeUses?.get('') === 'through' ? reborrowOf(c, '', ty) : ty;
    return whole.k === 'unknown' ? whole : behindSharedRef(c, placeType, whole);
  }
  if (!wholeVariable && c.placeUses?.get(place) === 'through') {
    return reborrowOf(c, place, placeTy);
  }
  // A pointer to the place: thin, as a local or a field of a sized value is sized.
  return ref(placeTy);
}

/**
 * A place used only through the pointer it holds: the closure borrows what it points to (`*r`,
 * `*o.b`), a pointer as big as the reference, fat for `&[u8]` or `Box<str>`. Through a pointer
 * to a pointer, a method's autoderef may go on (`s.len()` with `s: &&str` holds `&str`, 16 B):
 * how far is not known here, so a fat pointer possible further in leaves it unknown.
 */
function reborrowOf(c: Capture, place: string, placeTy: Ty): Ty {
  const unknown = unknownCapture(c, place);
  const pointee = builtinPointee(placeTy);
  if (!pointee) {
    return placeTy.k === 'unknown' ? unknown : ref(placeTy);
  }
  for (let deeper: Ty | null = pointee; deeper; deeper = builtinPointee(deeper)) {
    if (deeper.k === 'unknown' || (deeper !== pointee && isUnsized(deeper))) {
      return unknown;
    }
  }
  return ref(pointee);
}

/**
 * A shared reference `r` whose fields the body uses: rustc cuts each place after its last deref
 * of a shared reference, so `r.x` is `&*r`, as big as `r`; but `r.s.len()` with `s: &[u8]` goes
 * through `*r.s` and holds a fat `&[u8]` (measured: 16 B). A mix of such places merges into
 * `*r` or not by rules not modelled here: unknown, when a fat pointer could be among them.
 */
function behindSharedRef(c: Capture, placeType: PlaceType, whole: Ty): Ty {
  const ty = c.local.ty;
  // The places used through a pointer whose reborrow is not the thin pointer `&*r` would be.
  const special = [...c.paths]
    .filter((p) => p && c.placeUses?.get(p) === 'through')
    .map((p) => reborrowOf(c, p, placeType(ty, p)))
    .filter((t) => t.k === 'unknown' || (t.k === 'ref' && isUnsized(t.inner)));
  if (special.length === 0) {
    return whole;
  }
  return c.paths.size === 1 ? special[0] : unknownCapture(c, [...c.paths].join(', '));
}

/** What a reference or `Box` points to (a deref rustc's capture analysis goes through). */
function builtinPointee(ty: Ty): Ty | null {
  if (ty.k === 'ref') {
    return ty.inner;
  }
  return isAdt(ty, 'Box') && ty.k === 'adt' && ty.args[0] ? ty.args[0] : null;
}

function unknownCapture(c: Capture, place: string): Ty {
  const name = [c.local.name ?? '_', ...(place ? [place] : [])].join('.');
  return { k: 'unknown', text: `a capture of \`${name}\`` };
}

/**
 * The part of a place a closure can take by value: the place up to the first field reached
 * through a pointer (a move closure takes the reference or box, not what it points to).
 */
function ownedPrefix(ty: Ty, place: string, placeType: PlaceType): string {
  if (!place) {
    return place;
  }
  const fields = place.split('.');
  let current = ty;
  for (let i = 0; i < fields.length; i++) {
    if (current.k === 'ref' || current.k === 'ptr' || isAdt(current, 'Box', 'Rc', 'Arc')) {
      return fields.slice(0, i).join('.');
    }
    current = placeType(current, fields[i]);
  }
  return place;
}
