/**
 * Where the README says inlay hints may go, read from the syntax tree independently of the
 * server's placement code: a future's hint right after its signature (the parameters' `)` or the
 * return type; `async` / `async move` of a block), a held value's hint right after a whole pattern
 * (and its type), after a `for` loop's pattern or iterator expression, after a parameter list, or
 * right after the outermost expression macro that holds the value. Every other place is inside an
 * expression, a pattern or a macro's arguments. Offsets are the text's (UTF-16 code units).
 */
import * as path from 'path';
import { repoRoot } from './codeServer';

type SyntaxNode = import('../../../server/src/analysis/syntax/parser').SyntaxNode;
/** The server's compiled parser module: the same grammar, loaded where this code runs. */
const parser = require(
  path.join(repoRoot, 'server', 'out', 'analysis', 'syntax', 'parser.js'),
) as typeof import('../../../server/src/analysis/syntax/parser');

export interface HintAnchors {
  /** Offsets where a future's hint may go. */
  future: Set<number>;
  /** Offsets where a held value's hint may go. */
  held: Set<number>;
}

export async function hintAnchors(text: string): Promise<HintAnchors> {
  await parser.initParser();
  const tree = parser.parseRust(text, 10_000);
  try {
    const anchors: HintAnchors = { future: new Set(), held: new Set() };
    collect(tree.rootNode, anchors, false);
    return anchors;
  } finally {
    tree.delete();
  }
}

function collect(node: SyntaxNode, anchors: HintAnchors, inMacro: boolean): void {
  const field = (name: string) => node.childForFieldName(name);
  switch (node.type) {
    case 'function_item':
    case 'closure_expression':
      if (isAsync(node)) {
        addEnd(anchors.future, field('return_type') ?? field('parameters'));
      }
      break;
    case 'async_block':
      addEnd(anchors.future, node.namedChildren.find((c) => c?.type === 'block')?.previousSibling);
      break;
    case 'let_declaration':
      addEnd(anchors.held, field('type') ?? field('pattern'));
      break;
    case 'for_expression':
      addEnd(anchors.held, field('pattern'));
      addEnd(anchors.held, field('value'));
      break;
    case 'let_condition':
    case 'match_arm':
      addEnd(anchors.held, field('pattern'));
      break;
    case 'parameters':
    case 'closure_parameters':
      addEnd(anchors.held, node);
      break;
    case 'macro_invocation':
      if (!inMacro) {
        addEnd(anchors.held, node);
      }
      break;
  }
  for (const child of node.namedChildren) {
    if (child) {
      collect(child, anchors, inMacro || node.type === 'macro_invocation');
    }
  }
}

function isAsync(node: SyntaxNode): boolean {
  const head =
    node.type === 'function_item'
      ? node.children.find((c) => c?.type === 'function_modifiers')
      : node;
  return !!head?.children.some((c) => c?.type === 'async');
}

function addEnd(to: Set<number>, node: SyntaxNode | null | undefined): void {
  if (node) {
    to.add(node.endIndex);
  }
}
