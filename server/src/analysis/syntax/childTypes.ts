/**
 * The types of a node's children, read once per list. A node's `type` is a call into tree-sitter's
 * WebAssembly each time it is read, and a node keeps its `namedChildren` array: the analysis of a
 * file reads its item lists several times (module declarations, the index, finding futures), and
 * a documented file's lists are mostly comments (tokio's: two children of three).
 */
import { sourceOf, SyntaxNode, Tree } from './parser';

export type Children = readonly (SyntaxNode | null)[];

/** Types by list of children (both functions below give the same types for a list). */
const typesByList = new WeakMap<Children, string[]>();

/** The type of each of `children` (`''` for a null). */
export function childTypes(children: Children): readonly string[] {
  return typesWith(children, (node) => node.type);
}

/**
 * `childTypes` of a list of items, fields, statements or arms (the children of a file, module,
 * impl, trait, block, struct or enum body, match block, token tree), whose comments are told
 * from their first characters. In a tree without errors, a node among these that starts with
 * `//` or `/*` is a comment: tree-sitter places a comment before a node, never at its start
 * (only a string literal's content can start so, checked on every registry crate Debian packs).
 * In a tree with errors an ERROR node could, so there every type is asked for.
 */
export function itemListTypes(children: Children): readonly string[] {
  return typesWith(children, typeInItemList);
}

function typesWith(children: Children, typeOf: (node: SyntaxNode) => string): readonly string[] {
  let types = typesByList.get(children);
  if (!types) {
    types = children.map((c) => (c ? typeOf(c) : ''));
    typesByList.set(children, types);
  }
  return types;
}

const SLASH = 0x2f;
const STAR = 0x2a;

function typeInItemList(node: SyntaxNode): string {
  const source = errorFreeSource(node.tree);
  if (source !== null && source.charCodeAt(node.startIndex) === SLASH) {
    const next = source.charCodeAt(node.startIndex + 1);
    if (next === SLASH) {
      return 'line_comment';
    }
    if (next === STAR) {
      return 'block_comment';
    }
  }
  return node.type;
}

/** By tree: the source it was parsed from, and whether the tree has a syntax error. */
const treeErrors = new WeakMap<Tree, { source: string; hasError: boolean }>();

/**
 * The source of a tree `parseRust` made and no edit moved (`editTree`), when the tree has no
 * syntax error; else null.
 */
function errorFreeSource(tree: Tree): string | null {
  const source = sourceOf(tree);
  if (source === undefined) {
    return null;
  }
  let known = treeErrors.get(tree);
  if (known?.source !== source) {
    known = { source, hasError: tree.rootNode.hasError };
    treeErrors.set(tree, known);
  }
  return known.hasError ? null : source;
}
