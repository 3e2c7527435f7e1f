/**
 * Loads web-tree-sitter and the Rust grammar once per process, and parses with a time budget.
 * Callers own every Tree they get back and must `delete()` it.
 */
import * as fs from 'fs';
import { createRequire } from 'module';
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

type Library = typeof TreeSitter;

/**
 * The tree-sitter runtime in use. After an `Aborted()` (or any trap) inside WebAssembly the runtime
 * may be unusable (its stack pointer and heap are left mid-call), so it is replaced by a fresh copy
 * of the library with its own module instance; trees of the old one are never used again.
 */
interface Runtime {
  library: Library;
  parser: TreeSitter.Parser;
  language: TreeSitter.Language;
  /** The Emscripten module: the options given to `Parser.init`, which it fills in. */
  module: Record<string, unknown>;
}

let runtime: Runtime | undefined;
let loading: Promise<TreeSitter.Language> | undefined;
let loadedPaths: WasmPaths | undefined;
/** Bumped by every runtime that aborts: the trees of an older generation are dead. */
let generation = 0;
/** Set by the runtime's abort hook (any thread of the process runs its own runtime). */
let aborted = false;
/** Every runtime is a copy of its own, which `recycleParser` can let go (`useRecyclableParsers`). */
let recyclable = false;

/** The parser's runtime aborted, and restarts at the next `initParser()`. */
export class ParserAborted extends Error {
  constructor(cause: unknown) {
    super(
      `the parser's runtime failed (${cause instanceof Error ? cause.message : String(cause)});` +
        ' it restarts for the next file',
    );
  }
}

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

/**
 * Initialises the runtime and grammar; safe to call many times, and to be awaited before each file:
 * after the runtime aborted it starts a new one (with the paths it was first given).
 */
export function initParser(paths?: WasmPaths): Promise<TreeSitter.Language> {
  if (aborted) {
    retireRuntime();
  }
  loadedPaths ??= paths ?? defaultWasmPaths();
  const from = loadedPaths;
  loading ??= (async () => {
    const library = generation === 0 && !recyclable ? TreeSitter : freshLibrary();
    const module: Record<string, unknown> = {
      locateFile: () => from.runtimeWasm,
      // Emscripten calls it before it throws `Aborted(...)`, wherever in the runtime that happens.
      onAbort: () => {
        aborted = true;
      },
    };
    await library.Parser.init(module);
    const language = await library.Language.load(new Uint8Array(fs.readFileSync(from.grammarWasm)));
    const parser = new library.Parser();
    parser.setLanguage(language);
    runtime = { library, parser, language, module };
    return language;
  })();
  const started = loading;
  // A failed load is tried again by the next call.
  started.catch(() => loading === started && (loading = undefined));
  return started;
}

/** Which runtime trees come from: a tree of another generation belongs to a runtime that failed. */
export function parserGeneration(): number {
  return generation;
}

/**
 * Whether an error came out of the WebAssembly runtime (an abort or a trap): the runtime is then
 * marked for replacement, and the error should cost only the file it happened in.
 */
export function noteRuntimeFailure(error: unknown): boolean {
  if (error instanceof WasmRuntimeError || error instanceof ParserAborted) {
    aborted = true;
    return true;
  }
  return aborted;
}

/**
 * Makes the runtime fail for real, for the tests of the recovery: tree-sitter is handed a tree
 * address past the end of its memory and traps, as a parse that runs out of memory would abort.
 */
export function failRuntimeForTests(): void {
  const rootNode = runtime?.module._ts_tree_root_node_wasm as ((tree: number) => void) | undefined;
  try {
    rootNode?.(0x7ffffff0);
  } catch (error) {
    noteRuntimeFailure(error);
    return;
  }
  throw new Error('the runtime did not fail');
}

/** `WebAssembly.RuntimeError` (this project's TypeScript libraries do not declare WebAssembly). */
const WasmRuntimeError = (
  globalThis as unknown as { WebAssembly: { RuntimeError: new () => Error } }
).WebAssembly.RuntimeError;

/**
 * Makes this thread's runtimes copies of their own (`freshLibrary`), from the first: the module's
 * own copy of the library could never be let go. Before the first `initParser()`.
 */
export function useRecyclableParsers(): void {
  recyclable = true;
}

/**
 * Lets this thread's runtime go, with the WebAssembly memory it grew to (as much as the most
 * trees it ever held at once: it never shrinks); the next `initParser()` loads a new one. For a
 * thread that has deleted its trees and holds no node of them (the crate index's worker after a
 * whole analysis): whatever still held one would keep the old runtime alive beside the new one.
 */
export function recycleParser(): void {
  if (recyclable && runtime) {
    retireRuntime();
  }
}

/** Drops the runtime (a failed one): the next `initParser()` loads a new one. */
function retireRuntime(): void {
  aborted = false;
  generation++;
  runtime = undefined;
  loading = undefined;
}

/**
 * A copy of web-tree-sitter with a module instance of its own (the library keeps one instance per
 * copy and cannot be reset). The bundles have `web-tree-sitter.cjs` beside them; otherwise it comes
 * from node_modules.
 */
function freshLibrary(): Library {
  const load = createRequire(__filename);
  const beside = path.join(__dirname, 'web-tree-sitter.cjs');
  const file = fs.existsSync(beside) ? beside : load.resolve('web-tree-sitter');
  delete load.cache[file];
  const library = load(file) as Library;
  // Out of the cache at once: held by its runtime alone, the copy goes when the runtime does.
  delete load.cache[file];
  return library;
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
  // Its positions no longer index the text it was parsed from.
  sources.delete(tree);
  tree.edit(new (runtime?.library ?? TreeSitter).Edit(edit));
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
  if (aborted) {
    throw new ParserAborted('an earlier abort');
  }
  if (!runtime) {
    throw new Error('initParser() must complete before parseRust()');
  }
  const parser = runtime.parser;
  const deadline = Date.now() + budgetMs;
  let timedOut = false;
  const parsed = maskRawBorrowLookalikes(text);
  let tree: Tree | null;
  try {
    tree = parser.parse(parsed, oldTree ?? null, {
      progressCallback: () => {
        if (Date.now() > deadline) {
          timedOut = true;
          return true;
        }
        return false;
      },
    });
  } catch (error) {
    if (noteRuntimeFailure(error)) {
      throw new ParserAborted(error);
    }
    throw error;
  }
  if (!tree || timedOut) {
    tree?.delete();
    parser.reset();
    throw new ParseTimeout(budgetMs);
  }
  if (parsed !== text) {
    // Node texts come from the source as written, not from the masked copy the parser read.
    (tree as unknown as { textCallback: (index: number) => string }).textCallback = (index) =>
      text.slice(index);
  }
  sources.set(tree, text);
  return tree;
}

/** The text each tree `parseRust` made was parsed from. */
const sources = new WeakMap<Tree, string>();

/**
 * The text `tree` was parsed from, when `parseRust` made it: reading a character of it at a
 * node's `startIndex` costs no call into WebAssembly, unlike any question put to the node.
 */
export function sourceOf(tree: Tree): string | undefined {
  return sources.get(tree);
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
