import * as assert from 'assert';
import { fixture, LspSession } from './support/lspSession';

/**
 * Incremental sync: each change re-parses from the previous tree and re-walks only the edited fns.
 * Whatever the edits, the answers must equal those for the same text opened afresh.
 */
describe('incremental edits', () => {
  let lsp: LspSession;
  before(async () => {
    lsp = new LspSession();
    await lsp.initialize();
  });
  after(() => lsp.dispose());

  const hintsOf = async (uri: string) => ((await lsp.inlayHints(uri)) ?? []).map((h) => `${h.position.line}:${h.position.character} ${typeof h.label === 'string' ? h.label : ''}`);

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
      const character = all[line].length === 0 ? 0 : seed % (all[line].length + 1);
      // Blank lines and spaces move fns and edit bodies; every fifth edit sends two changes at once.
      const changes = [{ range: { start: { line, character }, end: { line, character } }, text: i % 4 === 0 ? '\n' : ' ' }];
      if (i % 5 === 0) {
        changes.push({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '\n' });
      }
      await lsp.change(f.uri, changes);
      for (const c of changes) {
        const rows = text.split('\n');
        const offset = rows.slice(0, c.range.start.line).reduce((n, r) => n + r.length + 1, 0) + c.range.start.character;
        text = text.slice(0, offset) + c.text + text.slice(offset);
      }
      await lsp.inlayHints(f.uri);
    }
    const fresh = f.uri.replace('buffers.rs', 'buffers_fresh.rs');
    await lsp.open(fresh, text);
    assert.deepStrictEqual(await hintsOf(f.uri), await hintsOf(fresh));
    assert.strictEqual(lsp.text(f.uri), text);
  });
});
