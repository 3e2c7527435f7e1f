/** `pin!` and `pin_mut!`: a future pinned in place, borrowed for the rest of its block. */
import type { SyntaxNode } from '../syntax/parser';
import { adt, ref, UNKNOWN } from '../types/types';
import { macroName } from '../syntax/macros';
import type { WalkState } from './walkState';

export function isPinMacro(node: SyntaxNode): boolean {
  return node.type === 'macro_invocation' && macroName(node) === 'pin';
}

/**
 * `tokio::pin!(fut);`, `futures::pin_mut!(a, b);` as statements: each variable moves into a new
 * one of its name, pinned in place and borrowed for the rest of the block (so it is kept across
 * every later await there), and the name now means a `Pin<&mut _>` to it. False when the macro is
 * not that form (`pin!(expr)` in an expression).
 */
export function walkPinInPlace(w: WalkState, node: SyntaxNode): boolean {
  const parent = node.parent?.type;
  const args = w.ctx.macros.arguments(node);
  if (
    (parent !== 'expression_statement' && parent !== 'block') ||
    args.length === 0 ||
    !args.every((a) => a.type === 'identifier')
  ) {
    return false;
  }
  for (const arg of args) {
    const ty = w.typeOf(arg);
    w.walkExpr(arg, 'move');
    const storage = w.newLocal(arg.text, 'binding', ty, arg, w.point);
    storage.uses.push({ point: ++w.point, kind: 'borrow', region: [...w.regionStack] });
    w.newLocal(arg.text, 'binding', adt('Pin', ref(ty, true)), arg, w.point);
  }
  return true;
}

/** `let fut = pin!(f);` keeps `f` in a hidden local `pinned` for the rest of the block. */
export function walkPinMacro(w: WalkState, node: SyntaxNode): void {
  const args = w.ctx.macros.arguments(node);
  const inner = args[0];
  if (inner) {
    w.walkExpr(inner, 'move');
  }
  const pinned = w.newLocal('pinned', 'binding', inner ? w.typeOf(inner) : UNKNOWN, node, w.point);
  w.scopes[w.scopes.length - 1].names.delete('pinned');
  pinned.uses.push({ point: ++w.point, kind: 'borrow', region: [...w.regionStack] });
}
