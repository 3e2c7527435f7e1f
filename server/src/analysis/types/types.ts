/**
 * A small model of Rust types, enough to compute x86_64 sizes the way rustc lays them out.
 */

export type Ty =
  | { k: 'prim'; name: string }
  | { k: 'tuple'; elems: Ty[] }
  | { k: 'array'; elem: Ty; len: number | null }
  | { k: 'slice'; elem: Ty }
  | { k: 'str' }
  /** `output`: a `dyn Future<Output = T>`'s `T`, what awaiting it (boxed, pinned) yields. */
  | { k: 'dyn'; text: string; output?: Ty }
  | { k: 'ref'; mut: boolean; inner: Ty }
  | { k: 'ptr'; inner: Ty }
  | { k: 'fnptr' }
  | { k: 'never' }
  /**
   * A named type: `segments` is the path as written (or resolved through `use`), `args` its generic
   * arguments. `origin` is set when the path cannot name a std type: see {@link TypeOrigin}.
   * `scope` is set on the types of another crate's items (a dependency's struct fields): the
   * crate and module its path is resolved in; without it the path is the analysed crate's.
   */
  | { k: 'adt'; segments: string[]; args: Ty[]; origin?: TypeOrigin; scope?: string }
  /** The future of an async fn / block / closure of this file, by the id the engine gave it. */
  | { k: 'future'; id: string; label: string }
  /**
   * An async closure's value: its captures, which are not modelled (so its size is unknown); calling
   * it directly gives `future`, the future the engine sized for it.
   */
  | { k: 'asyncClosure'; future: Ty }
  /**
   * A type parameter of the enclosing item; `maybeUnsized` while a `T: ?Sized` one is unbound
   * (a reference to it may be a fat pointer).
   */
  | { k: 'param'; name: string; maybeUnsized?: boolean }
  /**
   * Not known here. `proj` is set on an associated type (`T::Future`, `<T as Tr>::Out`,
   * `Self::Iter`): unknown until a trait impl for its self type says what it is (see
   * `projections.ts`), so whatever does not resolve it reads it as unknown.
   */
  | { k: 'unknown'; text: string; proj?: Projection };

/** An associated type of a type: `name` of `self`'s impl of `trait` (null: not written). */
export interface Projection {
  self: Ty;
  name: string;
  /** The trait's path as written (`sealed::ToSocketAddrsPriv`); null for `T::Name`. */
  trait: string[] | null;
}

/** The text of a projection, as a Rust developer writes it. */
export function showProjection(p: Projection): string {
  const self = showTy(p.self);
  return p.trait ? `<${self} as ${p.trait.join('::')}>::${p.name}` : `${self}::${p.name}`;
}

/**
 * Where a path that is not std's leads: `crate` for `crate::`, `self::` and `super::` paths (this
 * crate's items), `dependency` for a path through another crate or a module the file declares (a
 * `use tokio::net::TcpStream`, a written `bytes::Bytes`, a name a non-std glob import may bring).
 * Such a type is this crate's own or unknown, never a std type of the same name.
 */
export type TypeOrigin = 'crate' | 'dependency';

/** The roots of std's paths. */
export const STD_ROOTS: ReadonlySet<string> = new Set(['std', 'core', 'alloc']);

/** Names every module sees without an import (std's prelude), which a glob import cannot shadow unnoticed here. */
export const PRELUDE_TYPES: ReadonlySet<string> = new Set([
  'Option',
  'Result',
  'Vec',
  'String',
  'Box',
  'Self',
]);

export const UNIT: Ty = { k: 'tuple', elems: [] };
export const UNKNOWN: Ty = { k: 'unknown', text: '_' };

export function prim(name: string): Ty {
  return { k: 'prim', name };
}

export function adt(name: string, ...args: Ty[]): Ty {
  return { k: 'adt', segments: name.split('::'), args };
}

export function ref(inner: Ty, mut = false): Ty {
  return { k: 'ref', mut, inner };
}

export function unknown(text: string): Ty {
  return { k: 'unknown', text };
}

export const PRIMITIVES: Record<string, number> = {
  u8: 1,
  i8: 1,
  bool: 1,
  u16: 2,
  i16: 2,
  u32: 4,
  i32: 4,
  f32: 4,
  char: 4,
  u64: 8,
  i64: 8,
  f64: 8,
  usize: 8,
  isize: 8,
  u128: 16,
  i128: 16,
};

export function isPrimitiveName(name: string): boolean {
  return name in PRIMITIVES || name === 'str';
}

/** The last path segment, which is what most lookups go by. */
export function adtName(ty: Ty): string | null {
  return ty.k === 'adt' ? ty.segments[ty.segments.length - 1] : null;
}

export function isAdt(ty: Ty, ...names: string[]): boolean {
  const name = adtName(ty);
  return name !== null && names.includes(name);
}

/** `&T` → `T`; other types unchanged. */
export function derefTy(ty: Ty): Ty {
  return ty.k === 'ref' || ty.k === 'ptr' ? ty.inner : ty;
}

/** Strips every reference layer. */
export function peelRefs(ty: Ty): Ty {
  while (ty.k === 'ref') {
    ty = ty.inner;
  }
  return ty;
}

export function isUnsized(ty: Ty): boolean {
  return ty.k === 'slice' || ty.k === 'str' || ty.k === 'dyn' || isAdt(ty, 'Path', 'OsStr', 'CStr');
}

/** Renders a type the way a Rust developer writes it. */
export function showTy(ty: Ty): string {
  switch (ty.k) {
    case 'prim':
      return ty.name;
    case 'tuple':
      return ty.elems.length === 1
        ? `(${showTy(ty.elems[0])},)`
        : `(${ty.elems.map(showTy).join(', ')})`;
    case 'array':
      return `[${showTy(ty.elem)}; ${ty.len ?? '?'}]`;
    case 'slice':
      return `[${showTy(ty.elem)}]`;
    case 'str':
      return 'str';
    case 'dyn':
      return ty.text;
    case 'ref':
      return `&${ty.mut ? 'mut ' : ''}${showTy(ty.inner)}`;
    case 'ptr':
      return `*const ${showTy(ty.inner)}`;
    case 'fnptr':
      return 'fn(..)';
    case 'never':
      return '!';
    case 'adt': {
      // Another crate's type keeps its path (`tokio::sync::MutexGuard`): its last name alone reads as std's.
      const name =
        ty.origin === 'dependency' ? ty.segments.join('::') : ty.segments[ty.segments.length - 1];
      return ty.args.length ? `${name}<${ty.args.map(showTy).join(', ')}>` : name;
    }
    case 'future':
      return ty.label;
    case 'asyncClosure':
      return 'async closure';
    case 'param':
      return ty.name;
    case 'unknown':
      return ty.text;
  }
}

/** `Pin<Box<dyn Future<Output = T> + Send>>`: what an `#[async_trait]` method returns. */
export function boxedDynFuture(output: Ty): Ty {
  return {
    k: 'adt',
    segments: ['std', 'pin', 'Pin'],
    args: [
      {
        k: 'adt',
        segments: ['Box'],
        args: [{ k: 'dyn', text: `dyn Future<Output = ${showTy(output)}> + Send`, output }],
      },
    ],
  };
}

/** Substitutes generic parameters by name. */
export function substitute(ty: Ty, map: Map<string, Ty>): Ty {
  if (map.size === 0) {
    return ty;
  }
  switch (ty.k) {
    case 'param':
      return map.get(ty.name) ?? ty;
    case 'adt':
      if (ty.segments.length === 1 && ty.args.length === 0 && map.has(ty.segments[0])) {
        return map.get(ty.segments[0])!;
      }
      return { ...ty, args: ty.args.map((a) => substitute(a, map)) };
    case 'tuple':
      return { k: 'tuple', elems: ty.elems.map((e) => substitute(e, map)) };
    case 'array':
      return { ...ty, elem: substitute(ty.elem, map) };
    case 'slice':
      return { ...ty, elem: substitute(ty.elem, map) };
    case 'ref':
      return { ...ty, inner: substitute(ty.inner, map) };
    case 'ptr':
      return { ...ty, inner: substitute(ty.inner, map) };
    case 'unknown': {
      if (!ty.proj) {
        return ty;
      }
      const self = substitute(ty.proj.self, map);
      if (self === ty.proj.self) {
        return ty;
      }
      const proj = { ...ty.proj, self };
      return { k: 'unknown', text: showProjection(proj), proj };
    }
    default:
      return ty;
  }
}

/** Whether the type mentions anything unknown. */
export function hasUnknown(ty: Ty): boolean {
  switch (ty.k) {
    case 'unknown':
    case 'param':
    case 'asyncClosure':
      return true;
    case 'adt':
      return ty.args.some(hasUnknown);
    case 'tuple':
      return ty.elems.some(hasUnknown);
    case 'array':
      return ty.len === null || hasUnknown(ty.elem);
    case 'slice':
      return hasUnknown(ty.elem);
    case 'ref':
    case 'ptr':
      return hasUnknown(ty.inner);
    default:
      return false;
  }
}

/** A type's direct parts: an ADT's arguments, a tuple's elements, an array's element, a pointee. */
export function typeParts(ty: Ty): Ty[] {
  switch (ty.k) {
    case 'adt':
      return ty.args;
    case 'tuple':
      return ty.elems;
    case 'array':
    case 'slice':
      return [ty.elem];
    case 'ref':
    case 'ptr':
      return [ty.inner];
    default:
      return [];
  }
}

/**
 * The type with each direct part (see `typeParts`) replaced by `f`'s answer for it; null when `f`
 * gives null for one. A type without parts is itself.
 */
export function mapTypeParts(ty: Ty, f: (part: Ty) => Ty | null): Ty | null {
  const mapped = typeParts(ty).map(f);
  if (mapped.some((p) => p === null)) {
    return null;
  }
  const parts = mapped as Ty[];
  switch (ty.k) {
    case 'adt':
      return { ...ty, args: parts };
    case 'tuple':
      return { ...ty, elems: parts };
    case 'array':
    case 'slice':
      return { ...ty, elem: parts[0] };
    case 'ref':
    case 'ptr':
      return { ...ty, inner: parts[0] };
    default:
      return ty;
  }
}
