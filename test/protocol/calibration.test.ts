/**
 * "Measure Exact Sizes with rustc" through `workspace/executeCommand`, on a copy of
 * test/fixtures/lsp/crate: cargo really runs (nightly when installed, else RUSTC_BOOTSTRAP=1 as the
 * settings allow it), in the crate's target/rust-future-size.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import type { MeasureExactSizesResult } from '../../server/src/protocol';
import { crateFixture, futureHintObjects, futureHints, TempCrate } from './support/crates';
import { LspSession, positionOf, until } from './support/lspSession';

const MEASURE = 'rustFutureSize.measureExactSizes';
const CARGO_TIMEOUT_MS = 120_000;
const CALIBRATION = 'target/rust-future-size/calibration.json';

function hasCargo(): boolean {
  try {
    execFileSync('cargo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Both suites share one crate, in order: the second reads the measurements the first stored.
let crate: TempCrate;
let crateMade = false;
let lsp: LspSession;

function useSharedCrate(this: Mocha.Context): void {
  if (!hasCargo()) {
    this.skip();
  }
  if (!crateMade) {
    crate = new TempCrate(crateFixture);
    crateMade = true;
  }
}

async function start(
  initializationOptions?: unknown,
  settings: unknown = { calibration: { allowRustcBootstrap: true } },
): Promise<void> {
  lsp = new LspSession();
  // Every hint, small futures included: the crate's futures are a few bytes.
  lsp.settings = { inlayHints: { showAll: true }, ...(settings as object) };
  await lsp.initialize(undefined, initializationOptions, crate.root);
}

function disposeSharedCrate(): void {
  if (crateMade) {
    crate.dispose();
    crateMade = false;
  }
}

describe('calibration: measuring and stored measurements', function () {
  this.timeout(CARGO_TIMEOUT_MS * 2);
  before(useSharedCrate);
  afterEach(async () => {
    await lsp?.dispose();
  });

  it('measures the crate, shows (measured) sizes, and only an edited function is estimated again', async () => {
    await start();
    const app = await crate.open(lsp, 'src/app.rs');
    const wire = await crate.open(lsp, 'src/net/wire.rs');
    const estimated = await until(
      'the crate index',
      async () => {
        const now = await futureHints(lsp, app);
        return now.handle === 'future 1040 B' ? now : undefined;
      },
      15_000,
    );

    const result = await lsp.executeCommand<MeasureExactSizesResult>(
      MEASURE,
      [{ uri: app }],
      'measure-1',
    );
    assert.ok(result.ok, JSON.stringify(result));
    assert.strictEqual(result.crate, 'crate-index-demo');
    assert.strictEqual(result.measured, 6);
    assert.strictEqual(result.total, 6);
    assert.ok(fs.existsSync(crate.path(CALIBRATION)));
    // Progress on the client's token: cancellable, with cargo's steps, then done.
    const steps = lsp.progress.filter((p) => p.token === 'measure-1').map((p) => p.value);
    assert.strictEqual(steps[0].kind, 'begin');
    assert.strictEqual(steps[0].cancellable, true);
    assert.ok(
      steps.some((s) => /-Zprint-type-sizes/.test(s.message ?? '')),
      JSON.stringify(steps),
    );
    assert.strictEqual(steps[steps.length - 1].kind, 'end');
    assert.ok(
      lsp.messages.some(
        (m) => m.type === 3 && /measured 6 of 6 futures of `crate-index-demo`/.test(m.message),
      ),
      JSON.stringify(lsp.messages),
    );

    const measured = await until('measured hints', async () => {
      const now = await futureHints(lsp, app);
      return Object.values(now).every((l) => l.endsWith('(measured)')) ? now : undefined;
    });
    assert.deepStrictEqual(Object.keys(measured).sort(), Object.keys(estimated).sort());
    // With the reference compiler the estimates were already right: the same numbers, now from rustc.
    if (/^rustc 1\.9[5-9]/.test(result.rustc)) {
      assert.deepStrictEqual(
        measured,
        Object.fromEntries(Object.entries(estimated).map(([k, v]) => [k, `${v} (measured)`])),
      );
    }
    const wireMeasured = await futureHints(lsp, wire);
    assert.deepStrictEqual(Object.keys(wireMeasured), ['read_frame', 'write_frame']);
    assert.ok(
      Object.values(wireMeasured).every((l) => /^future \d+ B \(measured\)$/.test(l)),
      JSON.stringify(wireMeasured),
    );
    const tooltip = await lsp.tooltipOf((await futureHintObjects(lsp, app)).handle);
    assert.match(tooltip, /Measured by rustc \(`rustc [^`]+`\) on \d{4}-\d\d-\d\d \d\d:\d\d UTC/);

    // Edit one function: at once (the file's own analysis) and after the crate index, only it is estimated.
    const at = positionOf(lsp.text(app), '7u64');
    await lsp.change(app, [
      { range: { start: at, end: { line: at.line, character: at.character + 1 } }, text: '9' },
    ]);
    const immediate = await futureHints(lsp, app);
    assert.deepStrictEqual([immediate.reply, immediate.idle], [measured.reply, measured.idle]);
    assert.doesNotMatch(immediate.handle, /measured/);
    const version = lsp.version(app);
    const reindexed = await until(
      'the crate index after the edit',
      async () => {
        const now = await futureHints(lsp, app);
        return now.handle === estimated.handle ? now : undefined;
      },
      15_000,
    );
    assert.strictEqual(lsp.version(app), version);
    assert.deepStrictEqual(reindexed, {
      handle: estimated.handle,
      reply: measured.reply,
      idle: measured.idle,
    });
    assert.deepStrictEqual(await futureHints(lsp, wire), wireMeasured);
  });

  it('loads the stored measurements when the crate is opened again, and follows the file (the CLI writes it too)', async () => {
    await start();
    const app = await crate.open(lsp, 'src/app.rs');
    // The first answer, before any index: the file's own analysis already uses them.
    const first = await futureHints(lsp, app);
    assert.match(first.reply, /^future \d+ B \(measured\)$/);
    assert.match(first.idle, /^future \d+ B \(measured\)$/);

    const stored = crate.read(CALIBRATION);
    fs.rmSync(crate.path(CALIBRATION));
    await lsp.filesChanged([{ uri: crate.uri(CALIBRATION), type: 3 }]);
    await until('estimates again', async () =>
      (await futureHints(lsp, app)).idle === 'future 3 B' ? true : undefined,
    );
    crate.write(CALIBRATION, stored);
    await lsp.filesChanged([{ uri: crate.uri(CALIBRATION), type: 1 }]);
    await until('measured again', async () =>
      (await futureHints(lsp, app)).idle === first.idle ? true : undefined,
    );
  });
});

describe('calibration: errors, trust and progress', function () {
  this.timeout(CARGO_TIMEOUT_MS * 2);
  before(useSharedCrate);
  after(disposeSharedCrate);
  afterEach(async () => {
    await lsp?.dispose();
  });

  it('reports the first compiler error of a crate that does not build, and keeps the previous measurements', async () => {
    await start();
    const app = await crate.open(lsp, 'src/app.rs');
    const before = JSON.parse(crate.read(CALIBRATION)) as { createdAt: string };
    const original = crate.read('src/net/wire.rs');
    crate.write(
      'src/net/wire.rs',
      original.replace(
        'let buffer = [0u8; 1024];',
        'let buffer = [0u8; 1024];\n    let broken: u32 = "no";',
      ),
    );
    try {
      const result = await lsp.executeCommand<MeasureExactSizesResult>(MEASURE, [{ uri: app }]);
      assert.strictEqual(result.ok, false);
      assert.match(
        result.ok ? '' : result.error,
        /^error\[E0308\]: mismatched types \(src\/net\/wire\.rs:12:\d+\)$/,
      );
      const errors = lsp.messages.filter((m) => m.type === 1);
      assert.strictEqual(errors.length, 1, JSON.stringify(lsp.messages));
      assert.match(
        errors[0].message,
        /cannot measure `crate-index-demo`: error\[E0308\]: mismatched types .* The previous measurements are kept\.$/,
      );
      assert.strictEqual(
        (JSON.parse(crate.read(CALIBRATION)) as { createdAt: string }).createdAt,
        before.createdAt,
      );
      assert.match((await futureHints(lsp, app)).reply, /^future \d+ B \(measured\)$/);
    } finally {
      crate.write('src/net/wire.rs', original);
    }
  });

  it('is refused in an untrusted workspace, and runs once trust is granted; Cancel stops cargo', async () => {
    await start({ workspaceTrusted: false });
    const app = await crate.open(lsp, 'src/app.rs');
    const refused = await lsp.executeCommand<MeasureExactSizesResult>(MEASURE, [{ uri: app }]);
    assert.strictEqual(refused.ok, false);
    assert.match(
      refused.ok ? '' : refused.error,
      /disabled in untrusted workspaces: it builds the crate with cargo/,
    );
    assert.strictEqual(lsp.messages.filter((m) => m.type === 1).length, 1);
    assert.ok(
      !lsp.progress.length || lsp.progress.every((p) => !/Measuring/.test(p.value.title ?? '')),
    );

    await lsp.connection.sendNotification('rustFutureSize/workspaceTrust', { trusted: true });
    const cancel = new CancellationTokenSource();
    const running = lsp.executeCommand<MeasureExactSizesResult>(
      MEASURE,
      [{ uri: app }],
      'measure-2',
      cancel.token,
    );
    await until('cargo to start', () =>
      lsp.progress.some((p) => p.token === 'measure-2' && p.value.kind === 'begin')
        ? true
        : undefined,
    );
    cancel.cancel();
    const result = await running.catch(
      (error: unknown) =>
        ({ ok: false, error: String(error), cancelled: true }) as MeasureExactSizesResult,
    );
    assert.strictEqual(result.ok, false);
    assert.strictEqual(!result.ok && result.cancelled, true);
    await until('the progress to end', () =>
      lsp.progress.some((p) => p.token === 'measure-2' && p.value.kind === 'end')
        ? true
        : undefined,
    );
  });

  it('with a progress of its own, stops on window/workDoneProgress/cancel; measures again on save when asked to', async () => {
    await start(undefined, { calibration: { allowRustcBootstrap: true, onSave: true } });
    const app = await crate.open(lsp, 'src/app.rs');
    const running = lsp.executeCommand<MeasureExactSizesResult>(MEASURE, [app]);
    const token = await until(
      'a server-created progress',
      () =>
        lsp.progress.find((p) => p.value.kind === 'begin' && /^Measuring/.test(p.value.title ?? ''))
          ?.token,
    );
    await lsp.connection.sendNotification('window/workDoneProgress/cancel', { token });
    const result = await running;
    assert.strictEqual(!result.ok && result.cancelled, true, JSON.stringify(result));

    const before = (JSON.parse(crate.read(CALIBRATION)) as { createdAt: string }).createdAt;
    await lsp.save(app);
    await until(
      'a calibration on save',
      () => {
        const now = (JSON.parse(crate.read(CALIBRATION)) as { createdAt: string }).createdAt;
        return now !== before ? true : undefined;
      },
      CARGO_TIMEOUT_MS,
    );
    // Without a message: saves are routine.
    assert.strictEqual(
      lsp.messages.filter((m) => m.type === 3).length,
      0,
      JSON.stringify(lsp.messages),
    );
  });
});
