/**
 * How a Move block returns its one binding without clippy's `let_and_return`: when the block's
 * last statement is that binding's own `let`, the block ends with the initializer itself
 * (`let x = { ..; init };`) instead of `let x = init; x`.
 *
 * A block's tail expression keeps its temporaries until the end of the enclosing statement, after
 * the block's locals are gone (editions before 2024), so a temporary that borrows a local and has a
 * destructor (a `MutexGuard` from `m.lock()`, a `Ref`) would no longer compile there. Syntax cannot
 * tell which temporaries have destructors, so the tail form is used only when no call or macro
 * result kept as a temporary mentions a local of the block: its temporaries then borrow nothing
 * that ends with the block (a result passed on by value is moved, not kept). Otherwise the `let`
 * stays, as clippy itself allows when a call's result may borrow.
 */
import type { SourceEdit } from './fixTypes';
import type { SyntaxNode } from '../syntax/parser';
import { macroName } from '../syntax/macros';
import { children, letBindings, mentionsOf } from './fixSyntax';

/** Macros whose expansion ends its own temporaries before it yields an owned value. */
const OWNED_RESULT_MACROS = new Set(['format', 'vec']);

export interface BlockTail {
  /** The binding's type annotation as written (`u32` in `let n: u32 = ..`), or null. */
  typeText: string | null;
  /** Deletes `let x: T = ` and the closing `;`, leaving the initializer as the block's tail. */
  edits: SourceEdit[];
}

/**
 * The edits that turn `last` (the last statement moved into the block) into the block's tail, when
 * it is `let name = init;` for the one returned binding and `init` may safely end the block; null
 * when the block must end with `name` instead.
 */
export function blockTailFor(
  last: SyntaxNode,
  name: string,
  range: SyntaxNode[],
): BlockTail | null {
  if (last.type !== 'let_declaration' || last.startPosition.column === 0) {
    return null;
  }
  const pattern = last.childForFieldName('pattern');
  const value = last.childForFieldName('value');
  const type = last.childForFieldName('type');
  if (!pattern || !value || pattern.type !== 'identifier' || pattern.text !== name) {
    return null;
  }
  // Only the plain parts of a `let`: a comment, an attribute or an `else` would be lost or moved.
  const parts = children(last);
  const valueAt = parts.findIndex((c) => c.id === value.id);
  const head = parts.slice(0, valueAt);
  const allowed = new Set(['let', 'mutable_specifier', ':', '=']);
  const plainHead = head.every(
    (c) => allowed.has(c.type) || c.id === pattern.id || c.id === type?.id,
  );
  const tail = parts.slice(valueAt + 1);
  if (!plainHead || tail.length !== 1 || tail[0].type !== ';') {
    return null;
  }
  if (last.previousNamedSibling?.type === 'attribute_item') {
    return null;
  }
  const locals = range
    .filter((s) => s.type === 'let_declaration')
    .flatMap((s) => letBindings(s).map((b) => b.name));
  if (!endsTemporariesSafely(value, locals)) {
    return null;
  }
  return {
    typeText: type?.text ?? null,
    edits: [
      { start: last.startPosition, end: value.startPosition, newText: '' },
      { start: value.endPosition, end: last.endPosition, newText: '' },
    ],
  };
}

/**
 * No call, macro or await whose result is kept as a temporary (a method's receiver, the operand
 * of `&`, `*` or a comparison, a field or index base, a scrutinee) mentions one of `locals`.
 * A result passed on by value is moved, so nothing of it outlives the block.
 */
function endsTemporariesSafely(init: SyntaxNode, locals: string[]): boolean {
  const mentionsLocal = (n: SyntaxNode) => locals.some((l) => mentionsOf(n, l).length > 0);
  const root = unparen(init);
  if (root.type === 'macro_invocation' && !OWNED_RESULT_MACROS.has(macroName(root))) {
    if (mentionsLocal(root)) {
      return false;
    }
  }
  return !root
    .descendantsOfType(['call_expression', 'macro_invocation', 'await_expression'])
    .some((n) => n !== null && n.id !== root.id && keptAsTemporary(n) && mentionsLocal(n));
}

function unparen(e: SyntaxNode): SyntaxNode {
  let n = e;
  while (n.type === 'parenthesized_expression' && n.namedChildren.length === 1) {
    n = n.namedChildren[0]!;
  }
  return n;
}

const COMPARISONS = new Set(['==', '!=', '<', '>', '<=', '>=']);

/** Whether the value of `n` lives on as a temporary place rather than being moved. */
function keptAsTemporary(n: SyntaxNode): boolean {
  let child = n;
  let parent = n.parent;
  while (parent?.type === 'parenthesized_expression') {
    child = parent;
    parent = parent.parent;
  }
  if (!parent) {
    return false;
  }
  switch (parent.type) {
    case 'field_expression':
    case 'index_expression':
      return parent.namedChildren[0]?.id === child.id;
    case 'reference_expression':
    case 'unary_expression':
    case 'await_expression':
    case 'let_condition':
    case 'token_tree':
      return true;
    case 'match_expression':
      return parent.childForFieldName('value')?.id === child.id;
    case 'binary_expression':
      return COMPARISONS.has(parent.childForFieldName('operator')?.text ?? '');
    default:
      return false;
  }
}
