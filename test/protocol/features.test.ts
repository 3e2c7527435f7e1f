/**
 * The editor's `rustFutureSize.cargo.*` settings: a document is analysed with its package's
 * features as cargo resolves them over the workspace (test/fixtures/features), and a change of
 * the settings analyses it, and its crate, again.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { futureHints, TempCrate } from './support/crates';
import { fixturesDir, LspSession, until } from './support/lspSession';

const workspaceFixture = path.join(fixturesDir, '..', 'features');
const TIMEOUT_MS = 15_000;

const SHOW_ALL = { inlayHints: { showAll: true } };

describe('features in the editor', () => {
  let lsp: LspSession;
  let workspace: TempCrate;
  let cargoHome: string;

  beforeEach(async () => {
    // The server reads cargo's config from CARGO_HOME: one of the test's own, never the user's.
    cargoHome = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-features-home-'));
    lsp = new LspSession({ CARGO_HOME: cargoHome });
    workspace = new TempCrate(workspaceFixture);
    // Every future's hint, the 1-byte `tick` included: the test reads which futures are compiled.
    lsp.settings = SHOW_ALL;
    await lsp.initialize(undefined, undefined, workspace.root);
  });
  afterEach(async () => {
    await lsp.dispose();
    workspace.dispose();
    fs.rmSync(cargoHome, { recursive: true, force: true });
  });

  it('sizes with the features cargo enables, and again when cargo.* settings change', async () => {
    const lib = await workspace.open(lsp, 'store/src/lib.rs');
    // Defaults, plus `big` which the workspace's `app` asks of `store`; `nope` is not declared.
    const defaults = await until(
      'hints with the default features',
      async () => {
        const hints = await futureHints(lsp, lib);
        return hints.hold ? hints : undefined;
      },
      TIMEOUT_MS,
    );
    assert.deepStrictEqual(defaults, {
      tick: 'future 1 B',
      hold: 'future 2072 B',
      cached: 'future 258 B',
      staged: 'future 514 B',
    });

    await lsp.configurationChanged({ ...SHOW_ALL, cargo: { features: 'all' } });
    await until(
      '`huge` counted',
      async () => ((await futureHints(lsp, lib)).hold === 'future 10264 B' ? true : undefined),
      TIMEOUT_MS,
    );

    await lsp.configurationChanged({
      ...SHOW_ALL,
      cargo: { features: [], noDefaultFeatures: true },
    });
    const noDefaults = await until(
      '`cache` off',
      async () => {
        const hints = await futureHints(lsp, lib);
        return hints.hold === 'future 2072 B' && !hints.cached ? hints : undefined;
      },
      TIMEOUT_MS,
    );
    assert.deepStrictEqual(Object.keys(noDefaults).sort(), ['hold', 'staged', 'tick']);
  });

  it('warns about a feature no package has, and uses the others', async () => {
    lsp.settings = { ...SHOW_ALL, cargo: { features: ['nope', 'store/huge'] } };
    const lib = await workspace.open(lsp, 'store/src/lib.rs');
    await until(
      '`huge` counted',
      async () => ((await futureHints(lsp, lib)).hold === 'future 10264 B' ? true : undefined),
      TIMEOUT_MS,
    );
    const warning = lsp.messages.find((m) => /cargo\.features/.test(m.message));
    assert.ok(warning, JSON.stringify(lsp.messages));
    assert.strictEqual(warning.type, 2 /* Warning */);
    assert.match(warning.message, /no package in .* has `nope`; the other features are used\.$/);
  });
});
