import * as assert from 'assert';
import { InlayHint } from 'vscode-languageserver-protocol/node';
import { fixture, LspSession, positionOf, VSCODE_CAPABILITIES } from './support/lspSession';

const labelOf = (hint: InlayHint) =>
  typeof hint.label === 'string' ? hint.label : hint.label.map((p) => p.value).join('');

describe('inlay hints', () => {
  let lsp: LspSession;
  before(async () => {
    lsp = new LspSession();
    await lsp.initialize();
  });
  after(() => lsp.dispose());

  it('shows each future size at the end of its signature line, and each held binding with the awaits it crosses', async () => {
    const f = fixture('buffers.rs');
    await lsp.open(f.uri, f.text);
    const hints = (await lsp.inlayHints(f.uri)) ?? [];
    const lines = f.text.split('\n');
    const shown = hints.map(
      (h) =>
        `${h.position.line + 1}:${lines[h.position.line].slice(0, h.position.character).trim().slice(-12)} | ${labelOf(h)}`,
    );
    assert.deepStrictEqual(shown, [
      '5:) -> usize { | future 32 B',
      '8:ta: &[u8]) { | future 32 B',
      '13:) -> usize { | future 16456 B',
      '14:0u8; 16384]; | held 16384 B across 2 awaits',
      '15:t total = 0; | held 8 B across 2 awaits',
      '17: buf).await; | held 8 B across 1 await',
      '27:&mut Conn) { | future 56 B',
      '28: = [1u8; 8]; | held 8 B across 1 await',
    ]);
    assert.ok(hints.every((h) => h.paddingLeft));
  });

  it('explains the future state by state in a Markdown tooltip', async () => {
    const f = fixture('buffers.rs');
    const hints = (await lsp.inlayHints(f.uri)) ?? [];
    const copy = hints.find((h) => labelOf(h) === 'future 16456 B')!;
    const tooltip = await lsp.tooltipOf(copy);
    assert.match(tooltip, /\*\*async fn `copy`\*\*: future of 16456 B, align 8/);
    assert.match(tooltip, /\| every state \(captured\) \| `conn` 8 B \| 8 \|/);
    assert.match(
      tooltip,
      /\| Suspend0, await on line 17 \| `conn` 8 B, `buf` 16384 B, `total` 8 B, `<awaitee Conn::read\(\)>` 32 B \| 16432 \|/,
    );
    assert.match(tooltip, /\| Suspend1, await on line 21 \|/);
    const buf = hints.find((h) => labelOf(h) === 'held 16384 B across 2 awaits')!;
    assert.match(await lsp.tooltipOf(buf), /\*\*`buf`\*\*: `\[u8; 16384\]`, 16384 B/);
    assert.match(await lsp.tooltipOf(buf), /line 17, line 21/);
  });

  it('sends tooltips on resolve to clients that resolve hints, and leaves a hint whose future has moved as it is', async () => {
    const f = fixture('buffers.rs');
    const hints = (await lsp.inlayHints(f.uri)) ?? [];
    assert.ok(hints.length > 0);
    assert.ok(
      hints.every((h) => h.tooltip === undefined && h.data !== undefined),
      'tooltips are left for resolve',
    );
    const buf = hints.find((h) => labelOf(h) === 'held 16384 B across 2 awaits')!;
    const resolved = await lsp.resolveInlayHint(buf);
    assert.strictEqual(resolved.label, buf.label);
    assert.deepStrictEqual(resolved.position, buf.position);
    assert.match(await lsp.tooltipOf(resolved), /\*\*`buf`\*\*: `\[u8; 16384\]`/);
    // After the edit the hint's future starts elsewhere: it comes back as it was, not with another future's tooltip.
    const uri = f.uri.replace('buffers.rs', 'buffers_edited.rs');
    await lsp.open(uri, f.text);
    const before = ((await lsp.inlayHints(uri)) ?? []).find(
      (h) => labelOf(h) === 'held 16384 B across 2 awaits',
    )!;
    await lsp.change(uri, [
      {
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        text: '// edited\n',
      },
    ]);
    assert.strictEqual((await lsp.resolveInlayHint(before)).tooltip, undefined);
  });
});

describe('inlay hints: tooltips, bounds and ranges', () => {
  let lsp: LspSession;
  before(async () => {
    lsp = new LspSession();
    await lsp.initialize();
  });
  after(() => lsp.dispose());

  it('puts tooltips in the hints for clients that cannot resolve them', async () => {
    const eager = new LspSession();
    try {
      await eager.initialize({
        ...VSCODE_CAPABILITIES,
        textDocument: { ...VSCODE_CAPABILITIES.textDocument, inlayHint: {} },
      });
      const f = fixture('buffers.rs');
      await eager.open(f.uri, f.text);
      const hints = (await eager.inlayHints(f.uri)) ?? [];
      assert.ok(hints.length > 0 && hints.every((h) => h.tooltip !== undefined));
      const copy = hints.find((h) => labelOf(h) === 'future 16456 B')!;
      assert.match(await eager.tooltipOf(copy), /\| Suspend1, await on line 21 \|/);
    } finally {
      await eager.dispose();
    }
  });

  it('marks lower bounds and names unknown types', async () => {
    const f = fixture('guard.rs');
    await lsp.open(f.uri, f.text);
    const hints = (await lsp.inlayHints(f.uri)) ?? [];
    // tokio's guard and lock future are other-crate types: the size is a lower bound.
    const asyncGuard = hints.find((h) => /^future ≥ \d+ B$/.test(labelOf(h)));
    assert.ok(asyncGuard, hints.map(labelOf).join(', '));
    assert.match(
      await lsp.tooltipOf(asyncGuard),
      /\nUnknown sizes \(the total is a lower bound\): `/,
    );
    assert.ok(hints.some((h) => labelOf(h) === 'held ? B across 1 await'));
  });

  it('answers only for the requested range', async () => {
    const f = fixture('buffers.rs');
    await lsp.open(f.uri, f.text);
    const start = positionOf(f.text, 'pub async fn small');
    const hints =
      (await lsp.inlayHints(f.uri, { start, end: { line: start.line + 3, character: 0 } })) ?? [];
    assert.deepStrictEqual(hints.map(labelOf), ['future 56 B', 'held 8 B across 1 await']);
  });

  it('puts hints of async blocks and closures before their body', async () => {
    const uri = fixture('buffers.rs').uri.replace('buffers.rs', 'blocks.rs');
    const text = [
      'async fn pause() {}',
      'pub fn spawn_it() {',
      '    let fut = async move { let big = [0u8; 512]; pause().await; big.len() };',
      '    let f = async |x: u64| { pause().await; x };',
      '}',
      '',
    ].join('\n');
    await lsp.open(uri, text);
    const hints = (await lsp.inlayHints(uri)) ?? [];
    const block = hints.find((h) => h.position.line === 2 && labelOf(h).startsWith('future'))!;
    assert.deepStrictEqual(block.position, positionOf(text, '{ let big'));
    assert.strictEqual(block.paddingRight, true);
    const closure = hints.find((h) => h.position.line === 3 && labelOf(h).startsWith('future'))!;
    assert.deepStrictEqual(closure.position, positionOf(text, '{ pause().await; x'));
    // `big` shares its line with other code, so its hint sits right after the name.
    const big = hints.find((h) => labelOf(h) === 'held 512 B across 1 await')!;
    assert.deepStrictEqual(big.position, positionOf(text, ' = [0u8; 512]'));
  });
});
