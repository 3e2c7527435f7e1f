/**
 * The innermost `fn` item around a node, found from byte ranges rather than by climbing `parent`.
 * tree-sitter has no parent pointers: `node.parent` descends from the root again, so climbing from
 * a node d levels deep costs d², and a file of 400 nested async blocks took seconds to discover.
 */
import type { SyntaxNode } from './parser';

export class EnclosingFunctions {
  /** Every `fn` item of the tree, in source order (tree-sitter's pre-order). */
  private readonly fns: SyntaxNode[];
  /** For each fn, the index of the innermost fn around it, or -1. */
  private readonly outer: number[] = [];

  constructor(root: SyntaxNode) {
    this.fns = root.descendantsOfType('function_item').filter((n): n is SyntaxNode => n !== null);
    const open: number[] = [];
    this.fns.forEach((fn, i) => {
      while (open.length > 0 && this.fns[open[open.length - 1]!]!.endIndex < fn.endIndex) {
        open.pop();
      }
      this.outer.push(open.length > 0 ? open[open.length - 1]! : -1);
      open.push(i);
    });
  }

  /** The innermost `fn` item whose text contains `node`'s, or null (`node` must be of the same tree). */
  innermost(node: SyntaxNode): SyntaxNode | null {
    const start = node.startIndex;
    const end = node.endIndex;
    // The last fn starting at or before the node; the fns around the node are it or its outer chain.
    let low = 0;
    let high = this.fns.length - 1;
    let candidate = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (this.fns[middle]!.startIndex <= start) {
        candidate = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    for (let i = candidate; i >= 0; i = this.outer[i]!) {
      const fn = this.fns[i]!;
      if (fn.endIndex >= end && fn.id !== node.id) {
        return fn;
      }
    }
    return null;
  }
}
