/**
 * A method called on a value of a type parameter, found through the parameter's bounds: in
 * `async fn connect_tls<S, T: TlsConnect<S>>(.., tls: T)`, `tls.connect(stream)` is
 * `TlsConnect::connect`, whatever other `connect`s the crate has, and its `Self::Future` is
 * `<T as TlsConnect>::Future`, which each instance resolves through its own impl (`NoTls`'s
 * `NoTlsFuture`), as rustc does. Only the crate's own traits are read (std's and other crates'
 * impls are not all in its index); a method two bounding traits declare stays unknown, and so
 * does a result written with the method's or the trait's own generics.
 */
import type { SyntaxNode } from '../syntax/parser';
import type { CompiledChild } from '../syntax/cfg';
import type { BoundEnv, DeclaredMethod } from './boundProjections';
import { Ty, mapTypeParts, showProjection, substitute, typeParts } from './types';

/** Supertraits followed before giving up (cycles end here too). */
const MAX_DEPTH = 16;

/**
 * The methods a trait's members declare (with or without a default body). `read` reads a type
 * node with the given generics in scope and `Self` as a `param`.
 */
export function declaredMethods(
  members: readonly CompiledChild[],
  traitGenerics: readonly string[],
  read: (node: SyntaxNode, generics: Set<string>) => Ty,
): DeclaredMethod[] {
  const methods: DeclaredMethod[] = [];
  for (const { node, type } of members) {
    if (type !== 'function_item' && type !== 'function_signature_item') {
      continue;
    }
    const name = node.childForFieldName('name')?.text;
    if (!name || /\basync\b/.test(node.text.slice(0, node.text.indexOf('fn')))) {
      // An `async fn`'s future is each impl's own.
      continue;
    }
    const own = (node.childForFieldName('type_parameters')?.namedChildren ?? []).flatMap((p) => {
      const param = p?.childForFieldName('name')?.text ?? (p?.type === 'type_identifier' && p.text);
      return param ? [param] : [];
    });
    const generics = [...traitGenerics, ...own];
    const retNode = node.childForFieldName('return_type');
    const ret: Ty = retNode ? read(retNode, new Set(generics)) : { k: 'tuple', elems: [] };
    methods.push({ name, selfKind: selfKindOf(node), ret, generics });
  }
  return methods;
}

function selfKindOf(fn: SyntaxNode): DeclaredMethod['selfKind'] {
  const self = fn
    .childForFieldName('parameters')
    ?.namedChildren.find((p) => p?.type === 'self_parameter');
  if (!self) {
    return null;
  }
  const isRef = self.children.some((c) => c?.type === '&');
  const isMut = self.children.some((c) => c?.type === 'mutable_specifier');
  return isRef ? (isMut ? 'mut' : 'ref') : 'value';
}

/** A bound trait's method as a parameter's value calls it. */
export interface BoundMethod {
  selfKind: DeclaredMethod['selfKind'];
  ret: Ty;
}

/**
 * The method `method` of the one trait among `param`'s bounds (and their supertraits) that
 * declares it, its result read for the parameter (`Self::Future` as `<T as Trait>::Future`);
 * null when none or several do, or its result names generics no caller's bounds settle.
 */
export function boundTraitMethod(param: string, method: string, env: BoundEnv): BoundMethod | null {
  const traits = boundingTraits(param, env);
  const found: [string, DeclaredMethod][] = [];
  for (const trait of traits ?? []) {
    const declared = env.traits.get(trait)?.methods?.find((m) => m.name === method);
    if (declared) {
      found.push([trait, declared]);
    }
  }
  if (found.length !== 1) {
    return null;
  }
  const [trait, declared] = found[0];
  if (mentionsAny(declared.ret, new Set(declared.generics))) {
    return null;
  }
  const self = new Map<string, Ty>([['Self', { k: 'param', name: param }]]);
  return { selfKind: declared.selfKind, ret: substitute(qualifiedBy(declared.ret, trait), self) };
}

/** The crate's traits bounding `param`, with their supertraits; null: one is ambiguous. */
function boundingTraits(param: string, env: BoundEnv): Set<string> | null {
  const found = new Set<string>();
  let pending = [...(env.paramBounds.get(param) ?? [])];
  for (let level = 0; pending.length > 0 && level <= MAX_DEPTH; level++) {
    const next: string[] = [];
    for (const name of pending) {
      const trait = env.traits.get(name);
      if (trait === null) {
        // Two traits of that name: which one bounds the parameter is not known.
        return null;
      }
      if (trait === undefined || found.has(name)) {
        continue;
      }
      found.add(name);
      next.push(...trait.supertraits);
    }
    pending = next;
  }
  return found;
}

/** Whether the type names one of the parameters (a projection's self type included). */
function mentionsAny(ty: Ty, names: ReadonlySet<string>): boolean {
  if (ty.k === 'param') {
    return names.has(ty.name);
  }
  if (ty.k === 'adt' && ty.segments.length === 1 && ty.args.length === 0) {
    return names.has(ty.segments[0]);
  }
  if (ty.k === 'unknown') {
    return ty.proj !== undefined && mentionsAny(ty.proj.self, names);
  }
  return typeParts(ty).some((t) => mentionsAny(t, names));
}

/** `Self::Future` as `<Self as Trait>::Future`, so an instance's impl of that trait answers. */
function qualifiedBy(ty: Ty, trait: string): Ty {
  if (ty.k === 'unknown' && ty.proj) {
    const self = qualifiedBy(ty.proj.self, trait);
    const own = self.k === 'param' && self.name === 'Self' && ty.proj.trait === null;
    const proj = { ...ty.proj, self, trait: own ? [trait] : ty.proj.trait };
    return { k: 'unknown', text: showProjection(proj), proj };
  }
  return mapTypeParts(ty, (t) => qualifiedBy(t, trait)) ?? ty;
}
