/**
 * One syntax tree per open document, kept up to date incrementally: every change the client sends is
 * turned into a tree-sitter edit of the previous tree, and the next parse reuses everything the edit
 * did not touch. Trees are deleted when replaced and when their document closes.
 */
import { TextDocument, TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { editTree, parseRust, parserGeneration, Tree } from '../analysis/syntax/parser';
import { noteReparse } from '../analysis/incremental/treeChanges';

interface Entry {
  /** The tree of `version`, or of an older version with the edits since applied. */
  tree: Tree;
  version: number;
  /** Whether `tree` was edited since it was parsed (it then needs a re-parse before use). */
  stale: boolean;
  /** The parser runtime it comes from (`parserGeneration`). */
  generation: number;
}

/**
 * Trees kept at once. A tree is only worth keeping for a document being typed in; tree-sitter's
 * memory (WebAssembly memory) never shrinks once grown, so a workspace with hundreds of open files
 * must not hold all their trees. A document whose tree was dropped is parsed in full on its next change.
 */
const MAX_TREES = 24;

export class SyntaxTrees {
  /** In order of last use, least recent first. */
  private readonly entries = new Map<string, Entry>();

  /** Records the client's changes (before TextDocument applies them): the old tree is edited in step. */
  recordChanges(document: TextDocument, changes: readonly TextDocumentContentChangeEvent[]): void {
    const entry = this.live(document.uri);
    if (!entry) {
      return;
    }
    // TextDocument.update changes the document it is given: later changes are measured on a copy,
    // never on the document the caller is about to update itself.
    let current = document;
    let copied = false;
    for (const change of changes) {
      if (!('range' in change)) {
        // A full-text replacement: nothing of the old tree can be reused.
        this.forget(document.uri);
        return;
      }
      const startIndex = current.offsetAt(change.range.start);
      const oldEndIndex = current.offsetAt(change.range.end);
      // Positions as TextDocument reads them: one past a line's end (or the text's) means that end,
      // and tree-sitter must be told the same place as the index, or it reuses the wrong nodes.
      const start = pointAt(current, startIndex);
      const lines = change.text.split('\n');
      const newEnd =
        lines.length === 1
          ? { row: start.row, column: start.column + change.text.length }
          : { row: start.row + lines.length - 1, column: lines[lines.length - 1].length };
      editTree(entry.tree, {
        startIndex,
        oldEndIndex,
        newEndIndex: startIndex + change.text.length,
        startPosition: start,
        oldEndPosition: pointAt(current, oldEndIndex),
        newEndPosition: newEnd,
      });
      entry.stale = true;
      if (changes.length > 1) {
        if (!copied) {
          current = TextDocument.create(
            document.uri,
            document.languageId,
            document.version,
            document.getText(),
          );
          copied = true;
        }
        current = TextDocument.update(current, [change], current.version);
      }
    }
  }

  /**
   * The tree of the document's current text, re-parsed from the previous one when there is one.
   * Owned by this store: callers must not delete it. Throws ParseTimeout like `parseRust`.
   */
  treeFor(document: TextDocument, budgetMs: number): Tree {
    const entry = this.live(document.uri);
    if (entry && entry.version === document.version && !entry.stale) {
      // Most recently used now.
      this.entries.delete(document.uri);
      this.entries.set(document.uri, entry);
      return entry.tree;
    }
    let tree: Tree;
    try {
      tree = parseRust(document.getText(), budgetMs, entry?.tree ?? null);
    } catch (error) {
      this.forget(document.uri);
      throw error;
    }
    if (entry) {
      // What the re-parse changed, read before the old tree goes: an analysis of the new tree
      // reuses what the old one's analysis read outside those places.
      noteReparse(tree, entry.tree);
      entry.tree.delete();
    }
    this.entries.delete(document.uri);
    this.entries.set(document.uri, {
      tree,
      version: document.version,
      stale: false,
      generation: parserGeneration(),
    });
    for (const [uri, least] of this.entries) {
      if (this.entries.size <= MAX_TREES) {
        break;
      }
      least.tree.delete();
      this.entries.delete(uri);
    }
    return tree;
  }

  /**
   * The entry of a document, unless its tree comes from a parser runtime that has since failed:
   * such trees (all of them) are dropped, never touched again.
   */
  private live(uri: string): Entry | undefined {
    const generation = parserGeneration();
    for (const [key, entry] of this.entries) {
      if (entry.generation !== generation) {
        this.entries.delete(key);
      }
    }
    return this.entries.get(uri);
  }

  forget(uri: string): void {
    const entry = this.entries.get(uri);
    this.entries.delete(uri);
    try {
      entry?.tree.delete();
    } catch {
      // The runtime failed under it (a parse that aborted): the runtime is replaced, tree and all.
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Where an offset is as tree-sitter counts: rows end at `\n` only. The protocol's lines also end at
 * a lone `\r` (such a text is counted by hand), and a client's position past a line's end means
 * that end: the position is never taken from the client as it is.
 */
function pointAt(document: TextDocument, offset: number): { row: number; column: number } {
  const text = document.getText();
  if (!text.includes('\r') || !/\r(?!\n)/.test(text)) {
    const position = document.positionAt(offset);
    return { row: position.line, column: position.character };
  }
  const before = text.slice(0, offset);
  const row = before.split('\n').length - 1;
  return { row, column: offset - (before.lastIndexOf('\n') + 1) };
}
