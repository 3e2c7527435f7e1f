/**
 * Inlay hints on real code read well: no hint sits inside an expression or a macro's arguments
 * (each position is compared with the syntax tree), and no line's hints are longer than VS Code
 * shows before cutting them off with `…`. Checked for the bundled example crate, a copy of
 * hyper's `client/connect/http.rs` and copies of tokio files full of `select!` and item macros.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { InlayHint } from 'vscode-languageserver-protocol/node';
import { LspSession, repoRoot } from './support/lspSession';

type SyntaxNode = import('../../server/src/analysis/syntax/parser').SyntaxNode;
/** The server's own modules, compiled (as settingsSchema.test.ts loads them). */
const serverModule = <T>(name: string) =>
  require(path.join(repoRoot, 'server', 'out', `${name}.js`)) as T;
const parser =
  serverModule<typeof import('../../server/src/analysis/syntax/parser')>('analysis/syntax/parser');
const { MacroTrees } =
  serverModule<typeof import('../../server/src/analysis/syntax/macros')>('analysis/syntax/macros');
const { VSCODE_HINT_LINE_LIMIT } =
  serverModule<typeof import('../../server/src/lsp/hintPolicy')>('lsp/hintPolicy');

const labelOf = (hint: InlayHint) =>
  typeof hint.label === 'string' ? hint.label : hint.label.map((p) => p.value).join('');

/** The files checked. */
const FILES = [
  ...fs
    .readdirSync(path.join(repoRoot, 'examples', 'src'))
    .map((name) => path.join(repoRoot, 'examples', 'src', name)),
  ...fs
    .readdirSync(path.join(repoRoot, 'test', 'fixtures', 'hints'))
    .filter((name) => name.endsWith('.rs'))
    .map((name) => path.join(repoRoot, 'test', 'fixtures', 'hints', name)),
];

/**
 * Nodes a hint may sit directly inside: between statements or items, after a pattern (or its
 * type) in a `let`, `for`, `if let` or match arm, after a signature, after a closure's parameters.
 */
const HINT_CONTAINERS = new Set([
  'source_file',
  'block',
  'declaration_list',
  'let_declaration',
  'expression_statement',
  'for_expression',
  'let_condition',
  'match_arm',
  'function_item',
  'closure_expression',
  'async_block',
]);

/** The smallest node strictly around a point (the point is neither its start nor its end). */
function strictlyAround(root: SyntaxNode, row: number, column: number): SyntaxNode[] {
  const chain: SyntaxNode[] = [root];
  const before = (a: { row: number; column: number }) =>
    a.row < row || (a.row === row && a.column < column);
  const after = (a: { row: number; column: number }) =>
    a.row > row || (a.row === row && a.column > column);
  for (let node = root; ;) {
    const child = node.children.find(
      (c) => c !== null && before(c.startPosition) && after(c.endPosition),
    );
    if (!child) {
      return chain;
    }
    chain.push(child);
    node = child;
  }
}

/** Why a hint's position is wrong, or null: the nodes around it, looking into item macros. */
function misplacement(
  root: SyntaxNode,
  macros: InstanceType<typeof MacroTrees>,
  row: number,
  column: number,
): string | null {
  const chain = strictlyAround(root, row, column);
  const macro = chain.find((n) => n.type === 'macro_invocation');
  if (macro) {
    // Item macros (`rt_test! { … }`): their items are code like any other, checked as such.
    const items = macros.items(macro);
    const tokens = macro.namedChildren.find((c) => c?.type === 'token_tree');
    if (!items || !tokens) {
      return `inside ${macro.text.slice(0, 40)}`;
    }
    const start = tokens.startPosition;
    const inner =
      row === start.row
        ? { row: 0, column: column - start.column - 1 }
        : { row: row - start.row, column };
    const innerChain = strictlyAround(items, inner.row, inner.column);
    if (!innerChain.some((n) => n.type === 'function_item')) {
      return `inside ${macro.text.slice(0, 40)}`;
    }
    return misplacement(items, macros, inner.row, inner.column);
  }
  const innermost = chain[chain.length - 1];
  return HINT_CONTAINERS.has(innermost.type)
    ? null
    : `inside ${innermost.type} \`${innermost.text.slice(0, 40)}\``;
}

describe('inlay hints on real code', () => {
  before(() => parser.initParser());

  it('the check tells a hint inside an expression or a macro from one after a pattern', () => {
    const file = path.join(repoRoot, 'test', 'fixtures', 'hints', 'hyper_http.rs');
    const text = fs.readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const tree = parser.parseRust(text, 10_000);
    const macros = new MacroTrees();
    const at = (line: number, needle: string) => {
      const column = lines[line - 1].indexOf(needle);
      assert.ok(column >= 0, needle);
      return misplacement(tree.rootNode, macros, line - 1, column);
    };
    try {
      // Where hints were: `for addr in & held ? B … mut self.addrs {`, `pin_mut!(fut held …)`.
      assert.match(at(536, 'mut self.addrs') ?? '', /inside reference_expression/);
      assert.match(at(684, ');') ?? '', /inside futures_util::pin_mut!/);
      assert.match(at(689, ', future)') ?? '', /inside tuple_pattern/);
      // Where they go now.
      assert.strictEqual(at(536, ' in &mut'), null);
      assert.strictEqual(at(684, ';'), null);
      assert.strictEqual(at(689, ' ='), null);
    } finally {
      macros.dispose();
      tree.delete();
    }
  });

  for (const settings of [{}, { inlayHints: { showAll: true } }]) {
    const which = Object.keys(settings).length ? 'every hint (showAll)' : 'the default hints';
    it(`${which}: never inside an expression or a macro's arguments, never cut off`, async () => {
      const lsp = new LspSession();
      lsp.settings = settings;
      await lsp.initialize();
      const problems: string[] = [];
      let count = 0;
      try {
        for (const file of FILES) {
          const text = fs.readFileSync(file, 'utf8');
          const uri = pathToFileURL(file).toString();
          await lsp.open(uri, text);
          const hints = (await lsp.inlayHints(uri)) ?? [];
          count += hints.length;
          const tree = parser.parseRust(text, 10_000);
          const macros = new MacroTrees();
          try {
            const perLine = new Map<number, number>();
            for (const hint of hints) {
              const { line, character } = hint.position;
              const where = `${path.basename(file)}:${line + 1}:${character + 1} ${labelOf(hint)}`;
              const wrong = misplacement(tree.rootNode, macros, line, character);
              if (wrong) {
                problems.push(`${where}: ${wrong}`);
              }
              perLine.set(line, (perLine.get(line) ?? 0) + labelOf(hint).length);
            }
            for (const [line, length] of perLine) {
              if (length > VSCODE_HINT_LINE_LIMIT) {
                problems.push(`${path.basename(file)}:${line + 1}: ${length} characters of hints`);
              }
            }
          } finally {
            macros.dispose();
            tree.delete();
          }
          await lsp.close(uri);
        }
      } finally {
        await lsp.dispose();
      }
      assert.ok(count > 40, `only ${count} hints`);
      assert.deepStrictEqual(problems, []);
    });
  }
});
