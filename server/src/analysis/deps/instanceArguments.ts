/**
 * A caller's type arguments for a dependency's generic async fn, in a form the dependency's own
 * analysis reads as the caller meant them, so its future is sized for that instance: a std type
 * stays std's (read as `std::..`, never as the dependency's type of the same name), a type of a
 * crate in the graph keeps the scope it was resolved in. A type the dependency cannot name (the
 * caller's own struct, its futures and closures, a path not resolved) is left out: its generic
 * stays generic, and the future a lower bound, as without the instance.
 */
import type { ItemIndex } from '../items/items';
import type { ForeignType } from '../types/layout';
import { STD_ROOTS, Ty } from '../types/types';

/** The known arguments of `generics` that mean the same in the fn's own crate, by name. */
export function portableArguments(
  bound: ReadonlyMap<string, Ty>,
  generics: readonly string[],
  index: ItemIndex,
): Map<string, Ty> {
  const portable = new Map<string, Ty>();
  for (const [name, ty] of bound) {
    if (generics.includes(name) && isPortable(ty, index)) {
      portable.set(name, ty);
    }
  }
  return portable;
}

function isPortable(ty: Ty, index: ItemIndex): boolean {
  switch (ty.k) {
    case 'prim':
    case 'str':
    case 'never':
    case 'fnptr':
      return true;
    case 'ref':
    case 'ptr':
      return isPortable(ty.inner, index);
    case 'tuple':
      return ty.elems.every((e) => isPortable(e, index));
    case 'array':
      return ty.len !== null && isPortable(ty.elem, index);
    case 'slice':
      return isPortable(ty.elem, index);
    case 'adt':
      return isPortableAdt(ty, index) && ty.args.every((a) => isPortable(a, index));
    default:
      // A trait object's trait, a future, a closure, a parameter: the caller's, or not known.
      return false;
  }
}

function isPortableAdt(ty: Ty & { k: 'adt' }, index: ItemIndex): boolean {
  if (ty.scope !== undefined) {
    // Resolved in a package of the graph: the same type wherever it is read.
    return true;
  }
  if (ty.origin !== undefined) {
    // Another crate's path is resolved in the graph (`readInDependency`); the caller's
    // `crate::` path cannot be named there.
    return ty.origin === 'dependency';
  }
  if (STD_ROOTS.has(ty.segments[0])) {
    return true;
  }
  const name = ty.segments[ty.segments.length - 1];
  if (name === 'Self' || index.types.has(name) || index.ambiguousTypes.has(name)) {
    return false;
  }
  // A bare one-argument `Result` is `io::Result` in some files: which one is not known here.
  return !(name === 'Result' && ty.segments.length === 1 && ty.args.length === 1);
}

/** What a caller's path through another crate leads to, read from the caller's crate root. */
export type ResolveCallerPath = (segments: string[]) => ForeignType | null;

/**
 * A portable argument as the dependency reads it: std's paths spelled from `std`, resolved in
 * `rootScope` (the dependency's root module), so its own types of the same names never answer;
 * a caller's path into another crate resolved to the type it names there. Null when a path leads
 * to no type.
 */
export function readInDependency(ty: Ty, rootScope: string, resolve: ResolveCallerPath): Ty | null {
  const inner = (t: Ty) => readInDependency(t, rootScope, resolve);
  switch (ty.k) {
    case 'ref':
    case 'ptr': {
      const read = inner(ty.inner);
      return read && { ...ty, inner: read };
    }
    case 'tuple': {
      const elems = ty.elems.map(inner);
      return elems.every((e) => e !== null) ? { ...ty, elems: elems as Ty[] } : null;
    }
    case 'array':
    case 'slice': {
      const elem = inner(ty.elem);
      return elem && { ...ty, elem };
    }
    case 'adt': {
      const args = ty.args.map(inner);
      return args.every((a) => a !== null) ? readAdt(ty, args as Ty[], rootScope, resolve) : null;
    }
    default:
      return ty;
  }
}

function readAdt(
  ty: Ty & { k: 'adt' },
  args: Ty[],
  rootScope: string,
  resolve: ResolveCallerPath,
): Ty | null {
  if (ty.scope !== undefined) {
    return { ...ty, args };
  }
  if (ty.origin === 'dependency') {
    const found = resolve(ty.segments);
    if (found?.kind === 'type') {
      const scope = found.scope;
      return { k: 'adt', segments: [found.type.name], args, origin: 'dependency', scope };
    }
    if (found?.kind !== 'std') {
      return null;
    }
    const segments = STD_ROOTS.has(found.segments[0]) ? found.segments : ['std', ...found.segments];
    return { k: 'adt', segments, args, scope: rootScope };
  }
  const segments = STD_ROOTS.has(ty.segments[0]) ? ty.segments : ['std', ...ty.segments];
  return { ...ty, segments, args, scope: rootScope };
}
