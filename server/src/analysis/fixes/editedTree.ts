/**
 * The text and syntax tree of a text with a fix's edits applied, re-parsed incrementally from the
 * tree of the text before: tree-sitter reuses every subtree the edits did not touch, so checking
 * a candidate fix costs a re-parse of the fn it edits, not a parse of the whole file.
 */
import { applyResolved, ResolvedEdit, resolveEdits } from './applyEdits';
import type { SourceEdit } from './fixTypes';
import { editTree, parseRust, Tree } from '../syntax/parser';

export interface EditedTree {
  text: string;
  /** Owned by the caller, who deletes it. */
  tree: Tree;
}

/**
 * `text` with `edits` applied and its tree, parsed from `base` (a tree of exactly `text`, which is
 * left as it is). Null when the edits do not apply; throws what `parseRust` throws.
 */
export function editAndReparse(
  base: Tree,
  text: string,
  edits: readonly SourceEdit[],
): EditedTree | null {
  const resolved = resolveEdits(text, edits);
  if (!resolved.ok) {
    return null;
  }
  const after = applyResolved(text, resolved.edits);
  const old = base.copy();
  try {
    // Last edit first: each one's positions then still hold in the tree as edited so far.
    for (let i = resolved.edits.length - 1; i >= 0; i--) {
      editTree(old, treeEdit(resolved.edits[i]));
    }
    return { text: after, tree: parseRust(after, undefined, old) };
  } finally {
    old.delete();
  }
}

function treeEdit({ start, end, newText, edit }: ResolvedEdit) {
  const lines = newText.split('\n');
  const last = lines[lines.length - 1];
  const newEndPosition =
    lines.length === 1
      ? { row: edit.start.row, column: edit.start.column + newText.length }
      : { row: edit.start.row + lines.length - 1, column: last.length };
  return {
    startIndex: start,
    oldEndIndex: end,
    newEndIndex: start + newText.length,
    startPosition: edit.start,
    oldEndPosition: edit.end,
    newEndPosition,
  };
}
