/**
 * The fixes users are told about (issue 16): `Box::pin` in the menu of a `large-future`
 * diagnostic and at a `select!` arm, and refactorings on a plain held binding.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  applyEdits,
  editsOf,
  fixturesDir,
  LspSession,
  positionOf,
  repoRoot,
} from './support/lspSession';

const PINS = path.join(repoRoot, 'test', 'fixtures', 'fixes', '36_box_pin_select_join_spawn.rs');
const uriOf = (name: string) => `file://${path.join(fixturesDir, name)}`;

describe('code actions: Box::pin and refactorings', () => {
  let lsp: LspSession;
  before(async () => {
    lsp = new LspSession();
    lsp.settings = { largeFutureThreshold: 4096 };
    await lsp.initialize();
  });
  after(() => lsp.dispose());

  it('offers Box::pin where a large-future diagnostic says so, besides Allow', async () => {
    const text = fs.readFileSync(PINS, 'utf8');
    const uri = uriOf('pins-quickfix.rs');
    await lsp.open(uri, text);
    const diagnostics = await lsp.waitForDiagnostics(uri, (d) => d.length > 0);
    const onBlock = diagnostics.find(
      (d) =>
        d.code === 'large-future' &&
        d.range.start.line === positionOf(text, 'async move', 0, 2).line,
    );
    assert.ok(onBlock, JSON.stringify(diagnostics.map((d) => [d.code, d.range.start])));
    assert.match(onBlock.message, /consider `Box::pin` on it there/);
    const actions = (await lsp.codeActions(uri, onBlock.range, [onBlock], ['quickfix'])) ?? [];
    const titles = actions.map((a) => a.title);
    assert.ok(
      titles.includes('Box the async block with `Box::pin` where it is passed to `tokio::spawn`'),
      titles.join(' | '),
    );
    assert.strictEqual(titles[titles.length - 1], 'Allow `large-future` here');
    const pin = actions.find((a) => a.title.startsWith('Box the async block'))!;
    const fixed = applyEdits(text, editsOf(pin, uri));
    assert.ok(fixed.includes('_ = pause() => tokio::spawn(Box::pin(async move {'), fixed);

    // The callee's diagnostic lists the Box::pin of every place it is awaited or kept.
    const callee = diagnostics.find(
      (d) =>
        d.code === 'large-future' &&
        d.range.start.line === positionOf(text, 'fn echo_connection').line,
    )!;
    const forCallee = (await lsp.codeActions(uri, callee.range, [callee], ['quickfix'])) ?? [];
    const pins = forCallee.filter((a) => a.title.includes('Box::pin')).map((a) => a.title);
    assert.deepStrictEqual(pins.sort(), [
      'Box `echo_connection(..)` with `Box::pin` where it is passed to `tokio::spawn`',
      'Box the `join!` branch `echo_connection(..)` with `Box::pin`',
      'Box the `select!` branch `echo_connection(..)` with `Box::pin`',
      'Box the future of `echo_connection(..)` with `Box::pin`',
    ]);
  });

  it("offers Box::pin on the diagnostic about a select!'s `futures`", async () => {
    const text = fs.readFileSync(PINS, 'utf8');
    const uri = uriOf('pins-futures.rs');
    await lsp.open(uri, text);
    const diagnostics = await lsp.waitForDiagnostics(uri, (d) => d.length > 0);
    const serveAt = positionOf(text, 'pub async fn serve').line + 1;
    const futures = diagnostics.find(
      (d) =>
        d.code === 'large-value-held-across-await' &&
        d.range.start.line === serveAt &&
        d.message.startsWith('`futures`'),
    );
    assert.ok(futures, JSON.stringify(diagnostics.map((d) => [d.range.start, d.message])));
    const actions = (await lsp.codeActions(uri, futures.range, [futures], ['quickfix'])) ?? [];
    assert.deepStrictEqual(
      actions.map((a) => a.title),
      [
        'Box the `select!` branch `echo_connection(..)` with `Box::pin`',
        'Allow `large-value-held-across-await` here',
      ],
    );
  });

  it('offers Box::pin as a refactoring on a select! arm and on an await inside one', async () => {
    const text = fs.readFileSync(PINS, 'utf8');
    const uri = uriOf('pins-refactor.rs');
    await lsp.open(uri, text);
    await lsp.waitForDiagnostics(uri);
    const arm = positionOf(text, 'echo_connection(id) => n');
    const atArm = (await lsp.codeActions(uri, { start: arm, end: arm }, [], ['refactor'])) ?? [];
    assert.deepStrictEqual(
      atArm.map((a) => [a.title, a.kind]),
      [['Box the `select!` branch `echo_connection(..)` with `Box::pin`', 'refactor.rewrite']],
    );
    const awaited = positionOf(text, 'echo_connection(id).await');
    const atAwait =
      (await lsp.codeActions(uri, { start: awaited, end: awaited }, [], ['refactor'])) ?? [];
    assert.deepStrictEqual(
      atAwait.map((a) => a.title),
      ['Box the future of `echo_connection(..)` with `Box::pin`'],
    );
    assert.ok(
      applyEdits(text, editsOf(atAwait[0], uri)).includes('Box::pin(echo_connection(id)).await'),
    );
  });
});

describe('code actions: refactorings on a held binding', () => {
  let lsp: LspSession;
  before(async () => {
    lsp = new LspSession();
    await lsp.initialize();
  });
  after(() => lsp.dispose());

  it('offers Move and Box on a plain held binding, with no diagnostic', async () => {
    const text = `use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
pub struct Yield(bool);
impl Future for Yield {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.0 { Poll::Ready(()) } else { self.0 = true; Poll::Pending }
    }
}
pub async fn pause() { Yield(false).await }
pub fn use_ref<T>(_: &T) {}
pub async fn big() -> usize {
    let b = [0u8; 2048];
    use_ref(&b);
    pause().await;
    b.len()
}
pub async fn handler(id: u64) -> usize {
    let name = format!("conn {id}");
    let header = String::from("x");
    use_ref(&header);
    pause().await;
    let n = big().await;
    n + name.len()
}
pub async fn staged() -> usize {
    let first = {
        let label = String::from("first");
        use_ref(&label);
        pause().await;
        label.len()
    };
    first + big().await
}
`;
    const uri = uriOf('held-refactor.rs');
    await lsp.open(uri, text);
    const diagnostics = await lsp.waitForDiagnostics(uri);
    const handlerAt = positionOf(text, 'pub async fn handler').line;
    assert.deepStrictEqual(
      diagnostics.filter((d) => d.range.start.line >= handlerAt),
      [],
      'no diagnostic in `handler`',
    );
    const at = (needle: string) => {
      const p = positionOf(text, needle);
      return lsp.codeActions(uri, { start: p, end: p }, [], ['refactor']);
    };
    const onName = (await at('name = format!')) ?? [];
    assert.deepStrictEqual(
      onName.map((a) => [a.title, a.kind, a.isPreferred ?? false]),
      [['Put `name` in a `Box`', 'refactor.rewrite', false]],
    );
    assert.ok(
      applyEdits(text, editsOf(onName[0], uri)).includes(
        'let name = Box::new(format!("conn {id}"));',
      ),
    );
    const onHeader = (await at('header = String')) ?? [];
    assert.deepStrictEqual(
      onHeader.map((a) => [a.title, a.isPreferred ?? false]),
      [['Move `header` into its own block', true]],
    );
    // `label` is held only at the smaller await: boxing it leaves the future's size to
    // `big().await`, but frees 16 bytes of that await's state; a refactoring, not a quick fix.
    const onLabel = (await at('label = String')) ?? [];
    assert.deepStrictEqual(
      onLabel.map((a) => a.title),
      ['Put `label` in a `Box`'],
    );
    assert.ok(
      applyEdits(text, editsOf(onLabel[0], uri)).includes(
        'let label = Box::new(String::from("first"));',
      ),
    );
    // Nothing on a line that declares no held binding.
    assert.deepStrictEqual(await at('n + name.len()'), []);
  });
});
