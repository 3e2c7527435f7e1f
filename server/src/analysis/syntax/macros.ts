/**
 * Macro arguments re-parsed as Rust. tree-sitter leaves a macro's input as an opaque token tree;
 * awaits, borrows and async blocks inside `select!`, `join!`, `pin!` or `format!` still matter.
 * Each token tree is parsed once, on its own; positions.ts shifts its nodes back to the file's coordinates.
 */
import { ParseTimeout, SyntaxNode, Tree, parseRust } from './parser';
import { registerShift, startOf } from './positions';
import { rewriteSelect } from './selectArms';
import type { KeptTrees } from '../incremental/keptTrees';

const WRAPPER_HEAD = 'fn __m(){__m(';
const WRAPPER_TAIL = ');}';
/** Macros whose arguments are not comma-separated expressions in a way we model. */
const OPAQUE = new Set([
  'macro_rules',
  'cfg',
  'include',
  'include_bytes',
  'concat_idents',
  'asm',
  'global_asm',
]);

/**
 * Macros with an array-like repeat form, `vec![elem; n]`: both operands are evaluated (elem moved
 * into the result), the same as the list form's `vec![elem, n]` for liveness.
 */
const REPEAT_FORM_MACROS = new Set(['vec', 'smallvec']);

/**
 * Macro inputs nested deeper than this inside other macros' inputs are not read: each level is parsed
 * again on its own, so `vec![vec![…10,000 levels…]]` cost quadratic time and memory until
 * tree-sitter's runtime aborted (and took the next file with it).
 */
const MAX_MACRO_NESTING = 16;

/** The parse budget of a macro's input when its file's is not given (`parseRust`'s default). */
const DEFAULT_BUDGET_MS = 2000;

/**
 * A macro's input that did not parse within the budget. What the macro holds is then unknown, so
 * the analysis stops with this (the file is skipped with a notice) instead of going on as if the
 * macro were empty: the fns inside an item macro would vanish from the report without a word, and
 * the awaits inside a `join!` would go uncounted in a size that looks exact. A busy machine parses
 * slowly, so this must never be the quiet answer.
 */
export class MacroParseTimeout extends ParseTimeout {
  constructor(budgetMs: number, macro: SyntaxNode) {
    super(budgetMs);
    const line = startOf(macro).row + 1;
    this.message = `parsing the input of \`${macroName(macro)}!\` (line ${line}) took longer than ${budgetMs} ms`;
  }
}

export class MacroTrees {
  private readonly trees: Tree[] = [];
  /** How deep inside other macros' inputs each parsed input tree sits (1 for a macro in the file). */
  private readonly nesting = new Map<Tree, number>();
  /**
   * By tree, then node id: a node's id is its address in tree-sitter's memory, which a tree parsed
   * after another was freed (a crate's files without `async` go early) may reuse.
   */
  private readonly cache = new Map<Tree, Map<number, SyntaxNode[]>>();
  private readonly itemCache = new Map<Tree, Map<number, SyntaxNode | null>>();

  /**
   * @param kept where item-level macros' trees are kept from one analysis of a document to the
   * next (they are then its to delete); without it they are deleted with this object.
   * @param budgetMs how long one macro's input may take to parse: the file's own parse budget, as
   * an input is never longer than its file.
   */
  constructor(
    private readonly kept?: KeptTrees,
    private readonly budgetMs = DEFAULT_BUDGET_MS,
  ) {}

  /** The macro's arguments as expression nodes (empty when they do not parse as expressions). */
  arguments(macro: SyntaxNode): SyntaxNode[] {
    const byId = perTree(this.cache, macro);
    const cached = byId.get(macro.id);
    if (cached) {
      return cached;
    }
    const result = this.parseArguments(macro);
    byId.set(macro.id, result);
    return result;
  }

  /**
   * The items inside an item-level macro (`cfg_rt! { pub async fn f() {..} }`), parsed as a file of
   * their own with positions kept; null when the macro holds no items.
   */
  items(macro: SyntaxNode): SyntaxNode | null {
    const byId = perTree(this.itemCache, macro);
    const cached = byId.get(macro.id);
    if (cached !== undefined) {
      return cached;
    }
    let result: SyntaxNode | null = null;
    const tokenTree = macro.namedChildren.find((c) => c?.type === 'token_tree');
    // `use` too: tokio's root re-exports `spawn` inside `cfg_rt! { pub use task::spawn; }`.
    const itemKeyword = /\b(fn|struct|enum|impl|type|const|mod|trait|static|use)\b/;
    if (tokenTree && itemKeyword.test(tokenTree.text)) {
      // A macro nested in another's input sits in that input's re-parsed tree: its position there
      // is relative to the outer input, so map it back to the file before shifting.
      const start = startOf(tokenTree);
      const content = tokenTree.text.slice(1, -1);
      const key = `${start.row}:${start.column}:${content}`;
      let tree = this.kept?.get(key);
      if (!tree) {
        tree = this.parse(content, macro);
        registerShift(tree, start.row, start.column + 1, 0);
        if (this.kept) {
          this.kept.set(key, tree);
        } else {
          this.trees.push(tree);
        }
      }
      result = tree.rootNode;
    }
    byId.set(macro.id, result);
    return result;
  }

  /** Identifiers captured inline by a format string: `{id}`, `{id:?}`. */
  inlineFormatArgs(macro: SyntaxNode): string[] {
    const tree = macro.namedChildren.find((c) => c?.type === 'token_tree');
    const literal = tree?.namedChildren.find(
      (c) => c?.type === 'string_literal' || c?.type === 'raw_string_literal',
    );
    if (!literal) {
      return [];
    }
    const names: string[] = [];
    const text = literal.text.replace(/\{\{|\}\}/g, '');
    for (const m of text.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)?(?::([^}]*))?\}/g)) {
      if (m[1]) {
        names.push(m[1]);
      }
      // A width or precision taken from a variable (`{:w$}`, `{:.prec$}`) reads it too.
      for (const count of (m[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)\$/g)) {
        names.push(count[1]);
      }
    }
    return names;
  }

  /** Deletes every tree this object parsed. */
  dispose(): void {
    for (const t of this.trees) {
      t.delete();
    }
    this.trees.length = 0;
    this.nesting.clear();
    this.cache.clear();
    this.itemCache.clear();
  }

  private parse(text: string, macro: SyntaxNode): Tree {
    try {
      return parseRust(text, this.budgetMs);
    } catch (e) {
      throw e instanceof ParseTimeout ? new MacroParseTimeout(this.budgetMs, macro) : e;
    }
  }

  private parseArguments(macro: SyntaxNode): SyntaxNode[] {
    const name = macro.childForFieldName('macro')?.text.split('::').pop()?.trim() ?? '';
    const tokenTree = macro.namedChildren.find((c) => c?.type === 'token_tree');
    if (!tokenTree || OPAQUE.has(name) || tokenTree.text.length < 2) {
      return [];
    }
    const depth = (this.nesting.get(macro.tree) ?? 0) + 1;
    if (depth > MAX_MACRO_NESTING) {
      return [];
    }
    // Nested in another macro's input, the token tree's own position is relative to that input.
    const start = startOf(tokenTree);
    let content = tokenTree.text.slice(1, -1);
    if (name === 'select') {
      content = rewriteSelect(content);
    } else if (REPEAT_FORM_MACROS.has(name)) {
      content = repeatFormAsArguments(content);
    }
    const tree = this.parse(WRAPPER_HEAD + content + WRAPPER_TAIL, macro);
    // Content starts one character after the opening delimiter, right after the wrapper in the sub-tree.
    registerShift(tree, start.row, start.column + 1, WRAPPER_HEAD.length);
    this.trees.push(tree);
    this.nesting.set(tree, depth);
    const fn = tree.rootNode.namedChildren.find((c) => c?.type === 'function_item');
    const call = fn
      ?.childForFieldName('body')
      ?.namedChildren.find(
        (c) => c?.type === 'expression_statement' || c?.type === 'call_expression',
      );
    const callExpr = call?.type === 'expression_statement' ? call.namedChildren[0] : call;
    const args =
      callExpr?.type === 'call_expression' ? callExpr.childForFieldName('arguments') : null;
    return (args?.namedChildren ?? []).filter(
      (c): c is SyntaxNode => !!c && c.type !== 'line_comment' && c.type !== 'block_comment',
    );
  }
}

/**
 * Other crates' macros that expand to items only, by the crate that defines them: tokio's
 * `task_local! { static ID: u32; }` declares `LocalKey` statics (tokio 1.x `task/task_local.rs`).
 */
export const CRATE_ITEM_MACROS: ReadonlyMap<string, string> = new Map([['task_local', 'tokio']]);

/**
 * Other crates' macros that expand to an expression evaluating their arguments once, holding
 * nothing past it and yielding a `bool`: log 0.4's `log_enabled!(level)` is
 * `{ let lvl = level; lvl <= STATIC_MAX_LEVEL && lvl <= max_level() && enabled(lvl, target) }`.
 */
export const CRATE_BOOL_MACROS: ReadonlyMap<string, string> = new Map([['log_enabled', 'log']]);

/** A macro invocation's name without its path: `tokio::select!` → `select`; '' for no macro. */
export function macroName(node: SyntaxNode | null): string {
  return node?.childForFieldName('macro')?.text.split('::').pop()?.trim() ?? '';
}

/** The node-id map of the node's own tree in a cache keyed by tree. */
function perTree<T>(cache: Map<Tree, Map<number, T>>, node: SyntaxNode): Map<number, T> {
  let byId = cache.get(node.tree);
  if (!byId) {
    byId = new Map();
    cache.set(node.tree, byId);
  }
  return byId;
}

/**
 * `elem; n` read as the arguments `elem, n`: the one `;` outside brackets and literals becomes a
 * `,` (same length, so positions stay). Without it the pair did not parse and `elem` went unseen:
 * a local used only there looked dead at the awaits before it.
 */
export function repeatFormAsArguments(content: string): string {
  let depth = 0;
  let separator = -1;
  for (let i = 0; i < content.length; i++) {
    const c = content[i];
    if (c === '"') {
      i = closingQuote(content, i);
    } else if (c === '(' || c === '[' || c === '{') {
      depth++;
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
    } else if (c === ';' && depth === 0) {
      if (separator >= 0) {
        return content;
      }
      separator = i;
    }
  }
  return separator < 0 ? content : `${content.slice(0, separator)},${content.slice(separator + 1)}`;
}

/** The index of the `"` closing the string that opens at `open` (the end when unclosed). */
function closingQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
    } else if (text[i] === '"') {
      return i;
    }
  }
  return text.length;
}
