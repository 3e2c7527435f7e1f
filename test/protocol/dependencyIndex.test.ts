/**
 * Dependencies indexed in the background (`lsp/dependencyIndexer.ts`): a client that gives a
 * storage folder (`initializationOptions.cacheDir`) is told how far the indexing is, as a
 * work-done progress and in the status, and gets the open file's hints without waiting for it.
 * On a copy of `test/fixtures/workspaces/sized` (a path dependency, a renamed one, a vendored one).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TempCrate } from './support/crates';
import { LspSession, until } from './support/lspSession';
import type { ServerStatusParams } from '../../server/src/protocol';

const STATUS = 'rustFutureSize/serverStatus';
const INDEX_TIMEOUT_MS = 20_000;
const SIZED = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'workspaces', 'sized');

describe('dependencies indexed in the background', () => {
  let lsp: LspSession;
  let crate: TempCrate;
  let scratch: string;

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-depindex-'));
    fs.mkdirSync(path.join(scratch, 'cargo-home'));
    crate = new TempCrate(SIZED);
    // Cargo's own config files of this machine are not read: the workspace's `.cargo` is.
    lsp = new LspSession({ CARGO_HOME: path.join(scratch, 'cargo-home') });
  });

  afterEach(async () => {
    await lsp.dispose();
    crate.dispose();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('reports "Indexing dependencies n/3" and keeps them in the storage folder', async () => {
    const statuses: ServerStatusParams[] = [];
    lsp.connection.onNotification(STATUS, (params: ServerStatusParams) => statuses.push(params));
    const cacheDir = path.join(scratch, 'storage');
    await lsp.initialize(undefined, { serverStatus: true, cacheDir }, crate.root);
    const uri = await crate.open(lsp, 'src/lib.rs');
    const hints = await lsp.inlayHints(uri);
    assert.ok(hints && hints.length > 0, 'the open file has hints');

    await until(
      'the indexing to end',
      () => (lsp.logs.some((l) => l.startsWith('[dependencies] indexed')) ? true : undefined),
      INDEX_TIMEOUT_MS,
    );
    assert.ok(
      lsp.logs.some((l) => l.startsWith('[dependencies] indexed 3 of 3 dependencies in')),
      lsp.logs.filter((l) => l.startsWith('[dependencies]')).join('\n'),
    );
    const told = statuses.flatMap((s) => (s.dependencies ? [s.dependencies] : []));
    assert.deepStrictEqual(told.at(-1), { indexed: 3, total: 3 }, JSON.stringify(statuses));
    const begin = lsp.progress.find(
      (p) => p.value.kind === 'begin' && p.value.title === 'Indexing dependencies',
    );
    assert.ok(begin, JSON.stringify(lsp.progress));
    await until(
      'the progress to end',
      () =>
        lsp.progress.some((p) => p.value.kind === 'end' && p.token === begin.token) || undefined,
      INDEX_TIMEOUT_MS,
    );
    await until(
      'the status to be idle',
      () => (statuses.at(-1)?.state === 'idle' ? true : undefined),
      INDEX_TIMEOUT_MS,
    );
    assert.strictEqual(statuses.at(-1)?.dependencies, undefined, 'no progress once done');
    // The crate's own analysis may have kept the futures of the packages it awaits too.
    const kept = fs
      .readdirSync(path.join(cacheDir, 'packages-v1'))
      .filter((f) => f.includes('-items-'));
    assert.deepStrictEqual(kept.map((f) => f.replace(/-items-.*/, '')).sort(), [
      'pathdep',
      'shapes',
      'vend-0.1.0',
    ]);
  });

  it('indexes nothing in the background without a storage folder', async () => {
    await lsp.initialize(undefined, undefined, crate.root);
    const uri = await crate.open(lsp, 'src/lib.rs');
    await until(
      'crate-aware hints',
      async () => {
        const hints = (await lsp.inlayHints(uri)) ?? [];
        return lsp.logs.some((l) => l.startsWith('[crate] indexed')) ? hints : undefined;
      },
      INDEX_TIMEOUT_MS,
    );
    assert.ok(!lsp.logs.some((l) => l.startsWith('[dependencies]')), lsp.logs.join('\n'));
  });
});
