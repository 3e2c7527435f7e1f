/**
 * The server's syntax trees follow each change incrementally and must equal a fresh parse of the
 * same text, whatever the client sends: positions past a line's end, lone `\r` line breaks,
 * several changes at once, and versions that do not increase.
 */
import * as assert from 'assert';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { loadServerModule } from '../support/repoPaths';

const parser =
  loadServerModule<typeof import('../../server/src/analysis/syntax/parser')>(
    'analysis/syntax/parser',
  );
const trees =
  loadServerModule<typeof import('../../server/src/lsp/syntaxTrees')>('lsp/syntaxTrees');
const documents =
  loadServerModule<typeof import('../../server/src/lsp/documents')>('lsp/documents');

type Change = { range: { start: Pos; end: Pos }; text: string };
type Pos = { line: number; character: number };

/** Applies changes as the server does, and returns its tree's S-expression and a fresh parse's. */
function both(text: string, changes: Change[][]): { incremental: string; fresh: string } {
  const store = new trees.SyntaxTrees();
  let document = TextDocument.create('file:///t.rs', 'rust', 1, text);
  store.treeFor(document, 2000);
  let version = 1;
  for (const batch of changes) {
    store.recordChanges(document, batch);
    document = TextDocument.update(document, batch, ++version);
    // A tree after every batch, as when the analysis runs between keystrokes.
    store.treeFor(document, 2000);
  }
  const incremental = nodesOf(store.treeFor(document, 2000).rootNode);
  const tree = parser.parseRust(document.getText(), 2000);
  const fresh = nodesOf(tree.rootNode);
  tree.delete();
  store.forget(document.uri);
  return { incremental, fresh };
}

/** Every node with where it is: the analysis reads positions, not only the shape. */
function nodesOf(node: import('../../server/src/analysis/syntax/parser').SyntaxNode): string {
  const lines: string[] = [];
  const visit = (n: typeof node, depth: number) => {
    const { startPosition: s, endPosition: e } = n;
    lines.push(
      `${' '.repeat(depth)}${n.type} ${n.startIndex}-${n.endIndex} ` +
        `${s.row}:${s.column}-${e.row}:${e.column}`,
    );
    for (const child of n.children) {
      if (child) {
        visit(child, depth + 1);
      }
    }
  };
  visit(node, 0);
  return lines.join('\n');
}

const at = (line: number, character: number): Pos => ({ line, character });

describe('syntax trees kept across changes', () => {
  before(() => parser.initParser());

  it('reads a position past the end of a line as that end', () => {
    const text = 'fn a() {}\nasync fn b() { let x = 1; }\n';
    // "}" typed at 0:40 (the line is 9 long), then a statement typed past the end of line 1.
    const { incremental, fresh } = both(text, [
      [{ range: { start: at(0, 40), end: at(0, 40) }, text: ' // c' }],
      [{ range: { start: at(1, 90), end: at(1, 95) }, text: '\nfn c() { let y = [0u8; 2]; }' }],
    ]);
    assert.strictEqual(incremental, fresh);
  });

  it('counts rows at `\\n` only where a lone `\\r` ends a protocol line', () => {
    const text = 'fn a() {}\r// x\rasync fn b() {\n    let x = 1;\n}\n';
    const { incremental, fresh } = both(text, [
      [{ range: { start: at(3, 4), end: at(3, 4) }, text: 'let big = [0u8; 9];\n    ' }],
      [{ range: { start: at(2, 0), end: at(2, 0) }, text: 'fn z() {}\n' }],
    ]);
    assert.strictEqual(incremental, fresh);
  });

  it('follows several changes sent at once', () => {
    const text = 'async fn b() {\n    let x = 1;\n}\nfn c() {}\n';
    const { incremental, fresh } = both(text, [
      [
        { range: { start: at(1, 4), end: at(1, 4) }, text: 'let y = 2;\n    ' },
        { range: { start: at(0, 0), end: at(0, 0) }, text: '\n\n' },
        { range: { start: at(5, 0), end: at(5, 9) }, text: 'struct S;' },
      ],
    ]);
    assert.strictEqual(incremental, fresh);
  });

  it('gives a change with a version that does not increase the next version', () => {
    assert.strictEqual(documents.nextVersion(4, 5), 5);
    assert.strictEqual(documents.nextVersion(4, 9), 9);
    assert.strictEqual(documents.nextVersion(4, 4), 5);
    assert.strictEqual(documents.nextVersion(4, 1), 5);
  });
});
