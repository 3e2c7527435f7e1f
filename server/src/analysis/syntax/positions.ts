/**
 * Source positions of nodes, including nodes of re-parsed macro arguments, whose trees are parsed
 * from the macro's text alone and shifted back to where that text sits in the file.
 */
import type { SyntaxNode, Tree } from './parser';

export interface Point {
  row: number;
  column: number;
}

interface Shift {
  row: number;
  /** Added to columns on the sub-tree's first row only. */
  column: number;
}

const shifts = new WeakMap<Tree, Shift>();

/** Records that `tree`'s row 0, column `subColumn` is the file's (`row`, `column`). */
export function registerShift(tree: Tree, row: number, column: number, subColumn: number): void {
  shifts.set(tree, { row, column: column - subColumn });
}

function map(node: SyntaxNode, p: Point): Point {
  const shift = shifts.get(node.tree);
  if (!shift) {
    return p;
  }
  return { row: p.row + shift.row, column: p.row === 0 ? p.column + shift.column : p.column };
}

export function startOf(node: SyntaxNode): Point {
  return map(node, node.startPosition);
}

export function endOf(node: SyntaxNode): Point {
  return map(node, node.endPosition);
}
