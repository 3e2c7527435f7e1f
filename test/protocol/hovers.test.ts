import * as assert from 'assert';
import { MarkupContent } from 'vscode-languageserver-protocol/node';
import { fixture, LspSession, positionOf } from './support/lspSession';

describe('hovers', () => {
  let lsp: LspSession;
  const f = fixture('buffers.rs');
  before(async () => {
    lsp = new LspSession();
    await lsp.initialize();
    await lsp.open(f.uri, f.text);
  });
  after(() => lsp.dispose());

  it('on `.await`: what is stored while it is pending, with sizes', async () => {
    const at = positionOf(f.text, 'await;', 2);
    const keyword = positionOf(f.text, 'await;');
    const hover = await lsp.hover(f.uri, at.line, at.character);
    assert.ok(hover, 'a hover on .await');
    const raw = (hover.contents as MarkupContent).value;
    // Sizes do not wrap: a no-break space between the number and `B`.
    assert.ok(raw.includes('| 16384\u00a0B |'), raw);
    const text = raw.replace(/\u00a0/g, ' ');
    assert.match(
      text,
      /^\*\*await #0\*\* of `copy` \(state `Suspend0`\): 16432 B stored while it is pending/,
    );
    assert.match(text, /\| value \| bytes \| line \| type \|/);
    assert.match(text, /\| `buf` \| 16384 B \| 14 \| `\[u8; 16384\]` \|/);
    // The awaited future is named once, by its type.
    assert.match(text, /\| awaited future \| 32 B \| 17 \| `Conn::read\(\)` \|/);
    assert.strictEqual(text.match(/Conn::read/g)?.length, 1, text);
    // An argument is one row, however many copies the future keeps.
    assert.match(text, /\| `conn` \(argument, also captured\) \| 8 B \| 13 \| `&mut Conn` \|/);
    assert.strictEqual(text.match(/`conn`/g)?.length, 1, text);
    assert.match(text, /The whole future is 16456 B \(align 8\)\./);
    assert.deepStrictEqual(hover.range?.start, keyword);
  });

  it('on the dot of `.await` too', async () => {
    const at = positionOf(f.text, '.await;', 0, 2);
    const hover = await lsp.hover(f.uri, at.line, at.character);
    assert.match((hover?.contents as MarkupContent).value, /^\*\*await #1\*\* of `copy`/);
  });

  it("on an async fn's name: the state-by-state breakdown", async () => {
    const at = positionOf(f.text, 'copy(', 2);
    const hover = await lsp.hover(f.uri, at.line, at.character);
    const text = (hover?.contents as MarkupContent).value;
    assert.match(text, /^\*\*async fn `copy`\*\*: future of 16456 B, align 8/);
    assert.match(text, /\| `Suspend1`, line\u00a021 \|/);
  });

  it('nothing elsewhere', async () => {
    const at = positionOf(f.text, 'total += n');
    assert.strictEqual(await lsp.hover(f.uri, at.line, at.character), null);
  });
});
