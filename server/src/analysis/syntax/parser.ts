/**
 * Loads web-tree-sitter and the Rust grammar once per process, and parses with a time budget.
 * Callers own every Tree they get back and must `delete()` it.
 */
import * as fs from 'fs';
import * as path from 'path';
import TreeSitter = require('web-tree-sitter');

export type Tree = TreeSitter.Tree;
export type SyntaxNode = TreeSitter.Node;

export interface WasmPaths {
  /** `web-tree-sitter.wasm`, the runtime. */
  runtimeWasm: string;
  /** `tree-sitter-rust.wasm`, the grammar. */
  grammarWasm: string;
}

let loaded: Promise<TreeSitter.Language> | undefined;
let sharedParser: TreeSitter.Parser | undefined;

/** Where the two wasm files are: next to a bundle (`dist/`), else in node_modules. */
export function defaultWasmPaths(): WasmPaths {
  const beside = (name: string) => path.join(__dirname, name);
  if (
    fs.existsSync(beside('tree-sitter-rust.wasm')) &&
    fs.existsSync(beside('web-tree-sitter.wasm'))
  ) {
    return {
      runtimeWasm: beside('web-tree-sitter.wasm'),
      grammarWasm: beside('tree-sitter-rust.wasm'),
    };
  }
  return {
    runtimeWasm: require.resolve('web-tree-sitter/web-tree-sitter.wasm'),
    grammarWasm: require.resolve('tree-sitter-rust/tree-sitter-rust.wasm'),
  };
}

/** Initialises the runtime and grammar; safe to call many times. */
export function initParser(paths: WasmPaths = defaultWasmPaths()): Promise<TreeSitter.Language> {
  loaded ??= (async () => {
    await TreeSitter.Parser.init({ locateFile: () => paths.runtimeWasm });
    const language = await TreeSitter.Language.load(
      new Uint8Array(fs.readFileSync(paths.grammarWasm)),
    );
    sharedParser = new TreeSitter.Parser();
    sharedParser.setLanguage(language);
    return language;
  })();
  return loaded;
}

export interface TextEdit {
  startIndex: number;
  oldEndIndex: number;
  newEndIndex: number;
  startPosition: { row: number; column: number };
  oldEndPosition: { row: number; column: number };
  newEndPosition: { row: number; column: number };
}

/** Tells a tree about an edit of its text, so the next parse can reuse what the edit left alone. */
export function editTree(tree: Tree, edit: TextEdit): void {
  tree.edit(new TreeSitter.Edit(edit));
}

export class ParseTimeout extends Error {
  constructor(readonly budgetMs: number) {
    super(`parsing took longer than ${budgetMs} ms`);
  }
}

/**
 * Parses Rust source; `oldTree` (already edited) makes it incremental.
 * Throws ParseTimeout when the budget runs out, so one pathological file cannot stall the caller.
 */
export function parseRust(text: string, budgetMs = 2000, oldTree?: Tree | null): Tree {
  if (!sharedParser) {
    throw new Error('initParser() must complete before parseRust()');
  }
  const deadline = Date.now() + budgetMs;
  let timedOut = false;
  const parsed = maskRawBorrowLookalikes(text);
  const tree = sharedParser.parse(parsed, oldTree ?? null, {
    progressCallback: () => {
      if (Date.now() > deadline) {
        timedOut = true;
        return true;
      }
      return false;
    },
  });
  if (!tree || timedOut) {
    tree?.delete();
    sharedParser.reset();
    throw new ParseTimeout(budgetMs);
  }
  if (parsed !== text) {
    // Node texts come from the source as written, not from the masked copy the parser read.
    (tree as unknown as { textCallback: (index: number) => string }).textCallback = (index) =>
      text.slice(index);
  }
  return tree;
}

/** `&raw` not followed by `const`/`mut`: a variable named `raw` borrowed, which tree-sitter-rust 0.24 reads as a raw borrow. */
const RAW_BORROW_LOOKALIKE = /(&\s*)raw\b(?!\s*(?:const|mut)\b)/g;

/**
 * tree-sitter-rust 0.24 parses `&raw[..n]` (a variable named `raw`) as a broken raw borrow, where
 * rustc compiles it. The parser reads a copy with that `raw` renamed to `r_w` (same length, so every
 * position holds), and node texts still come from the real source.
 */
function maskRawBorrowLookalikes(text: string): string {
  return text.includes('raw') ? text.replace(RAW_BORROW_LOOKALIKE, '$1r_w') : text;
}
