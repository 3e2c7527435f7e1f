/**
 * A caller's type arguments for a dependency's generic async fn, in a form the dependency's own
 * analysis reads as the caller meant them, so its future is sized for that instance: a std type
 * stays std's (read as `std::..`, never as the dependency's type of the same name), a type of a
 * crate in the graph keeps the scope it was resolved in. A type the dependency cannot name (the
 * caller's own struct, its futures and closures, a path not resolved) is left out: its generic
 * stays generic, and the future a lower bound, as without the instance.
 */
import type { ItemIndex } from '../items/items';
import type { ForeignType, Layout } from '../types/layout';
import { STD_ROOTS, Ty, mapTypeParts, showTy } from '../types/types';

/**
 * A call's type arguments for a dependency's generic fn: `named`, the ones its crate can name;
 * `byLayout`, known ones it cannot (the caller's own struct, one of its futures), which it can
 * only be given as their layout, computed by the caller when the future is sized.
 */
export interface InstanceArgs {
  named: Map<string, Ty>;
  byLayout: Map<string, Ty>;
  /** The caller's glob imports, which bare names of other crates' types are read through. */
  globs: readonly string[][];
}

/** The known arguments of `generics`, by name: named where the fn's crate can, else by layout. */
export function instanceArgs(
  bound: ReadonlyMap<string, Ty>,
  generics: readonly string[],
  index: ItemIndex,
): InstanceArgs {
  const args: InstanceArgs = { named: new Map(), byLayout: new Map(), globs: index.globImports };
  for (const [name, ty] of bound) {
    if (!generics.includes(name)) {
      continue;
    }
    if (isPortable(ty, index)) {
      args.named.set(name, ty);
    } else if (isKnown(ty)) {
      args.byLayout.set(name, ty);
    }
  }
  return args;
}

/** Whether the caller can lay the type out, whatever it names (no parameter, nothing unknown). */
function isKnown(ty: Ty): boolean {
  switch (ty.k) {
    case 'param':
    case 'unknown':
    case 'asyncClosure':
    case 'dyn':
      return false;
    case 'ref':
    case 'ptr':
      return isKnown(ty.inner);
    case 'tuple':
      return ty.elems.every(isKnown);
    case 'array':
      return ty.len !== null && isKnown(ty.elem);
    case 'slice':
      return isKnown(ty.elem);
    case 'adt':
      return ty.args.every(isKnown);
    default:
      return true;
  }
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
  const read = mapTypeParts(ty, (t) => readInDependency(t, rootScope, resolve));
  return read?.k === 'adt' ? readAdt(read, rootScope, resolve) : read;
}

function readAdt(ty: Ty & { k: 'adt' }, rootScope: string, resolve: ResolveCallerPath): Ty | null {
  const args = ty.args;
  if (ty.scope !== undefined) {
    const name = ty.segments[ty.segments.length - 1];
    return ty.segments.length === 1 ? (ownPath(name, ty.scope, rootScope, args) ?? ty) : ty;
  }
  if (ty.origin === 'dependency') {
    const found = resolve(ty.segments);
    if (found?.kind === 'type') {
      const scope = found.scope;
      const own = ownPath(found.type.name, scope, rootScope, args);
      return own ?? { k: 'adt', segments: [found.type.name], args, origin: 'dependency', scope };
    }
    if (found?.kind !== 'std') {
      return null;
    }
    const segments = STD_ROOTS.has(found.segments[0]) ? found.segments : ['std', ...found.segments];
    return { k: 'adt', segments, args, scope: rootScope };
  }
  const segments = STD_ROOTS.has(ty.segments[0]) ? ty.segments : ['std', ...ty.segments];
  return { ...ty, segments, scope: rootScope };
}

/**
 * A type of the dependency's own package as its analysis writes it (`crate::tls::NoTls`), so its
 * impls are that type's (`<NoTls as TlsConnect<S>>::Future`); null for another package's.
 */
function ownPath(name: string, scope: string, rootScope: string, args: Ty[]): Ty | null {
  if (!scope.startsWith(rootScope)) {
    return null;
  }
  const module = scope.slice(rootScope.length);
  return { k: 'adt', segments: ['crate', ...(module ? module.split('::') : []), name], args };
}

/** Ids of the types a caller's analysis gives a dependency by their layout (`byLayout`). */
const LAYOUT_ARGUMENT = 'dependency-argument-layout:';

/**
 * A caller's type as a dependency reads it: a value of its layout, with drop glue if it has
 * any; null when that is not all its layout says (a lower bound, a niche an enclosing enum
 * could use).
 */
export function byItsLayout(written: Ty, layout: Layout): Ty | null {
  if (!layout.exact || layout.niche !== null) {
    return null;
  }
  const id = `${LAYOUT_ARGUMENT}${layout.size}:${layout.align}:${layout.drop ? 1 : 0}`;
  // Typed as a future: a layout the analysis reads by id, without a path to resolve.
  return { k: 'future', id, label: showTy(written) };
}

/** The layout a `byItsLayout` id stands for; null for any other id. */
export function layoutArgument(id: string): Layout | null {
  if (!id.startsWith(LAYOUT_ARGUMENT)) {
    return null;
  }
  const [size, align, drop] = id.slice(LAYOUT_ARGUMENT.length).split(':').map(Number);
  return { size, align, exact: true, unknown: [], drop: drop === 1, copy: false, niche: null };
}
