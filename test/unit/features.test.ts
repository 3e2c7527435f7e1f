/**
 * Features as cargo resolves them: `#[cfg(feature = "...")]` evaluated in a package's feature set
 * (an undeclared feature is off), the configuration of a workspace (`buildConfiguration.ts`,
 * checked against what `cargo metadata` says for the fixture workspace `test/fixtures/features`),
 * the CLI's
 * `--features`, `--all-features`, `--no-default-features`, the editor's `cargo.*` settings, and the
 * fixture's futures against rustc compiled with the same features.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadServerModule } from '../support/repoPaths';
import { requireRustc } from '../support/rustcCorpus';
import * as runner from '../support/runRustc';

const cfg =
  loadServerModule<typeof import('../../server/src/analysis/syntax/cfg')>('analysis/syntax/cfg');
const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const configurations = loadServerModule<
  typeof import('../../server/src/project/buildConfiguration')
>('project/buildConfiguration');
const args = loadServerModule<typeof import('../../server/src/cli/args')>('cli/args');
const settings = loadServerModule<typeof import('../../server/src/lsp/settings')>('lsp/settings');
const parser =
  loadServerModule<typeof import('../../server/src/analysis/syntax/parser')>(
    'analysis/syntax/parser',
  );
const gatedModules = loadServerModule<
  typeof import('../../server/src/analysis/syntax/gatedModules')
>('analysis/syntax/gatedModules');
const rustcOut =
  loadServerModule<typeof import('../../server/src/measure/printTypeSizes')>(
    'measure/printTypeSizes',
  );

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const cli = path.join(repoRoot, 'bin', 'rust-future-size.js');
const workspace = path.join(repoRoot, 'test', 'fixtures', 'features');
const store = path.join(workspace, 'store');
const app = path.join(workspace, 'app');

/** A CARGO_HOME of the test's own, so the user's cargo config is never read. */
const cargoHome = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-features-cargo-home-'));
const env = { CARGO_HOME: cargoHome, HOME: cargoHome };
after(() => fs.rmSync(cargoHome, { recursive: true, force: true }));

function options(features: string[] = [], flags: { all?: boolean; noDefault?: boolean } = {}) {
  return { features, allFeatures: flags.all === true, noDefaultFeatures: flags.noDefault === true };
}

/** Each member's enabled features, by package folder name. */
function resolved(
  features: string[] = [],
  flags: { all?: boolean; noDefault?: boolean } = {},
): Record<string, string[]> {
  const loaded = configurations.loadWorkspaceConfiguration(store, options(features, flags), env);
  assert.ok(loaded);
  return Object.fromEntries(
    [...loaded.cfgs].map(([root, c]) => [
      path.basename(root),
      c.features === true ? ['*'] : [...c.features].sort(),
    ]),
  );
}

describe('features: cfg evaluation', () => {
  const big = cfg.cfgWithFeatures(['default', 'big']);

  it('is true for enabled features only; declared-but-off and undeclared ones are false', () => {
    const evaluate = (text: string) => cfg.evalCfg(cfg.parseCfgPredicate(text)!, big);
    assert.strictEqual(evaluate('feature = "big"'), true);
    assert.strictEqual(evaluate('feature = "cache"'), false);
    assert.strictEqual(evaluate('feature = "nope"'), false);
    assert.strictEqual(evaluate('not(feature = "nope")'), true);
    assert.strictEqual(evaluate('all(unix, feature = "big", not(feature = "huge"))'), true);
    // Everything but the features is the host's.
    assert.strictEqual(evaluate('target_os = "linux"'), true);
    assert.strictEqual(evaluate('test'), null);
  });

  it('evaluates gates in the cfg withCfg sets, inherited by nested calls, and restores it', () => {
    const gate = '#[cfg(feature = "cache")]';
    assert.strictEqual(cfg.attributeKeeps(gate), true, 'outside any cfg: every feature is on');
    cfg.withCfg(big, () => {
      assert.strictEqual(cfg.attributeKeeps(gate), false);
      cfg.withCfg(undefined, () => assert.strictEqual(cfg.attributeKeeps(gate), false));
      cfg.withCfg(cfg.HOST_CFG, () => assert.strictEqual(cfg.attributeKeeps(gate), true));
    });
    assert.throws(() =>
      cfg.withCfg(big, () => {
        throw new Error('boom');
      }),
    );
    assert.strictEqual(cfg.currentCfg(), cfg.HOST_CFG);
  });

  it('tells cfgs apart by their features in cache keys', () => {
    assert.strictEqual(cfg.cfgKey(undefined), cfg.cfgKey(cfg.HOST_CFG));
    assert.strictEqual(cfg.cfgKey(big), cfg.cfgKey(cfg.cfgWithFeatures(['big', 'default'])));
    assert.notStrictEqual(cfg.cfgKey(big), cfg.cfgKey(cfg.cfgWithFeatures(['default'])));
    assert.notStrictEqual(cfg.cfgKey(big), cfg.cfgKey(cfg.HOST_CFG));
  });

  it('leaves fns, fields and statements of features that are off out of the analysis', async () => {
    await engine.initAnalysis();
    const text = fs.readFileSync(path.join(store, 'src', 'lib.rs'), 'utf8');
    const analyse = (c?: import('../../server/src/analysis/syntax/cfg').CfgEnv) =>
      new Map(
        engine
          .analyzeSource(text, { file: 'lib.rs', edition: '2021', cfg: c })
          .futures.map((f) => [f.name, f.size]),
      );
    const allOn = analyse();
    assert.deepStrictEqual([...allOn.keys()].sort(), ['cached', 'hold', 'never', 'staged', 'tick']);
    const bigOnly = analyse(cfg.cfgWithFeatures(['big']));
    assert.deepStrictEqual([...bigOnly.keys()].sort(), ['hold', 'staged', 'tick']);
    const none = analyse(cfg.cfgWithFeatures([]));
    assert.ok(bigOnly.get('hold')! > none.get('hold')!, 'the `big` field counts only with `big`');
    assert.ok(bigOnly.get('staged')! > none.get('staged')!);
  });
});

describe('features: module files a gated `mod` leaves out', () => {
  /** The files left out of a crate of `files` (path → text) with `features` on, and why. */
  function leftOut(files: Record<string, string>, features: string[]): Record<string, string> {
    return cfg.withCfg(cfg.cfgWithFeatures(features), () => {
      const declaring = Object.entries(files).map(([file, text]) => {
        const tree = parser.parseRust(text);
        try {
          const declarations = gatedModules.moduleDeclarations(tree.rootNode, file);
          return { file, declarations, root: /(main|lib)\.rs$/.test(file) };
        } finally {
          tree.delete();
        }
      });
      return Object.fromEntries(gatedModules.gatedOutFiles(declaring));
    });
  }

  before(() => parser.initParser());

  it('leaves out a file only gated-off declarations name, and every module below it', () => {
    const crate = {
      'src/lib.rs': '#[cfg(feature = "a")]\nmod x;\nmod y;\n',
      'src/x.rs': 'mod deep;\n',
      'src/x/deep.rs': 'pub async fn f() {}\n',
      'src/y/mod.rs': [
        '#[cfg(feature = "nope")] mod z;',
        'mod inline { #[cfg(feature = "a")] mod w; }',
      ].join('\n'),
      'src/y/z.rs': '',
      'src/y/inline/w.rs': '',
      'src/stray.rs': '',
    };
    assert.deepStrictEqual(leftOut(crate, ['a']), {
      'src/y/z.rs':
        '`#[cfg(feature = "nope")]` on `mod z` in src/y/mod.rs leaves this file out of the build',
    });
    assert.deepStrictEqual(Object.keys(leftOut(crate, [])).sort(), [
      'src/x.rs',
      'src/x/deep.rs',
      'src/y/inline/w.rs',
      'src/y/z.rs',
    ]);
    assert.match(leftOut(crate, [])['src/x/deep.rs'], /declares it is left out/);
  });

  it('keeps roots and files another declaration compiles; follows #[path] and #![cfg]', () => {
    const crate = {
      'src/main.rs': [
        '#[path = "main.rs"] mod again;',
        '#[cfg(feature = "a")] #[path = "imp.rs"] mod imp_a;',
        '#[cfg(not(feature = "a"))] #[path = "imp.rs"] mod imp;',
        '#[path = "gated.rs"] mod gated;',
      ].join('\n'),
      'src/imp.rs': '',
      'src/gated.rs': '#![cfg(feature = "a")]\nmod child;\n',
      'src/gated/child.rs': '',
    };
    assert.deepStrictEqual(Object.keys(leftOut(crate, [])), ['src/gated/child.rs']);
    assert.deepStrictEqual(leftOut(crate, ['a']), {});
  });
});

describe('features: a workspace resolved as cargo resolves it', () => {
  // Each expectation is what `cargo metadata --offline` prints for the fixture with the same flags.
  it('unifies defaults and what members ask of each other', () => {
    assert.deepStrictEqual(resolved(), { store: ['big', 'cache', 'default'], app: [] });
  });

  it('takes --no-default-features, --features FEATURE and PACKAGE/FEATURE as cargo does', () => {
    assert.deepStrictEqual(resolved([], { noDefault: true }), { store: ['big'], app: [] });
    assert.deepStrictEqual(resolved(['store/huge'], { noDefault: true }), {
      store: ['big', 'huge'],
      app: [],
    });
    assert.deepStrictEqual(resolved(['extra'], { noDefault: true }), {
      store: ['big', 'huge'],
      app: ['extra'],
    });
  });

  it('enables every feature of every member with --all-features', () => {
    assert.deepStrictEqual(resolved([], { all: true }), {
      store: ['big', 'cache', 'default', 'huge'],
      app: ['extra'],
    });
  });

  it('names the features no member has, as cargo refuses them', () => {
    const loaded = configurations.loadWorkspaceConfiguration(
      app,
      options(['nope', 'huge', 'app/extra', 'store/big', 'store/none']),
      env,
    );
    assert.deepStrictEqual(loaded?.unknownFeatures, ['nope']);
    assert.match(loaded?.notices.join('\n') ?? '', /store@0\.1\.0 has no feature `none`/);
  });

  it('gives a package outside any workspace no cfg, and loads each workspace once', () => {
    let loads = 0;
    const cache = new configurations.BuildConfigurations(options(), env, () => loads++);
    assert.strictEqual(cache.cfgFor(os.tmpdir()), undefined);
    const storeCfg = cache.cfgFor(path.join(store, 'src'));
    assert.ok(storeCfg && storeCfg.features !== true && storeCfg.features.has('big'));
    assert.ok(cache.cfgFor(app));
    assert.strictEqual(loads, 1);
  });
});

describe('features: CLI switches', () => {
  it('parses -F/--features (repeatable), --all-features, --no-default-features', () => {
    const run = args.parseCliArgs([
      '-F',
      'a,b',
      '--features',
      'store/huge c',
      '--no-default-features',
    ]);
    assert.deepStrictEqual((run as { features?: unknown }).features, {
      features: ['a', 'b', 'store/huge', 'c'],
      allFeatures: false,
      noDefaultFeatures: true,
    });
    const all = args.parseCliArgs(['--all-features']) as { features?: unknown };
    assert.deepStrictEqual(all.features, {
      features: [],
      allFeatures: true,
      noDefaultFeatures: false,
    });
    assert.strictEqual('features' in args.parseCliArgs(['src']), false);
  });

  it('refuses feature names cargo would refuse, with the value named', () => {
    for (const bad of ['dep:x', 'a/b/c', 'x?/y', '-x', ' , ']) {
      assert.throws(() => args.parseCliArgs([`--features=${bad}`]), {
        name: 'UsageError',
        message: /for --features/,
      });
    }
  });

  it('exits with the usage status when no package has a requested feature', () => {
    const r = spawnSync(process.execPath, [cli, '--features', 'nope', store], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    assert.strictEqual(r.status, 2, r.stderr);
    assert.match(r.stderr, /error: no package in the workspace at .* has the feature `nope`/);
  });
});

describe('features: editor settings', () => {
  it('reads rustFutureSize.cargo.features as a list or "all", and noDefaultFeatures', () => {
    const parsed = settings.parseSettings({ cargo: { features: ['store/huge'] } });
    assert.ok(parsed.ok);
    const listed = settings.featureOptionsOf(parsed.settings.cargo);
    assert.deepStrictEqual(listed, options(['store/huge']));
    const all = settings.parseSettings({ cargo: { features: 'all', noDefaultFeatures: true } });
    assert.ok(all.ok);
    assert.deepStrictEqual(
      settings.featureOptionsOf(all.settings.cargo),
      options([], { all: true, noDefault: true }),
    );
    assert.deepStrictEqual(settings.defaultSettings().cargo, {
      features: [],
      noDefaultFeatures: false,
    });
  });

  it('rejects a wrong value with the setting named and a reason', () => {
    const problems = (raw: unknown) => {
      const parsed = settings.parseSettings(raw);
      assert.ok(!parsed.ok);
      return parsed.problems;
    };
    assert.deepStrictEqual(problems({ cargo: { features: 'some' } }), [
      '`rustFutureSize.cargo.features`: expected "all" or a list of feature names',
    ]);
    assert.deepStrictEqual(problems({ cargo: { features: ['a b'] } }), [
      '`rustFutureSize.cargo.features.0`: "a b" is not a feature name (FEATURE or PACKAGE/FEATURE)',
    ]);
    assert.match(problems({ cargo: { noDefaultFeatures: 'yes' } })[0], /noDefaultFeatures/);
  });
});

describe('features: the fixture workspace against rustc', function () {
  this.timeout(180_000);

  /** rustc's future sizes for store's lib built with these features. */
  async function rustcSizes(features: string[]): Promise<Map<string, number>> {
    const result = await runner.runPrintTypeSizesAsync('src/lib.rs', '2021', {
      cwd: store,
      extraArgs: features.flatMap((f) => ['--cfg', `feature="${f}"`]),
    });
    assert.ok(result.ok, result.ok ? '' : result.error);
    return new Map(
      rustcOut
        .futuresFromTypes(rustcOut.parsePrintTypeSizes(result.stdout))
        .map((f) => [f.name, f.size]),
    );
  }

  function cliSizes(flags: string[]): Map<string, number | null> {
    const r = spawnSync(process.execPath, [cli, '--format', 'json', ...flags, store], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    assert.strictEqual(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      futures: { name: string; size: number | null; exact: boolean }[];
    };
    for (const f of out.futures) {
      assert.strictEqual(f.exact, true, `${f.name} is exact`);
    }
    return new Map(out.futures.map((f) => [f.name, f.size]));
  }

  before(() => requireRustc());

  for (const [flags, features] of [
    [[], ['big', 'cache', 'default']],
    [['--no-default-features'], ['big']],
    [
      ['--no-default-features', '--features', 'store/huge'],
      ['big', 'huge'],
    ],
    [['--all-features'], ['big', 'cache', 'default', 'huge']],
  ] as [string[], string[]][]) {
    it(`sizes every future as rustc does with ${flags.join(' ') || 'the defaults'}`, async () => {
      const expected = await rustcSizes(features);
      assert.deepStrictEqual(
        [...cliSizes(flags)].sort(),
        [...expected].sort(),
        `features [${features.join(', ')}]`,
      );
    });
  }
});
