/**
 * `#[tokio::main]` and `#[tokio::test]` turn an `async fn` into a plain fn whose body is
 * `let body = async { <the fn's block> }; Runtime::block_on(body)` (tokio-macros 1.7,
 * `entry.rs` `parse_knobs`). The future rustc lays out is that async block: the same body without
 * the fn's parameters, which the macros forbid (main) or tests never have. The macro spans the
 * `async` keyword with the span of the last token tree of the body's last statement, which is
 * where rustc's name for it (`{async block@file:L:C}`) points.
 */
import type { SyntaxNode } from './parser';
import { precedingAttributes } from './cfg';

const ENTRY_ATTRIBUTE = /^#\s*\[\s*(?:::\s*)?tokio\s*::\s*(?:main|test)\b/;

const CLOSER: Record<string, string> = { '{': '}', '(': ')', '[': ']' };

/** Whether a fn item carries `#[tokio::main]` or `#[tokio::test]`. */
export function hasTokioEntryAttribute(fnItem: SyntaxNode): boolean {
  return precedingAttributes(fnItem).some((attr) => ENTRY_ATTRIBUTE.test(attr));
}

/**
 * The 0-based position rustc gives the async block the macro makes of `body` (the fn's block):
 * the start of the last token tree of its last statement (a delimited group counts as one tree,
 * so `loop { .. }` points at its `{`), or the block's own `{` when it is empty.
 */
export function entryBlockPosition(body: SyntaxNode): { row: number; column: number } {
  const statements = body.namedChildren.filter(
    (c): c is SyntaxNode => !!c && c.type !== 'line_comment' && c.type !== 'block_comment',
  );
  let node = statements[statements.length - 1];
  if (!node) {
    return body.startPosition;
  }
  for (;;) {
    const count = node.childCount;
    // A literal is one token to a proc macro, whatever tree-sitter sees inside it.
    if (count === 0 || node.type.endsWith('_literal')) {
      return node.startPosition;
    }
    const first = node.child(0);
    const last: SyntaxNode | null = node.child(count - 1);
    if (first && last && count > 1 && CLOSER[first.type] === last.type) {
      return node.startPosition;
    }
    if (!last) {
      return node.startPosition;
    }
    node = last;
  }
}
