/**
 * Projections as rustc's generic MIR normalizes them: through the bounds a trait declares on its
 * associated types, not through any impl. In `async fn connect<A: ToSocketAddrs>`, with
 * `trait ToSocketAddrsPriv { type Iter: Iterator<Item = SocketAddr>; type Future:
 * Future<Output = io::Result<Self::Iter>>; }`, awaiting an `A::Future` yields an
 * `io::Result<A::Iter>`, and an item of `A::Iter` is a `SocketAddr` (no drop glue), in the generic
 * body already. Whether a value is saved across an await is decided there, so its types must be
 * read the same way. Where the bounds do not say, the projection stays as it is.
 */
import type { SyntaxNode } from '../syntax/parser';
import { Projection, Ty, mapTypeParts, substitute } from './types';

/** One bound a trait declares on an associated type: `Iterator<Item = SocketAddr>`. */
export interface AssocBound {
  /** The bound's trait, its last path segment (`Iterator`). */
  trait: string;
  /** Its associated type bindings (`Item = SocketAddr`), `Self` as a `param`. */
  bindings: [name: string, ty: Ty][];
}

/** A trait of the crate: its supertraits (last path segments) and its associated types' bounds. */
export interface TraitDeclaration {
  name: string;
  supertraits: string[];
  assoc: [name: string, bounds: AssocBound[]][];
  /** Its methods' signatures (see `boundTraitMethods.ts`); absent in older summaries. */
  methods?: DeclaredMethod[];
}

/** A method a trait declares: how it takes `self`, and its result (`Self` as a `param`). */
export interface DeclaredMethod {
  name: string;
  selfKind: 'value' | 'ref' | 'mut' | null;
  ret: Ty;
  /** The method's own generic parameters, and the trait's (what no caller's bounds say). */
  generics: string[];
}

/**
 * The key the item index keeps trait declarations under, among the associated types' impls
 * (`ItemIndex.assocTypes`): no associated type can have it.
 */
export const TRAIT_DECLARATIONS = ':traits';

/** Nested projections and supertraits followed before giving up (cycles end here too). */
const MAX_DEPTH = 16;

/** What normalizing a generic body's types needs. */
export interface BoundEnv {
  /** The traits each type parameter is bounded by (last path segments). */
  paramBounds: ReadonlyMap<string, readonly string[]>;
  /** The crate's traits by name; null: declared more than once (which one is not known). */
  traits: ReadonlyMap<string, TraitDeclaration | null>;
  /** Whether a path is std's `Result` or `Option` (not a type of the crate's of that name). */
  isStdTry(ty: Ty & { k: 'adt' }): boolean;
}

/** The crate's trait declarations by name, from the item index's associated types. */
export function traitDeclarations(
  assocTypes: ReadonlyMap<string, readonly { declaration?: TraitDeclaration }[]>,
): Map<string, TraitDeclaration | null> {
  const traits = new Map<string, TraitDeclaration | null>();
  for (const { declaration } of assocTypes.get(TRAIT_DECLARATIONS) ?? []) {
    if (declaration) {
      traits.set(declaration.name, traits.has(declaration.name) ? null : declaration);
    }
  }
  return traits;
}

/** The type with every projection the declared bounds decide replaced by what they say. */
export function normalizeByBounds(ty: Ty, env: BoundEnv, depth = 0): Ty {
  if (depth > MAX_DEPTH) {
    return ty;
  }
  if (ty.k === 'unknown' && ty.proj) {
    const self = normalizeByBounds(ty.proj.self, env, depth + 1);
    const proj: Projection = { ...ty.proj, self };
    const normalized = normalizeProjection(proj, env, depth + 1);
    return normalized ?? (self === ty.proj.self ? ty : { ...ty, proj });
  }
  return mapTypeParts(ty, (t) => normalizeByBounds(t, env, depth)) ?? ty;
}

/** What the bounds say a projection (its self type normalized) is; null: they do not say. */
function normalizeProjection(proj: Projection, env: BoundEnv, depth: number): Ty | null {
  const trait = proj.trait ? lastName(proj.trait[proj.trait.length - 1]) : null;
  const self = proj.self;
  if (trait === 'Try' && proj.name === 'Output') {
    // std's `impl<T, E> Try for Result<T, E>` (and `Option<T>`): `?` gives the `Ok` value.
    return self.k === 'adt' && env.isStdTry(self) && self.args[0] ? self.args[0] : null;
  }
  const bounds = declaredBounds(self, env, depth);
  if (bounds === null) {
    return null;
  }
  const binding = (boundTrait: string, name: string) => {
    const found = bounds.flatMap((b) =>
      b.trait === boundTrait ? b.bindings.filter(([n]) => n === name) : [],
    );
    return found.length === 1 ? normalizeByBounds(found[0][1], env, depth + 1) : null;
  };
  if (proj.name === 'Output' && (trait === 'Future' || trait === null)) {
    return binding('Future', 'Output');
  }
  if (proj.name === 'Item' && (trait === 'Iterator' || trait === 'IntoIterator')) {
    return binding('Iterator', 'Item');
  }
  if (proj.name === 'IntoIter' && trait === 'IntoIterator') {
    // std's `impl<I: Iterator> IntoIterator for I`: an iterator is its own.
    return bounds.some((b) => b.trait === 'Iterator') ? self : null;
  }
  return null;
}

/**
 * The bounds a rigid type is declared with: those of an associated type of a type parameter
 * (`A::Iter`), found through the parameter's bounds and their supertraits, its `Self` read as
 * the parameter; null for any other type, or when which trait declares it is not known.
 */
function declaredBounds(ty: Ty, env: BoundEnv, depth: number): AssocBound[] | null {
  if (ty.k !== 'unknown' || !ty.proj || ty.proj.self.k !== 'param') {
    return null;
  }
  const { name } = ty.proj;
  const param = ty.proj.self;
  const written = ty.proj.trait ? lastName(ty.proj.trait[ty.proj.trait.length - 1]) : null;
  const declaring = new Set<TraitDeclaration>();
  const seen = new Set<string>();
  let pending = [...(env.paramBounds.get(param.name) ?? [])];
  for (let level = 0; pending.length > 0 && level + depth <= MAX_DEPTH; level++) {
    const next: string[] = [];
    for (const traitName of pending) {
      if (seen.has(traitName)) {
        continue;
      }
      seen.add(traitName);
      const trait = env.traits.get(traitName);
      if (trait === null) {
        // Two traits of that name: which one bounds the parameter is not known.
        return null;
      }
      if (trait === undefined) {
        continue;
      }
      if (trait.assoc.some(([n]) => n === name) && (written === null || written === trait.name)) {
        declaring.add(trait);
      }
      next.push(...trait.supertraits);
    }
    pending = next;
  }
  if (declaring.size !== 1) {
    return null;
  }
  const [trait] = declaring;
  const bounds = trait.assoc.find(([n]) => n === name)![1];
  const self = new Map<string, Ty>([['Self', param]]);
  return bounds.map((b) => ({
    trait: b.trait,
    bindings: b.bindings.map(([n, t]): [string, Ty] => [n, substitute(t, self)]),
  }));
}

/**
 * The traits each type parameter of a fn (and of the impl it is in) is bounded by, from the
 * generic parameters and the where clauses: paths as written, without arguments.
 */
export function parameterBounds(fnNode: SyntaxNode): Map<string, string[][]> {
  const bounds = new Map<string, string[][]>();
  const note = (param: string | undefined, list: SyntaxNode | null) => {
    if (!param || !list) {
      return;
    }
    const paths = list.namedChildren.flatMap((b) => (b ? boundTraitPath(b) : []));
    bounds.set(param, [...(bounds.get(param) ?? []), ...paths]);
  };
  const impl = fnNode.parent?.type === 'declaration_list' ? fnNode.parent.parent : null;
  for (const item of impl?.type === 'impl_item' ? [impl, fnNode] : [fnNode]) {
    for (const p of item.childForFieldName('type_parameters')?.namedChildren ?? []) {
      if (p?.type === 'type_parameter') {
        note(p.childForFieldName('name')?.text, p.childForFieldName('bounds'));
      }
    }
    for (const clause of item.namedChildren) {
      for (const pred of clause?.type === 'where_clause' ? clause.namedChildren : []) {
        if (pred?.type === 'where_predicate') {
          note(pred.childForFieldName('left')?.text, pred.childForFieldName('bounds'));
        }
      }
    }
  }
  return bounds;
}

/** `sealed::ToSocketAddrsPriv<..>` as `[sealed, ToSocketAddrsPriv]`; none for a lifetime. */
function boundTraitPath(bound: SyntaxNode): string[][] {
  const path = bound.type === 'generic_type' ? bound.childForFieldName('type') : bound;
  if (path?.type !== 'type_identifier' && path?.type !== 'scoped_type_identifier') {
    return [];
  }
  return [path.text.split('::').map(lastName)];
}

export function lastName(segment: string): string {
  return segment.replace(/<.*$/s, '').trim();
}
