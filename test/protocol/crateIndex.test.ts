/**
 * The crate index: every file of an open document's crate analysed together in the background,
 * on test/fixtures/lsp/crate (`app::handle` awaits `net::wire::read_frame`, two modules away).
 */
import * as assert from 'assert';
import { crateFixture, futureHints, TempCrate } from './support/crates';
import { delay, LspSession, positionOf, until } from './support/lspSession';

const INDEX_TIMEOUT_MS = 15_000;

let lsp: LspSession;
let crate: TempCrate;

/** Each test gets its own copy of the crate and a server opened on it. */
function freshCratePerTest(): void {
  beforeEach(async () => {
    lsp = new LspSession();
    // Every hint, small futures included: the crate's futures are a few bytes.
    lsp.settings = { inlayHints: { showAll: true } };
    crate = new TempCrate(crateFixture);
    await lsp.initialize(undefined, undefined, crate.root);
  });
  afterEach(async () => {
    await lsp.dispose();
    crate.dispose();
  });
}

describe('crate index', () => {
  freshCratePerTest();

  it('sizes a future that awaits a fn two modules away exactly once the index completes, with a progress', async () => {
    const app = await crate.open(lsp, 'src/app.rs');
    // At once, from the file alone: the awaited future is unknown, so a lower bound.
    const first = await futureHints(lsp, app);
    assert.match(first.handle, /^future ≥ \d+ B$/);
    assert.strictEqual(first.idle, 'future ≥ 1 B');

    const hints = await until(
      'crate-aware hints',
      async () => {
        const now = await futureHints(lsp, app);
        return now.handle === 'future 1040 B' ? now : undefined;
      },
      INDEX_TIMEOUT_MS,
    );
    assert.deepStrictEqual(hints, {
      handle: 'future 1040 B',
      reply: 'future 1060 B',
      idle: 'future 3 B',
    });
    assert.ok(lsp.inlayHintRefreshes >= 1, 'the client is asked to refresh its hints');
    // The first index of a crate shows a progress: begin with the crate's name, then end.
    const kinds = lsp.progress.map(
      (p) => `${p.value.kind}${p.value.title ? ` ${p.value.title}` : ''}`,
    );
    assert.strictEqual(kinds[0], 'begin Indexing crate-index-demo');
    assert.strictEqual(kinds[kinds.length - 1], 'end');
    assert.ok(
      lsp.logs.some((l) => /\[crate\] indexed crate-index-demo: 4 files, 6 futures/.test(l)),
      lsp.logs.join('\n'),
    );
  });

  it('follows edits of another open file, and keeps crate-aware sizes while the edited file waits for the index', async () => {
    const app = await crate.open(lsp, 'src/app.rs');
    const wire = await crate.open(lsp, 'src/net/wire.rs');
    await until(
      'index',
      async () => ((await futureHints(lsp, app)).handle === 'future 1040 B' ? true : undefined),
      INDEX_TIMEOUT_MS,
    );
    const appVersion = lsp.version(app);

    const at = positionOf(lsp.text(wire), '1024]');
    await lsp.change(wire, [
      { range: { start: at, end: { line: at.line, character: at.character + 4 } }, text: '4096' },
    ]);
    const after = await until(
      'the other file’s hint to follow',
      async () => {
        const now = await futureHints(lsp, app);
        return now.handle === 'future 4112 B' ? now : undefined;
      },
      INDEX_TIMEOUT_MS,
    );
    assert.strictEqual(after.reply, 'future 1060 B');
    assert.strictEqual(lsp.version(app), appVersion, 'app.rs itself did not change');
    assert.strictEqual((await futureHints(lsp, wire)).read_frame, 'future 4099 B');

    // Typing in app.rs: its own analysis runs at once, and `handle`, unchanged, keeps its crate-aware size.
    const top = positionOf(lsp.text(app), 'pub async fn idle');
    await lsp.change(app, [{ range: { start: top, end: top }, text: '// a comment\n' }]);
    const immediate = await futureHints(lsp, app);
    assert.strictEqual(immediate.handle, 'future 4112 B');
    assert.strictEqual(immediate.idle, 'future 3 B');
  });
});

describe('crate index: files on disk', () => {
  freshCratePerTest();

  it('reads closed files from disk and indexes them again on workspace/didChangeWatchedFiles, new modules included', async () => {
    const app = await crate.open(lsp, 'src/app.rs');
    await until(
      'index',
      async () => ((await futureHints(lsp, app)).handle === 'future 1040 B' ? true : undefined),
      INDEX_TIMEOUT_MS,
    );
    assert.ok(
      lsp.registrations.some(
        (r) =>
          r.method === 'workspace/didChangeWatchedFiles' &&
          JSON.stringify(r.registerOptions).includes('**/*.rs'),
      ),
    );

    crate.write(
      'src/net/wire.rs',
      crate.read('src/net/wire.rs').replace('[0u8; 1024]', '[0u8; 2048]'),
    );
    await lsp.filesChanged([{ uri: crate.uri('src/net/wire.rs'), type: 2 }]);
    await until(
      'the re-index',
      async () => ((await futureHints(lsp, app)).handle === 'future 2064 B' ? true : undefined),
      INDEX_TIMEOUT_MS,
    );

    // A new module on disk, and app.rs (open, unsaved) awaiting a fn in it.
    crate.write(
      'src/net/big.rs',
      'pub async fn big() -> usize {\n    let block = [0u8; 300];\n    crate::pause().await;\n    block.len()\n}\n',
    );
    crate.write('src/net/mod.rs', 'pub mod big;\npub mod wire;\n');
    await lsp.filesChanged([
      { uri: crate.uri('src/net/big.rs'), type: 1 },
      { uri: crate.uri('src/net/mod.rs'), type: 2 },
    ]);
    const end = { line: lsp.text(app).split('\n').length - 1, character: 0 };
    await lsp.change(app, [
      {
        range: { start: end, end },
        text: '\npub async fn uses_big() -> usize {\n    crate::net::big::big().await\n}\n',
      },
    ]);
    const hints = await until(
      'the new module in the index',
      async () => {
        const now = await futureHints(lsp, app);
        return now.uses_big === 'future 304 B' ? now : undefined;
      },
      INDEX_TIMEOUT_MS,
    );
    assert.strictEqual(hints.handle, 'future 2064 B');
  });
});

describe('crate index: manifests, closing and cycles', () => {
  freshCratePerTest();

  it('warns once about a Cargo.toml that does not parse, and still gives hints', async () => {
    crate.write('Cargo.toml', '[package]\nname = "crate-index-demo\nedition = 2021\n');
    const app = await crate.open(lsp, 'src/app.rs');
    const wire = await crate.open(lsp, 'src/net/wire.rs');
    assert.ok(Object.keys(await futureHints(lsp, app)).length === 3, 'hints at once');
    await until('the warning', () => (lsp.messages.length ? true : undefined), INDEX_TIMEOUT_MS);
    // The files are still indexed together.
    await until(
      'index',
      async () => ((await futureHints(lsp, app)).handle === 'future 1040 B' ? true : undefined),
      INDEX_TIMEOUT_MS,
    );
    const at = positionOf(lsp.text(wire), '1024]');
    await lsp.change(wire, [
      { range: { start: at, end: { line: at.line, character: at.character + 4 } }, text: '2048' },
    ]);
    await until(
      're-index',
      async () => ((await futureHints(lsp, app)).handle === 'future 2064 B' ? true : undefined),
      INDEX_TIMEOUT_MS,
    );
    assert.strictEqual(lsp.messages.length, 1, JSON.stringify(lsp.messages));
    assert.strictEqual(lsp.messages[0].type, 2 /* Warning */);
    assert.match(
      lsp.messages[0].message,
      /Cargo\.toml: does not parse .*its files are still analysed/,
    );
  });

  it('keeps a crate a while after its last document closes, then drops it; opening one indexes it again', async () => {
    await lsp.dispose();
    // The grace period, 30 s in use, shortened.
    lsp = new LspSession({ RUST_FUTURE_SIZE_CRATE_GRACE_MS: '500' });
    lsp.settings = { inlayHints: { showAll: true } };
    await lsp.initialize(undefined, undefined, crate.root);
    const app = await crate.open(lsp, 'src/app.rs');
    await until(
      'index',
      async () => ((await futureHints(lsp, app)).handle === 'future 1040 B' ? true : undefined),
      INDEX_TIMEOUT_MS,
    );
    const begins = () => lsp.progress.filter((p) => p.value.kind === 'begin').length;
    assert.strictEqual(begins(), 1);

    // Closed and opened again at once (a preview tab): the index is still there, and answers at once.
    await lsp.close(app);
    await crate.open(lsp, 'src/app.rs');
    assert.strictEqual((await futureHints(lsp, app)).handle, 'future 1040 B');
    await delay(700);
    assert.strictEqual(begins(), 1);

    await lsp.close(app);
    await delay(700);
    await crate.open(lsp, 'src/app.rs');
    assert.match(
      (await futureHints(lsp, app)).handle,
      /^future ≥/,
      'dropped: the file alone again',
    );
    await until(
      'a second first index',
      () => (begins() === 2 ? true : undefined),
      INDEX_TIMEOUT_MS,
    );
    await until(
      'index',
      async () => ((await futureHints(lsp, app)).handle === 'future 1040 B' ? true : undefined),
      INDEX_TIMEOUT_MS,
    );
  });

  it('does not hang on cyclic modules and `use` loops', async () => {
    const cyclic = new TempCrate(null, {
      'Cargo.toml': '[package]\nname = "cyclic"\nversion = "0.1.0"\nedition = "2021"\n',
      'src/lib.rs': 'pub mod a;\npub mod b;\n#[path = "lib.rs"]\npub mod again;\npub use a::*;\n',
      'src/a.rs':
        'pub use crate::b::*;\npub type Loop = crate::b::Pool;\n#[path = "b.rs"]\npub mod b_again;\npub async fn fa() { let x = [0u8; 8]; crate::b::fb().await; let _ = x; }\n',
      'src/b.rs':
        'pub use crate::a::*;\npub type Pool = crate::a::Loop;\npub async fn fb() { let p: Option<Pool> = None; crate::a::fa_boxed().await; let _ = p; }\npub async fn fa_boxed() { Box::pin(crate::a::fa()).await }\n',
    });
    try {
      const a = await cyclic.open(lsp, 'src/a.rs');
      await until(
        'the index of the cyclic crate',
        () => (lsp.logs.some((l) => /\[crate\] indexed cyclic/.test(l)) ? true : undefined),
        INDEX_TIMEOUT_MS,
      );
      const hints = await futureHints(lsp, a);
      assert.ok(hints.fa, JSON.stringify(hints));
      assert.strictEqual(lsp.process.exitCode, null);
    } finally {
      cyclic.dispose();
    }
  });
});
