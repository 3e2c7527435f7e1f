/**
 * The type behind a non-async fn's `-> impl Trait` result that is not a future
 * (`fn slice_iter(s: &[T]) -> impl ExactSizeIterator { s.iter().map(|s| *s as _) }`): rustc
 * gives every caller the concrete type of the body's value, so a caller that holds the result
 * (or passes it for a generic `I: IntoIterator`) holds that type. It is typed from the body's
 * tail, with the fn's parameters as its only locals. Null where any part of it is not known,
 * so the result stays unknown (a lower bound), never a guess.
 */
import type { SyntaxNode } from '../syntax/parser';
import type { FnInfo } from '../items/items';
import { tailOf } from '../deps/opaqueReturns';
import { Ty, hasUnknown, substitute, typeParts } from './types';

/**
 * Types a fn's tail expression with its parameters' types as locals (infer.ts builds the
 * environment, so this module needs none of its types).
 */
export type TailTyper = (tail: SyntaxNode, fn: FnInfo, locals: Map<string, Ty>) => Ty;

/** Fns whose tail is being typed: a tail that calls its own fn again is not followed. */
const typing = new Set<FnInfo>();

export function opaqueTailType(
  fn: FnInfo,
  subst: ReadonlyMap<string, Ty>,
  typeTail: TailTyper,
): Ty | null {
  if (
    fn.isAsync ||
    fn.ret.k !== 'unknown' ||
    !/^impl\b/.test(fn.ret.text) ||
    /\bFuture\b/.test(fn.ret.text) ||
    !fn.body ||
    typing.has(fn)
  ) {
    return null;
  }
  const tail = tailOf(fn.body);
  const locals = parameterTypes(fn, subst);
  if (!tail || !locals) {
    return null;
  }
  typing.add(fn);
  try {
    const ty = typeTail(tail, fn, locals);
    return isSettled(ty) ? ty : null;
  } finally {
    typing.delete(fn);
  }
}

/** The parameters' types for this call, by name; null when a pattern is not a plain name. */
function parameterTypes(fn: FnInfo, subst: ReadonlyMap<string, Ty>): Map<string, Ty> | null {
  const locals = new Map<string, Ty>();
  const map = new Map(subst);
  for (const p of fn.params) {
    const name = p.isSelf ? 'self' : p.patternText.replace(/^mut\s+/, '');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      return null;
    }
    locals.set(name, substitute(p.ty, map));
  }
  return locals;
}

/**
 * A closure that names nothing but its own parameters (`|s| *s as _`) captures nothing: a
 * zero-sized value, as `closureValueType` lays out a closure without captures. Null for any
 * other node, or a closure whose body names anything else (it might be a capture).
 */
export function capturelessClosure(node: SyntaxNode): Ty | null {
  if (node.type !== 'closure_expression' || /^(static\s+)?async\b/.test(node.text)) {
    return null;
  }
  const params = new Set<string>();
  for (const id of node.descendantsOfType('closure_parameters')) {
    for (const name of id?.descendantsOfType('identifier') ?? []) {
      if (name) {
        params.add(name.text);
      }
    }
  }
  const body = node.childForFieldName('body');
  const named = body ? [body, ...body.descendantsOfType(['identifier', 'self'])] : [];
  for (const n of named) {
    if (!n || n.id === body?.id) {
      continue;
    }
    const inPath = /^scoped_(type_)?identifier$/.test(n.parent?.type ?? '');
    if (n.type === 'self' || (!params.has(n.text) && !inPath)) {
      return null;
    }
  }
  return { k: 'tuple', elems: [] };
}

/** Known throughout, with no future or closure of another body in it. */
function isSettled(ty: Ty): boolean {
  if (hasUnknown(ty) || ty.k === 'future' || ty.k === 'dyn' || ty.k === 'never') {
    return false;
  }
  return typeParts(ty).every((t) => t.k === 'dyn' || isSettled(t));
}
