import * as assert from 'assert';
import { InlayHint } from 'vscode-languageserver-protocol/node';
import { fixture, LspSession } from './support/lspSession';

const labelOf = (hint: InlayHint) =>
  typeof hint.label === 'string' ? hint.label : hint.label.map((p) => p.value).join('');

/**
 * Incremental sync: each change re-parses from the previous tree and re-walks only the edited fns.
 * Whatever the edits, the answers must equal those for the same text opened afresh.
 */
describe('incremental edits', () => {
  let lsp: LspSession;
  before(async () => {
    lsp = new LspSession();
    // Every hint, small ones included: these tests compare hints before and after edits.
    lsp.settings = { inlayHints: { showAll: true } };
    await lsp.initialize();
  });
  after(() => lsp.dispose());

  const hintsOf = async (uri: string) =>
    ((await lsp.inlayHints(uri)) ?? []).map(
      (h) => `${h.position.line}:${h.position.character} ${labelOf(h)}`,
    );

  it('gives the same hints as a fresh document after single and multi-change edits', async () => {
    const f = fixture('buffers.rs');
    await lsp.open(f.uri, f.text);
    await lsp.inlayHints(f.uri);
    let text = f.text;
    const lines = () => text.split('\n');
    let seed = 11;
    for (let i = 0; i < 25; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const all = lines();
      const line = seed % all.length;
      // Next to existing whitespace, so no token is split: a broken file keeps hidden fns' last hints
      // (tested below), which a fresh document cannot have.
      const spaces = [...all[line].matchAll(/\s|$/g)].map((m) => m.index ?? 0);
      const character = spaces[seed % spaces.length];
      // Blank lines and spaces move fns and edit bodies; every fifth edit sends two changes at once.
      const changes = [
        {
          range: { start: { line, character }, end: { line, character } },
          text: i % 4 === 0 ? '\n' : ' ',
        },
      ];
      if (i % 5 === 0) {
        changes.push({
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          text: '\n',
        });
      }
      await lsp.change(f.uri, changes);
      for (const c of changes) {
        const rows = text.split('\n');
        const offset =
          rows.slice(0, c.range.start.line).reduce((n, r) => n + r.length + 1, 0) +
          c.range.start.character;
        text = text.slice(0, offset) + c.text + text.slice(offset);
      }
      await lsp.inlayHints(f.uri);
    }
    const fresh = f.uri.replace('buffers.rs', 'buffers_fresh.rs');
    await lsp.open(fresh, text);
    assert.deepStrictEqual(await hintsOf(f.uri), await hintsOf(fresh));
    assert.strictEqual(lsp.text(f.uri), text);
  });

  it('keeps the hints of fns a half-typed edit hides from the parser, with a note, until the edit is finished', async () => {
    const { text, uri } = fixture('half_typed.rs');
    const rows = text.split('\n');
    const fnLine = rows.findIndex((r) => r.startsWith('pub async fn below'));
    const bufLine = rows.findIndex((r) => r.includes('let buf'));
    const arrowLine = rows.findIndex((r) => r.includes('Command::Quit =>'));
    await lsp.open(uri, text);
    const before = await hintsOf(uri);
    const future = before
      .find((h) => h.startsWith(`${fnLine}:`) && / future \d+ B$/.test(h))
      ?.replace(/^\S+ /, '');
    assert.ok(future, before.join('\n'));
    // `=>` becomes `=x>`: tree-sitter's error recovery swallows the rest of the file.
    const arrow = { line: arrowLine, character: rows[arrowLine].indexOf('=>') + 1 };
    await lsp.change(uri, [{ range: { start: arrow, end: arrow }, text: 'x' }]);
    const during = (await lsp.inlayHints(uri)) ?? [];
    const below = during.find((h) => h.position.line === fnLine && labelOf(h) === future);
    assert.ok(below, during.map((h) => `${h.position.line} ${labelOf(h)}`).join('\n'));
    assert.ok(
      during.some((h) => h.position.line === bufLine && labelOf(h) === 'held 512 B across 1 await'),
    );
    assert.match(await lsp.tooltipOf(below), /does not parse right now/);
    await lsp.change(uri, [
      {
        range: { start: arrow, end: { line: arrow.line, character: arrow.character + 1 } },
        text: '',
      },
    ]);
    assert.deepStrictEqual(await hintsOf(uri), before);
  });

  it('answers correctly for a document edited after many others pushed its tree out of memory', async () => {
    const f = fixture('buffers.rs');
    const first = f.uri.replace('buffers.rs', 'many_0.rs');
    await lsp.open(first, f.text);
    await lsp.inlayHints(first);
    // More open documents than the server keeps trees for: the first one's tree is dropped.
    for (let i = 1; i <= 30; i++) {
      const uri = f.uri.replace('buffers.rs', `many_${i}.rs`);
      await lsp.open(uri, f.text);
      await lsp.inlayHints(uri);
    }
    await lsp.change(first, [
      {
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        text: '\n// moved down\n',
      },
    ]);
    const fresh = f.uri.replace('buffers.rs', 'many_fresh.rs');
    await lsp.open(fresh, lsp.text(first));
    assert.deepStrictEqual(await hintsOf(first), await hintsOf(fresh));
  });
});
