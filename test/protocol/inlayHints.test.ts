import * as assert from 'assert';
import { InlayHint } from 'vscode-languageserver-protocol/node';
import { fixture, LspSession, positionOf, VSCODE_CAPABILITIES } from './support/lspSession';

const labelOf = (hint: InlayHint) =>
  typeof hint.label === 'string' ? hint.label : hint.label.map((p) => p.value).join('');

describe('inlay hints', () => {
  let lsp: LspSession;
  before(async () => {
    lsp = new LspSession();
    // Every hint, small ones included: these tests are about placement, tooltips and ranges.
    lsp.settings = { inlayHints: { showAll: true } };
    await lsp.initialize();
  });
  after(() => lsp.dispose());

  it('shows future sizes after the signature, held bindings after their pattern', async () => {
    const f = fixture('buffers.rs');
    await lsp.open(f.uri, f.text);
    const hints = (await lsp.inlayHints(f.uri)) ?? [];
    const lines = f.text.split('\n');
    const shown = hints.map(
      (h) =>
        `${h.position.line + 1}:${lines[h.position.line].slice(0, h.position.character).trim().slice(-12)} | ${labelOf(h)}`,
    );
    assert.deepStrictEqual(shown, [
      '5:8]) -> usize | future 32 B',
      '8:data: &[u8]) | future 32 B',
      '13:nn) -> usize | future 16456 B',
      '14:let mut buf | held 16384 B across 2 awaits',
      '15:et mut total | held 8 B across 2 awaits',
      '17:let n | held 8 B across 1 await',
      '27:: &mut Conn) | future 56 B',
      '28:let header | held 8 B across 1 await',
    ]);
    assert.ok(hints.every((h) => h.paddingLeft));
  });

  it('explains the future state by state in a Markdown tooltip', async () => {
    const f = fixture('buffers.rs');
    const hints = (await lsp.inlayHints(f.uri)) ?? [];
    const copy = hints.find((h) => labelOf(h) === 'future 16456 B')!;
    // Sizes in table cells do not wrap: `16384 B` has a no-break space.
    const tooltip = (await lsp.tooltipOf(copy)).replace(/\u00a0/g, ' ');
    assert.match(tooltip, /\*\*async fn `copy`\*\*: future of 16456 B, align 8/);
    assert.match(tooltip, /\| every state \(captured\) \| `conn` 8 B \| 8 \|/);
    assert.match(
      tooltip,
      /\| `Suspend0`, line 17 \| `conn` 8 B, `buf` 16384 B, `total` 8 B, `<awaitee Conn::read\(\)>` 32 B \| 16432 \|/,
    );
    assert.match(tooltip, /\| `Suspend1`, line 21 \|/);
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
    assert.deepStrictEqual(resolved.label, buf.label);
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
    // Every hint, small ones included: these tests are about placement, tooltips and ranges.
    lsp.settings = { inlayHints: { showAll: true } };
    await lsp.initialize();
  });
  after(() => lsp.dispose());

  it('puts tooltips in the hints for clients that cannot resolve them', async () => {
    const eager = new LspSession();
    eager.settings = { inlayHints: { showAll: true } };
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
      assert.match(await eager.tooltipOf(copy), /\| `Suspend1`, line\u00a021 \|/);
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

  it('puts hints of async blocks and closures at the end of their signature', async () => {
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
    assert.deepStrictEqual(block.position, positionOf(text, ' { let big'));
    assert.strictEqual(block.paddingLeft, true);
    const closure = hints.find((h) => h.position.line === 3 && labelOf(h).startsWith('future'))!;
    assert.deepStrictEqual(closure.position, positionOf(text, ' { pause().await; x'));
    // After the pattern, as everywhere, even when the line holds other code.
    const big = hints.find((h) => labelOf(h) === 'held 512 B across 1 await')!;
    assert.deepStrictEqual(big.position, positionOf(text, ' = [0u8; 512]'));
  });
});

/** `line: text before the hint⟨label⟩`, the way a reader sees the hint in the line. */
function rendered(text: string, hints: InlayHint[]): string[] {
  const lines = text.split('\n');
  return hints.map((h) => {
    const line = lines[h.position.line];
    return `${h.position.line + 1}: ${line.slice(0, h.position.character).trim()}⟨${labelOf(h)}⟩`;
  });
}

describe('inlay hints: where they go', () => {
  let lsp: LspSession;
  const f = fixture('placement.rs');
  let shown: string[];
  before(async () => {
    lsp = new LspSession();
    await lsp.initialize();
    await lsp.open(f.uri, f.text);
    shown = rendered(f.text, (await lsp.inlayHints(f.uri)) ?? []);
  });
  after(() => lsp.dispose());

  it('one hint after a whole tuple pattern, naming its parts', () => {
    assert.ok(
      shown.includes('12: let (mut ri, mut wi)⟨held ri 100 B, wi 200 B across 1 await⟩'),
      shown.join('\n'),
    );
  });

  it('after the pattern of a `let` whose value spans lines, before its `=`', () => {
    assert.ok(shown.includes('32: let n⟨held 128 B across 1 await⟩'), shown.join('\n'));
    // And after the type annotation when there is one.
    assert.ok(shown.includes('41: let value: T⟨held ? B across 1 await⟩'), shown.join('\n'));
  });

  it('after a macro, never inside its arguments: `pin_mut!(fut)`', () => {
    assert.ok(
      shown.includes('61: futures::pin_mut!(fut)⟨held fut 514 B across 2 awaits⟩'),
      shown.join('\n'),
    );
  });

  it("the future's hint after the signature's `)` or return type, multi-line, for blocks", () => {
    assert.ok(shown.includes('11: pub async fn pair() -> usize⟨future 302 B⟩'), shown.join('\n'));
    assert.ok(shown.includes('31: ) -> u64⟨future 152 B⟩'), shown.join('\n'));
    assert.ok(shown.includes('47: let block = async move⟨future 258 B⟩'), shown.join('\n'));
  });

  it('a `for` pattern and its iterator: each after its own part, never inside `&mut`', async () => {
    const uri = f.uri.replace('placement.rs', 'placement_all.rs');
    const all = new LspSession();
    all.settings = { inlayHints: { showAll: true } };
    try {
      await all.initialize();
      await all.open(uri, f.text);
      const every = rendered(f.text, (await all.inlayHints(uri)) ?? []);
      assert.ok(every.includes('21: for item⟨held 8 B across 1 await⟩'), every.join('\n'));
      assert.ok(every.includes('21: for item in items.iter()⟨held 16 B⟩'), every.join('\n'));
      assert.ok(
        every.includes('52: let closure = async |x: u64| -> u64⟨future 24 B⟩'),
        every.join('\n'),
      );
    } finally {
      await all.dispose();
    }
  });
});

describe('inlay hints: defaults a user keeps on', () => {
  const f = fixture('placement.rs');

  it('hides tiny futures and small held values, shows what is or could be large', async () => {
    const lsp = new LspSession();
    try {
      await lsp.initialize();
      await lsp.open(f.uri, f.text);
      const shown = rendered(f.text, (await lsp.inlayHints(f.uri)) ?? []);
      // `async fn tick() {}` is 1 B; `total: u64` and the loop's `item` are 8 B.
      assert.ok(!shown.some((s) => /^[13]: /.test(s)), shown.join('\n'));
      assert.ok(!shown.some((s) => /^2[01]: /.test(s)), shown.join('\n'));
      // A generic's size is unknown and could be large: `? B`.
      assert.ok(
        shown.some((s) => s.startsWith('41: ')),
        shown.join('\n'),
      );
      assert.ok(shown.some((s) => s.startsWith('6: let scratch⟨held 512 B')));
    } finally {
      await lsp.dispose();
    }
  });

  it('`showAll` shows every hint, as before; `minSize` 0 shows every held value', async () => {
    for (const settings of [
      { inlayHints: { showAll: true } },
      { inlayHints: { heldValues: { minSize: 0 }, futureSize: { minSize: 0 } } },
    ]) {
      const lsp = new LspSession();
      lsp.settings = settings;
      try {
        await lsp.initialize();
        await lsp.open(f.uri, f.text);
        const shown = rendered(f.text, (await lsp.inlayHints(f.uri)) ?? []);
        assert.ok(shown.includes('3: async fn tick()⟨future 1 B⟩'), shown.join('\n'));
        assert.ok(shown.includes('20: let mut total: u64⟨held 8 B across 1 await⟩'));
      } finally {
        await lsp.dispose();
      }
    }
  });

  it('keeps unknown sizes that could be large when `minSize` is set, and says so', async () => {
    const lsp = new LspSession();
    lsp.settings = { inlayHints: { heldValues: { minSize: 1 } } };
    try {
      await lsp.initialize();
      await lsp.open(f.uri, f.text);
      const shown = rendered(f.text, (await lsp.inlayHints(f.uri)) ?? []);
      assert.ok(shown.includes('41: let value: T⟨held ? B across 1 await⟩'), shown.join('\n'));
      assert.ok(shown.includes('20: let mut total: u64⟨held 8 B across 1 await⟩'));
    } finally {
      await lsp.dispose();
    }
  });
});

describe('inlay hints: clickable', () => {
  let lsp: LspSession;
  const f = fixture('placement.rs');
  before(async () => {
    lsp = new LspSession();
    await lsp.initialize();
    await lsp.open(f.uri, f.text);
  });
  after(() => lsp.dispose());

  it("a future's hint opens its layout; a held value's hint goes to the await", async () => {
    const hints = (await lsp.inlayHints(f.uri)) ?? [];
    const future = hints.find((h) => labelOf(h) === 'future 302 B')!;
    assert.ok(Array.isArray(future.label));
    assert.deepStrictEqual(future.label[0].command?.command, 'rustFutureSize.showFutureLayout');
    assert.deepStrictEqual(future.label[0].command?.arguments, [
      { textDocument: { uri: f.uri }, position: positionOf(f.text, 'async fn pair') },
    ]);
    const held = hints.find((h) => labelOf(h).startsWith('held ri'))!;
    assert.ok(Array.isArray(held.label));
    const awaitAt = positionOf(f.text, 'await;', 0, 2);
    assert.deepStrictEqual(held.label[0].command?.command, 'rustFutureSize.revealAwait');
    assert.deepStrictEqual(held.label[0].command?.arguments, [
      {
        uri: f.uri,
        range: { start: awaitAt, end: { line: awaitAt.line, character: awaitAt.character + 5 } },
      },
    ]);
    // Both parts are named in the tooltip.
    const tooltip = await lsp.tooltipOf(held);
    assert.match(tooltip, /\*\*`ri`\*\*: `\[u8; 100\]`, 100 B/);
    assert.match(tooltip, /\*\*`wi`\*\*: `\[u8; 200\]`, 200 B/);
  });
});
