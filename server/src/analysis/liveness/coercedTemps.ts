/**
 * `f(&[&a, &b])`: the array temporary has the element type of the parameter it is passed for
 * (`s: &[&(dyn ToSql + Sync)]` makes it a `[&(dyn ToSql + Sync); 2]`, two 16-byte pointers, not
 * a `[&u32; 2]`), as rustc coerces each element where the array is written.
 */
import type { SyntaxNode } from '../syntax/parser';
import type { ExprTyper } from '../types/infer';
import { Ty, hasUnknown } from '../types/types';

/**
 * The array's type as the parameter coerces it; null when the parameter does not say (a generic
 * element, a callee that is not the crate's fn): the array's own type then.
 */
export function coercedArgumentArray(typer: ExprTyper, node: SyntaxNode): Ty | null {
  const borrow = node.parent;
  if (node.type !== 'array_expression' || borrow?.type !== 'reference_expression') {
    return null;
  }
  const param = typer.parameterTypeOf(borrow);
  const target = param?.k === 'ref' ? param.inner : null;
  if ((target?.k !== 'slice' && target?.k !== 'array') || hasUnknown(target.elem)) {
    return null;
  }
  const own = typer.typeOf(node);
  return own.k === 'array' ? { k: 'array', elem: target.elem, len: own.len } : null;
}
