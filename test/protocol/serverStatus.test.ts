/**
 * What the status bar item is told (`rustFutureSize/serverStatus`, for clients that ask for it),
 * and a quiet log: a future skipped for a syntax error is traced, not logged.
 */
import * as assert from 'assert';
import { fixture, LspSession, until } from './support/lspSession';
import { crateFixture, labelOf, TempCrate } from './support/crates';
import type { ServerStatusParams } from '../../server/src/protocol';

const STATUS = 'rustFutureSize/serverStatus';
const INDEX_TIMEOUT_MS = 15_000;

/** A session that records the status notifications from the start. */
function sessionWithStatus(): { lsp: LspSession; statuses: ServerStatusParams[] } {
  const lsp = new LspSession();
  const statuses: ServerStatusParams[] = [];
  lsp.connection.onNotification(STATUS, (params: ServerStatusParams) => statuses.push(params));
  return { lsp, statuses };
}

/** `state` with its crate and file count, as one short line per notification. */
function summary(status: ServerStatusParams): string {
  const parts: string[] = [status.state];
  if (status.crate) {
    parts.push(status.crate);
  }
  if (status.files !== undefined) {
    parts.push(`${status.files} files`);
  }
  return parts.join(' ');
}

describe('server status', () => {
  let lsp: LspSession;
  let crate: TempCrate;

  afterEach(async () => {
    await lsp.dispose();
    crate?.dispose();
  });

  it('tells a client that asks: starting, indexing with the file count, idle', async () => {
    const session = sessionWithStatus();
    lsp = session.lsp;
    crate = new TempCrate(crateFixture);
    await lsp.initialize(undefined, { serverStatus: true }, crate.root);
    await crate.open(lsp, 'src/app.rs');
    await until(
      'the index, then idle',
      () =>
        session.statuses.some((s) => s.files === 4) && session.statuses.at(-1)?.state === 'idle'
          ? true
          : undefined,
      INDEX_TIMEOUT_MS,
    );
    const states = session.statuses.map(summary);
    assert.ok(['starting', 'idle'].includes(states[0]), states.join(', '));
    const from = states.indexOf('indexing crate-index-demo');
    assert.ok(from >= 0, states.join(', '));
    // Reading the module tree, then analysing the files: no idle in between.
    assert.deepStrictEqual(states.slice(from), [
      'indexing crate-index-demo',
      'indexing crate-index-demo 4 files',
      'idle',
    ]);
    assert.strictEqual(session.statuses[from + 1].message, 'analysing 4 files');
    assert.ok(session.statuses.every((s) => s.lastError === null));
    // Each notification says something new.
    for (let i = 1; i < session.statuses.length; i++) {
      assert.notDeepStrictEqual(session.statuses[i], session.statuses[i - 1]);
    }
  });

  it('keeps the last error: a measurement that fails', async function () {
    this.timeout(120_000);
    const session = sessionWithStatus();
    lsp = session.lsp;
    // rustc cannot build this crate, so neither can the measurement.
    crate = new TempCrate(null, {
      'Cargo.toml': '[package]\nname = "broken-build"\nversion = "0.1.0"\nedition = "2021"\n',
      'src/lib.rs': 'pub async fn f() -> u32 { let x: u32 = "text"; x }\n',
    });
    await lsp.initialize(undefined, { serverStatus: true }, crate.root);
    const uri = await crate.open(lsp, 'src/lib.rs');
    const result = await lsp.executeCommand<{ ok: boolean; error?: string }>(
      'rustFutureSize.measureExactSizes',
      [{ uri }],
    );
    assert.strictEqual(result.ok, false);
    const last = await until('the error in the status', () => {
      const status = session.statuses.at(-1);
      return status?.state === 'idle' && status.lastError ? status : undefined;
    });
    assert.ok(
      session.statuses.some((s) => s.state === 'measuring' && s.crate === 'broken-build'),
      session.statuses.map(summary).join(', '),
    );
    assert.match(last.lastError!.message, /^measuring broken-build failed: /);
    assert.ok(!Number.isNaN(Date.parse(last.lastError!.at)));
  });

  it('tells nothing to a client that does not ask', async () => {
    const session = sessionWithStatus();
    lsp = session.lsp;
    crate = new TempCrate(crateFixture);
    await lsp.initialize(undefined, undefined, crate.root);
    await crate.open(lsp, 'src/app.rs');
    await until(
      'the index',
      () => (lsp.logs.some((l) => l.includes('[crate] indexed')) ? true : undefined),
      INDEX_TIMEOUT_MS,
    );
    assert.deepStrictEqual(session.statuses, []);
  });
});

describe('a quiet log', () => {
  let lsp: LspSession;
  afterEach(() => lsp.dispose());

  /** A fn typed halfway (`x.len(` not closed yet): its future is skipped for a syntax error. */
  const HALF_TYPED = `async fn g() {}
pub async fn f() {
    let x = [0u8; 64];
    let y = x.len(
    g().await;
}
pub async fn h() { g().await; }
`;

  /** Opens a half-typed document and waits for its analysis; the traces sent meanwhile. */
  async function openHalfTyped(): Promise<string[]> {
    const traces: string[] = [];
    lsp.connection.onNotification('$/logTrace', (params: { message: string }) =>
      traces.push(params.message),
    );
    const uri = fixture('guard.rs').uri.replace('guard.rs', 'half-typed-fn.rs');
    await lsp.open(uri, HALF_TYPED);
    await lsp.waitForDiagnostics(uri);
    // The analysis did skip `f`: `h` has its hint, `f` none.
    const hints = (await lsp.inlayHints(uri)) ?? [];
    assert.deepStrictEqual(
      hints.filter((h) => labelOf(h).startsWith('future')).map((h) => h.position.line),
      [0, 6],
    );
    return traces;
  }

  it('traces a future skipped for a syntax error instead of logging it', async () => {
    lsp = new LspSession();
    // Every future's hint, the 1-byte ones included: the test reads which futures were skipped.
    lsp.settings = { inlayHints: { showAll: true } };
    await lsp.initialize();
    await lsp.connection.sendNotification('$/setTrace', { value: 'verbose' });
    const traces = await openHalfTyped();
    const skipped = (line: string) => /: skipped: syntax error/.test(line);
    await until('the trace', () => (traces.some(skipped) ? true : undefined));
    assert.ok(!lsp.logs.some(skipped), lsp.logs.join('\n'));
  });

  it('says nothing of it when the trace is off (the default)', async () => {
    lsp = new LspSession();
    lsp.settings = { inlayHints: { showAll: true } };
    await lsp.initialize();
    const traces = await openHalfTyped();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepStrictEqual(traces, []);
    assert.ok(!lsp.logs.some((l) => /skipped: syntax error/.test(l)), lsp.logs.join('\n'));
  });
});
