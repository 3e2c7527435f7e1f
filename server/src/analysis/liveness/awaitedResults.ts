/**
 * Where an awaited value is the fn's own result, so that its type is the fn's declared one:
 * `rows.try_collect().await` as the body's tail, or as a `return`'s value. A later use settling
 * what the call leaves to inference (`try_collect`'s collection, see `types/collectTargets.ts`).
 */
import type { SyntaxNode } from '../syntax/parser';

/** Kinds that start a body of their own: a `return` inside one leaves that body, not the fn. */
const OWN_BODIES: ReadonlySet<string> = new Set([
  'closure_expression',
  'async_block',
  'function_item',
  'const_block',
]);

/**
 * Whether `call` is awaited (`call.await`) and that value is the enclosing fn's result: the
 * tail of the fn's body block, or the value of a `return` in the fn (not in a closure or an
 * async block of it).
 */
export function awaitedAsFnResult(call: SyntaxNode): boolean {
  const awaited = outerParens(call).parent;
  if (awaited?.type !== 'await_expression') {
    return false;
  }
  const value = outerParens(awaited);
  const place = value.parent;
  if (place?.type === 'return_expression') {
    return enclosingBody(place)?.type === 'function_item';
  }
  const isTail = place?.type === 'block' && place.lastNamedChild?.id === value.id;
  return isTail && place.parent?.type === 'function_item';
}

function outerParens(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.parent?.type === 'parenthesized_expression') {
    n = n.parent;
  }
  return n;
}

function enclosingBody(node: SyntaxNode): SyntaxNode | null {
  let n = node.parent;
  while (n && !OWN_BODIES.has(n.type)) {
    n = n.parent;
  }
  return n;
}
