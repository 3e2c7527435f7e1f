/**
 * Associated types through trait impls: `T::Future` with `T = &str` is what the one impl for
 * `&str` says (`impl<T: ?Sized> Tr for &T { type Future = T::Future; }`, then `impl Tr for str`),
 * as rustc's projection does. An answer is given only when exactly one impl applies and nothing
 * about it is unknown: two candidate impls, an impl whose self type cannot be compared, or a
 * name a std trait also declares with no trait written, all stay unknown (a lower bound), never
 * a guess.
 */
import type { SyntaxNode } from '../syntax/parser';
import type { TraitDeclaration } from './boundProjections';
import {
  Projection,
  Ty,
  hasUnknown,
  mapTypeParts,
  showProjection,
  substitute,
  typeParts,
} from './types';

/** One `type Name = ..;` of a trait impl, as the item index keeps it (plain data). */
export interface AssocTypeImpl {
  /** The impl's generic parameters (`impl<T> ..`). */
  generics: string[];
  /** The impl's self type, its parameters as `param`s. */
  selfTy: Ty;
  /** The trait's last path segment, without arguments (`ToSocketAddrsPriv`); null: inherent. */
  trait: string | null;
  /** What the impl says the associated type is, `Self` read as `selfTy`. */
  ty: Ty;
  /** Set on a trait's declaration instead (kept with the impls, see `boundProjections.ts`). */
  declaration?: TraitDeclaration;
}

/** The impls that define each associated type name, by that name. */
export type AssocTypeImpls = ReadonlyMap<string, readonly AssocTypeImpl[]>;

/**
 * Associated type names std's traits declare (`Iterator::Item`, `Future::Output`,
 * `Deref::Target`, ..): std's impls of them are not in any index, so without the trait written
 * an impl found here for such a name may not be the one rustc picks.
 */
const STD_ASSOC_NAMES: ReadonlySet<string> = new Set([
  'Output',
  'Item',
  'IntoIter',
  'IntoFuture',
  'Target',
  'Error',
  'Err',
  'Owned',
  'Residual',
]);

/** Nested projections followed before an answer is given up on (cycles end here too). */
const MAX_DEPTH = 16;

/**
 * What a value of this type yields through a std trait's associated type (`<F as
 * Future>::Output` awaiting it, `<R as Try>::Output` for `?`, `<I as IntoIterator>::IntoIter`
 * for a `for` loop), as a projection resolved when the type is known (an instance's, the
 * crate's impl's); null for a type that is not a projection nor one of the crate's `own` types.
 */
export function projectedThrough(
  ty: Ty,
  trait: 'Future' | 'Try' | 'IntoIterator' | 'Iterator',
  name: string,
  own: (name: string) => boolean,
): Ty | null {
  const ownAdt =
    ty.k === 'adt' &&
    ty.scope === undefined &&
    ty.origin !== 'dependency' &&
    own(ty.segments[ty.segments.length - 1]);
  if (!(ty.k === 'unknown' && ty.proj) && !ownAdt) {
    return null;
  }
  return projectionType({ self: ty, name, trait: [trait] });
}

/** A projection type: unknown until resolved, its text as written. */
export function projectionType(proj: Projection, text = showProjection(proj)): Ty {
  return { k: 'unknown', text, proj };
}

/**
 * The projection a type node names (`T::Future` for a generic `T`, `Self::Iter`,
 * `<T as Tr>::Assoc`); null for any other path. `read` reads a type node in the same scope.
 */
export function projectionFromNode(
  node: SyntaxNode,
  generics: ReadonlySet<string>,
  selfTy: Ty | null,
  read: (node: SyntaxNode) => Ty,
): Ty | null {
  const path = node.childForFieldName('path');
  const name = node.childForFieldName('name')?.text;
  if (!path || !name) {
    return null;
  }
  if (path.type === 'identifier' && path.text === 'Self') {
    const self: Ty = selfTy ?? { k: 'param', name: 'Self' };
    return projectionType({ self, name, trait: null }, node.text);
  }
  if (path.type === 'identifier' && generics.has(path.text)) {
    return projectionType({ self: { k: 'param', name: path.text }, name, trait: null }, node.text);
  }
  const qualified = path.type === 'bracketed_type' ? path.namedChildren[0] : null;
  if (qualified?.type !== 'qualified_type') {
    return null;
  }
  const selfNode = qualified.childForFieldName('type');
  const traitNode = qualified.childForFieldName('alias');
  if (!selfNode || !traitNode) {
    return null;
  }
  const traitPath = (traitNode.childForFieldName('type') ?? traitNode).text;
  const trait = traitPath.split('::').map((s) => s.trim());
  return projectionType({ self: read(selfNode), name, trait }, node.text);
}

/** What the analysed code knows to resolve projections with. */
export interface ProjectionEnv {
  impls: AssocTypeImpls;
  /** Whether the type is one the crate defines (std's impls cannot be for it, bar blanket ones). */
  isOwnType(ty: Ty & { k: 'adt' }): boolean;
  /** Whether the path may name an alias (of a tuple, a reference, another path). */
  isAlias(ty: Ty & { k: 'adt' }): boolean;
  /** The type an alias of the crate stands for, its arguments substituted; null: not an alias. */
  expandAlias?(ty: Ty & { k: 'adt' }): Ty | null;
}

/**
 * The type a projection stands for, its own projections resolved too; null when it is not
 * known (no impl, several, one that cannot be compared, or a part still unknown).
 */
export function resolveProjection(proj: Projection, env: ProjectionEnv, depth = 0): Ty | null {
  if (depth > MAX_DEPTH) {
    return null;
  }
  const resolved = resolveAll(proj.self, env, depth + 1);
  const self = resolved && withoutAliases(resolved, env);
  if (self === null || hasUnknown(self)) {
    return null;
  }
  const trait = proj.trait ? lastName(proj.trait[proj.trait.length - 1]) : null;
  const std = trait === null ? undefined : stdProjection(self, proj.name, trait, env, depth);
  if (std !== undefined) {
    return std;
  }
  if (trait === null && STD_ASSOC_NAMES.has(proj.name) && !ownedBy(self, env)) {
    return null;
  }
  let found: Ty | null = null;
  for (const impl of env.impls.get(proj.name) ?? []) {
    if (trait !== null && impl.trait !== trait) {
      continue;
    }
    const bindings = new Map<string, Ty>();
    const match = unify(impl.selfTy, self, {
      generics: impl.generics,
      bindings,
      isOwnType: env.isOwnType,
      isAlias: env.isAlias,
      expandAlias: env.expandAlias,
    });
    if (match === 'no') {
      continue;
    }
    // A blanket impl over every type (`impl<T: Bound> Tr for T`) applies only when its bound
    // holds, which is decided here only through the trait the projection names.
    const blanket = impl.selfTy.k === 'param' && trait === null;
    if (match === 'maybe' || blanket) {
      return null;
    }
    if (impl.generics.some((g) => !bindings.has(g) && mentions(impl.ty, g))) {
      return null;
    }
    const ty = substitute(impl.ty, bindings);
    // `T::Stream` with no trait written, where two traits' impls for the type both say
    // `NoTlsStream`: whichever trait rustc reads it through, that is the type.
    if (found !== null && !identical(found, ty)) {
      return null;
    }
    found = ty;
  }
  return found && resolveAll(found, env, depth + 1);
}

function identical(a: Ty, b: Ty): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The type with every projection in it resolved; null when one is not known. */
export function resolveAll(ty: Ty, env: ProjectionEnv, depth = 0): Ty | null {
  if (ty.k === 'unknown') {
    return ty.proj ? resolveProjection(ty.proj, env, depth) : ty;
  }
  return mapTypeParts(ty, (t) => resolveAll(t, env, depth));
}

/**
 * The type with its projections taken for known types (`JoinHandle<F::Output>`: a handle of
 * whatever `F` yields): only its other parts tell whether it is partly unknown.
 */
export function withoutProjections(ty: Ty): Ty {
  if (ty.k === 'unknown') {
    return ty.proj ? { k: 'never' } : ty;
  }
  return mapTypeParts(ty, withoutProjections)!;
}

/** Whether any part of the type is a projection (so resolving it may say more). */
export function hasProjection(ty: Ty): boolean {
  return ty.k === 'unknown' ? ty.proj !== undefined : typeParts(ty).some(hasProjection);
}

/** The type with its outer aliases expanded (`ReadyFuture<T>`: `future::Ready<io::Result<T>>`). */
function withoutAliases(ty: Ty, env: ProjectionEnv): Ty {
  for (let i = 0; i < MAX_DEPTH && ty.k === 'adt' && env.isAlias(ty); i++) {
    const expanded = env.expandAlias?.(ty);
    if (!expanded) {
      return ty;
    }
    ty = expanded;
  }
  return ty;
}

/** std's by-value iterators of a collection (`option::IntoIter<T>`, `vec::IntoIter<T>`). */
function isStdIntoIter(ty: Ty, env: ProjectionEnv): ty is Ty & { k: 'adt' } {
  const qualifier = ty.k === 'adt' ? ty.segments[ty.segments.length - 2] : undefined;
  return (
    isStdAdt(ty, 'IntoIter', env) &&
    (qualifier === 'option' || qualifier === 'vec' || qualifier === 'vec_deque')
  );
}

/** Whether the path is std's: written from a std root, or not a type the crate defines. */
function isStdAdt(ty: Ty, name: string, env: ProjectionEnv): ty is Ty & { k: 'adt' } {
  return (
    ty.k === 'adt' &&
    ty.segments[ty.segments.length - 1] === name &&
    ty.origin !== 'dependency' &&
    !env.isOwnType(ty) &&
    !env.isAlias(ty)
  );
}

/**
 * What std's impls say, for the few the analysis meets: `?` on a `Result` or `Option`
 * (`Try::Output`), awaiting `future::Ready<T>`, and a `for` loop over an iterator of the crate
 * (std's `impl<I: Iterator> IntoIterator for I`). Undefined: std's impls are not the answer.
 */
function stdProjection(
  self: Ty,
  name: string,
  trait: string,
  env: ProjectionEnv,
  depth: number,
): Ty | null | undefined {
  const arg0 = self.k === 'adt' ? self.args[0] : undefined;
  if (trait === 'Try' && name === 'Output') {
    const std = isStdAdt(self, 'Result', env) || isStdAdt(self, 'Option', env);
    return std && arg0 ? resolveAll(arg0, env, depth + 1) : null;
  }
  if (trait === 'Future' && name === 'Output' && isStdAdt(self, 'Ready', env) && arg0) {
    return resolveAll(arg0, env, depth + 1);
  }
  if ((trait === 'IntoIterator' || trait === 'Iterator') && isStdIntoIter(self, env)) {
    return name === 'IntoIter'
      ? self
      : name === 'Item' && arg0
        ? resolveAll(arg0, env, depth)
        : null;
  }
  if (trait === 'IntoIterator' && self.k === 'adt' && env.isOwnType(self)) {
    // An iterator of the crate is its own `IntoIter`: std's blanket impl (the crate cannot have
    // another impl of `IntoIterator` for it then).
    const item = resolveProjection({ self, name: 'Item', trait: ['Iterator'] }, env, depth + 1);
    if (item === null) {
      return undefined;
    }
    return name === 'IntoIter' ? self : name === 'Item' ? item : undefined;
  }
  return undefined;
}

function lastName(segment: string): string {
  return segment.replace(/<.*$/s, '').trim();
}

/** Whether the type (through references) is the crate's own, which std implements nothing for. */
function ownedBy(ty: Ty, env: ProjectionEnv): boolean {
  const inner = ty.k === 'ref' ? ty.inner : ty;
  return inner.k === 'adt' && env.isOwnType(inner);
}

function mentions(ty: Ty, name: string): boolean {
  switch (ty.k) {
    case 'param':
      return ty.name === name;
    case 'unknown':
      return ty.proj !== undefined && mentions(ty.proj.self, name);
    case 'adt':
      return ty.args.some((a) => mentions(a, name));
    case 'tuple':
      return ty.elems.some((e) => mentions(e, name));
    case 'array':
    case 'slice':
      return mentions(ty.elem, name);
    case 'ref':
    case 'ptr':
      return mentions(ty.inner, name);
    default:
      return false;
  }
}

type Match = 'yes' | 'no' | 'maybe';

/** An impl's generics, bound as its self type is compared with a type. */
export interface Unification {
  generics: readonly string[];
  bindings: Map<string, Ty>;
  isOwnType(ty: Ty & { k: 'adt' }): boolean;
  isAlias(ty: Ty & { k: 'adt' }): boolean;
  expandAlias?(ty: Ty & { k: 'adt' }): Ty | null;
  /** Aliases expanded so far (a cycle of aliases ends). */
  depth?: number;
}

function all(matches: Iterable<Match>): Match {
  let result: Match = 'yes';
  for (const m of matches) {
    if (m === 'no') {
      return 'no';
    }
    if (m === 'maybe') {
      result = 'maybe';
    }
  }
  return result;
}

/**
 * Whether an impl's self type (`pattern`, over `generics`) is the type, binding the generics
 * as it goes; `maybe` when that cannot be decided here (an alias, an unknown part, a type of
 * another crate compared with one of this crate's).
 */
export function unify(pattern: Ty, ty: Ty, u: Unification): Match {
  const { generics, bindings } = u;
  if (pattern.k === 'param' && generics.includes(pattern.name)) {
    const bound = bindings.get(pattern.name);
    if (bound === undefined) {
      bindings.set(pattern.name, ty);
      return 'yes';
    }
    return sameType(bound, ty);
  }
  if (pattern.k === 'unknown' || pattern.k === 'param' || ty.k === 'unknown') {
    return 'maybe';
  }
  if ((pattern.k === 'adt' && u.isAlias(pattern)) || (ty.k === 'adt' && u.isAlias(ty))) {
    return unifyAliases(pattern, ty, u);
  }
  if (pattern.k === 'adt' && ty.k === 'adt') {
    return unifyAdts(pattern, ty, u);
  }
  if (pattern.k !== ty.k) {
    return 'no';
  }
  const sub = (p: Ty, t: Ty) => unify(p, t, u);
  switch (pattern.k) {
    case 'prim':
      return pattern.name === (ty as typeof pattern).name ? 'yes' : 'no';
    case 'str':
    case 'never':
      return 'yes';
    case 'ref': {
      const t = ty as typeof pattern;
      return pattern.mut !== t.mut ? 'no' : sub(pattern.inner, t.inner);
    }
    case 'ptr':
      return sub(pattern.inner, (ty as typeof pattern).inner);
    case 'slice':
      return sub(pattern.elem, (ty as typeof pattern).elem);
    case 'array': {
      const t = ty as typeof pattern;
      if (pattern.len === null || t.len === null) {
        return 'maybe';
      }
      return pattern.len !== t.len ? 'no' : sub(pattern.elem, t.elem);
    }
    case 'tuple': {
      const t = ty as typeof pattern;
      return pattern.elems.length !== t.elems.length
        ? 'no'
        : all(pattern.elems.map((e, i) => sub(e, t.elems[i])));
    }
    default:
      // Trait objects, fn pointers, futures, closures: not compared here.
      return 'maybe';
  }
}

/** An alias stands for what it names (a tuple, a reference, another path): compared as that. */
function unifyAliases(pattern: Ty, ty: Ty, u: Unification): Match {
  if (sameType(pattern, ty) === 'yes') {
    return 'yes';
  }
  const expand = (t: Ty) => (t.k === 'adt' && u.isAlias(t) ? u.expandAlias?.(t) : t);
  const [p, t] = [expand(pattern), expand(ty)];
  if (!p || !t || (u.depth ?? 0) > MAX_DEPTH) {
    // Defined more than once, or nested too deep: not known which type it names.
    return 'maybe';
  }
  return unify(p, t, { ...u, depth: (u.depth ?? 0) + 1 });
}

function unifyAdts(pattern: Ty & { k: 'adt' }, ty: Ty & { k: 'adt' }, u: Unification): Match {
  const name = pattern.segments[pattern.segments.length - 1];
  if (name !== ty.segments[ty.segments.length - 1]) {
    return 'no';
  }
  // A path through one of the crate's modules is marked as not std's, as another crate's is.
  const foreign = (t: Ty & { k: 'adt' }) => t.origin === 'dependency';
  const sameOrigin = foreign(pattern) === foreign(ty) || (u.isOwnType(pattern) && u.isOwnType(ty));
  if (pattern.scope !== ty.scope || !sameOrigin || !samePath(pattern, ty, u)) {
    return 'maybe';
  }
  if (pattern.args.length !== ty.args.length) {
    // A default type argument left out on one side.
    return 'maybe';
  }
  return all(pattern.args.map((a, i) => unify(a, ty.args[i], u)));
}

const ROOTS: ReadonlySet<string> = new Set(['std', 'core', 'alloc', 'crate']);

/**
 * Whether two paths of one name may name one type: one is the end of the other (`SocketAddr`
 * and `std::net::SocketAddr`), and not std's on one side where the crate defines that name.
 */
function samePath(a: Ty & { k: 'adt' }, b: Ty & { k: 'adt' }, u: Unification): boolean {
  const strip = (s: string[]) => (ROOTS.has(s[0]) ? s.slice(1) : s);
  const [x, y] = [strip(a.segments), strip(b.segments)];
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  if (!short.every((s, i) => s === long[long.length - short.length + i])) {
    return false;
  }
  const std = (t: Ty & { k: 'adt' }) => t.segments[0] !== 'crate' && ROOTS.has(t.segments[0]);
  return std(a) === std(b) || !(u.isOwnType(a) || u.isOwnType(b));
}

function sameType(a: Ty, b: Ty): Match {
  return JSON.stringify(a) === JSON.stringify(b) ? 'yes' : 'maybe';
}
