/**
 * Where a body can unwind: a call, an overflow or bounds check, a poll. rustc's cleanup path for a
 * scope is shared by every such point in it, so a value moved after one of them needs a drop flag
 * (it is still there if that point unwinds, gone if a later one does), and the flag is saved at
 * every later await of its scope (engine/97_drop_flags_after_unwinding.rs).
 */
import type { SyntaxNode } from '../syntax/parser';
import { macroName } from '../syntax/macros';
import { peelRefs } from '../types/types';
import type { WalkState } from './walkState';

/** Macros that expand to no call: nothing in them can unwind. */
const NON_CALLING_MACROS = new Set([
  'matches',
  'stringify',
  'concat',
  'line',
  'column',
  'file',
  'module_path',
  'cfg',
  'env',
  'option_env',
  'include_str',
  'include_bytes',
  'addr_of',
  'addr_of_mut',
  'debug_assert',
  'debug_assert_eq',
  'debug_assert_ne',
]);

const CHECKED_OPERATORS = new Set(['+', '-', '*', '/', '%', '<<', '>>']);
const COMPARISONS = new Set(['==', '!=', '<', '>', '<=', '>=']);

/** Whether the expression, once its operands are evaluated, runs something that can unwind. */
export function canUnwind(w: WalkState, node: SyntaxNode): boolean {
  switch (node.type) {
    case 'call_expression': {
      const callee = node.childForFieldName('function');
      if (callee?.type === 'field_expression') {
        return true;
      }
      // `Some(x)`, `Point(a, b)` build values.
      const last = (callee?.text ?? '').split('::').pop()?.trim() ?? '';
      return !/^[A-Z]/.test(last);
    }
    case 'macro_invocation':
      return !NON_CALLING_MACROS.has(macroName(node));
    // A poll, a bounds check or `Index::index`, `IntoIterator::into_iter` and `Iterator::next`,
    // `Try::branch`.
    case 'await_expression':
    case 'index_expression':
    case 'for_expression':
    case 'try_expression':
      return true;
    case 'binary_expression':
    case 'compound_assignment_expr':
      return operatorCanUnwind(w, node);
    default:
      return false;
  }
}

function operatorCanUnwind(w: WalkState, node: SyntaxNode): boolean {
  const operator = (node.childForFieldName('operator')?.text ?? '').replace(/=$/, '');
  const left = node.childForFieldName('left');
  const written = left ? peelRefs(w.typeOf(left)) : null;
  // `type Oid = u32;`: its operators are the primitive's.
  const operand = (written && w.ctx.aliasedPrimitive?.(written)) ?? written;
  const float = operand?.k === 'prim' && /^f(32|64)$/.test(operand.name);
  const builtin = operand === null || operand.k === 'prim' || operand.k === 'unknown';
  if (node.type === 'binary_expression' && COMPARISONS.has(operator)) {
    // A comparison of other types calls `PartialEq::eq` / `PartialOrd::lt`.
    return !builtin;
  }
  if (CHECKED_OPERATORS.has(operator)) {
    // Integer arithmetic is overflow-checked; other types call `Add::add` and the like.
    return !float;
  }
  // `&`, `|`, `^` on integers and bools never fail; on other types they are calls.
  return !builtin;
}
