/**
 * The "Show Future Layout" document's TextMate grammar, tokenized with the engine VS Code 1.99 uses
 * (vscode-textmate 9.2.0 + vscode-oniguruma 1.7.0), on a document the bundled server produced.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';
import { fixture, LspSession, positionOf, repoRoot } from './support/lspSession';

const grammarPath = path.join(repoRoot, 'syntaxes', 'future-layout.tmLanguage.json');

async function loadGrammar(): Promise<textmate.IGrammar> {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(new Uint8Array(wasm).buffer);
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text: string) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async () =>
      textmate.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath),
  });
  const grammar = await registry.loadGrammar('source.rust-future-layout');
  assert.ok(grammar);
  return grammar;
}

/** Every token of the text with its innermost scope. */
function tokenize(
  grammar: textmate.IGrammar,
  text: string,
): { text: string; scope: string; line: number }[] {
  const tokens: { text: string; scope: string; line: number }[] = [];
  let state = textmate.INITIAL;
  text.split('\n').forEach((line, index) => {
    const result = grammar.tokenizeLine(line, state);
    for (const token of result.tokens) {
      tokens.push({
        text: line.slice(token.startIndex, token.endIndex),
        scope: token.scopes[token.scopes.length - 1],
        line: index,
      });
    }
    state = result.ruleStack;
  });
  return tokens;
}

describe('layout document grammar', () => {
  let text: string;
  let grammar: textmate.IGrammar;
  before(async () => {
    const lsp = new LspSession();
    try {
      await lsp.initialize();
      const f = fixture('buffers.rs');
      await lsp.open(f.uri, f.text);
      const result = await lsp.connection.sendRequest<{ text: string }>(
        'rustFutureSize/futureLayout',
        {
          textDocument: { uri: f.uri },
          position: positionOf(f.text, 'total += n'),
        },
      );
      text = result.text;
    } finally {
      await lsp.dispose();
    }
    grammar = await loadGrammar();
  });

  it('is the grammar package.json contributes for the layout language', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      contributes: { grammars: { language: string; scopeName: string; path: string }[] };
    };
    assert.deepStrictEqual(manifest.contributes.grammars, [
      {
        language: 'rust-future-layout',
        scopeName: 'source.rust-future-layout',
        path: './syntaxes/future-layout.tmLanguage.json',
      },
    ]);
  });

  it('highlights comments, section keywords, states, offsets, sizes and roles', () => {
    const tokens = tokenize(grammar, text);
    const scopeOf = (t: string) => tokens.find((token) => token.text === t)?.scope;
    assert.strictEqual(tokens[0].scope, 'comment.line.double-slash.rust-future-layout');
    assert.strictEqual(scopeOf('future'), 'keyword.control.section.rust-future-layout');
    assert.strictEqual(scopeOf('variant'), 'keyword.control.section.rust-future-layout');
    assert.strictEqual(scopeOf('Suspend1'), 'entity.name.type.state.rust-future-layout');
    assert.strictEqual(scopeOf('Unresumed'), 'entity.name.type.state.rust-future-layout');
    assert.strictEqual(scopeOf('16384'), 'constant.numeric.size.rust-future-layout');
    assert.strictEqual(scopeOf('upvar'), 'variable.language.role.rust-future-layout');
    assert.strictEqual(scopeOf('awaitee'), 'variable.language.role.rust-future-layout');
    assert.strictEqual(scopeOf('buf'), 'variable.other.field.rust-future-layout');
    assert.strictEqual(
      scopeOf('<awaitee Conn::read()>'),
      'variable.other.special.rust-future-layout',
    );
    assert.strictEqual(scopeOf('[u8; 16384]'), 'entity.name.type.rust-future-layout');
    const offsets = tokens
      .filter((t) => t.scope === 'constant.numeric.offset.rust-future-layout')
      .map((t) => t.text);
    assert.ok(offsets.includes('16424'), offsets.join(' '));
  });
});
