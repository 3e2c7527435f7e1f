/**
 * What each incremental re-parse changed: the tree it was re-parsed from, and where the syntax of
 * the two differs (tree-sitter's changed ranges). An analysis of the new tree reads it to tell
 * that the file's items are those it saw in the old one (see `keptIndex.ts`). Trees are numbered
 * because a tree's node ids and memory can be reused once it is deleted.
 */
import type { Tree } from '../syntax/parser';

/** A range of the new tree's text, as offsets into it. */
export interface ChangedRange {
  start: number;
  end: number;
}

export interface Reparse {
  /** The number of the tree it was re-parsed from. */
  from: number;
  changed: ChangedRange[];
}

let nextNumber = 1;
const numbers = new WeakMap<Tree, number>();
const reparses = new WeakMap<Tree, Reparse>();

/** The tree's number, given on first use. */
export function treeNumber(tree: Tree): number {
  let n = numbers.get(tree);
  if (n === undefined) {
    n = nextNumber++;
    numbers.set(tree, n);
  }
  return n;
}

/** Notes that `tree` was re-parsed from `previous` (edited in step; not yet deleted). */
export function noteReparse(tree: Tree, previous: Tree): void {
  try {
    const changed = tree
      .getChangedRanges(previous)
      .map((r) => ({ start: r.startIndex, end: r.endIndex }));
    reparses.set(tree, { from: treeNumber(previous), changed });
  } catch {
    // Without the changes, an analysis of the tree reads all of it.
  }
}

/** How `tree` was re-parsed, if it was re-parsed from an older tree of its document. */
export function reparseOf(tree: Tree): Reparse | undefined {
  return reparses.get(tree);
}
