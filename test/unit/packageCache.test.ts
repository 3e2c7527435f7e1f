/**
 * The persistent package cache (`project/packageCache.ts`) and what is kept in it: each
 * dependency's indexed items (`CrateModules.packageItems`), keyed so that an edited path
 * dependency is indexed again, and the CLI's `--cache-dir`, which must not change a report.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DependencyIndexStep } from '../../server/src/lsp/crateJobs';
import type { DependencyIndexRunner } from '../../server/src/lsp/dependencyIndexer';
import type { PackageCacheKey } from '../../server/src/project/packageCache';
import { findUpwards, loadServerModule } from '../support/repoPaths';

const cacheModule =
  loadServerModule<typeof import('../../server/src/project/packageCache')>('project/packageCache');
const loader = loadServerModule<typeof import('../../server/src/project/dependencyLoader')>(
  'project/dependencyLoader',
);
const modules = loadServerModule<typeof import('../../server/src/analysis/deps/crateModules')>(
  'analysis/deps/crateModules',
);
const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const args = loadServerModule<typeof import('../../server/src/cli/args')>('cli/args');

const repoRoot = findUpwards(__dirname, (dir) =>
  fs.existsSync(path.join(dir, 'bin', 'rust-future-size.js')),
)!;
const SIZED = path.join(repoRoot, 'test', 'fixtures', 'workspaces', 'sized');

const { PackageCache } = cacheModule;

function key(overrides: Partial<PackageCacheKey> = {}): PackageCacheKey {
  return {
    package: 'registry+https://github.com/rust-lang/crates.io-index#demo@1.0.0',
    version: '1.0.0',
    root: '/registry/demo-1.0.0',
    features: ['default'],
    cfg: 'host',
    sources: '',
    kind: 'items',
    ...overrides,
  };
}

/** `get` with a compute that counts its calls. */
function counted<T>(value: T): { compute: () => T; calls: () => number } {
  let calls = 0;
  return {
    compute: () => {
      calls++;
      return value;
    },
    calls: () => calls,
  };
}

let tempRoot: string;

before(async () => {
  tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-package-cache-'));
  await engine.initAnalysis();
});

after(() => fs.rmSync(tempRoot, { recursive: true, force: true }));

function folder(name: string): string {
  return path.join(tempRoot, name);
}

function keptFiles(directory: string): string[] {
  return fs.readdirSync(path.join(directory, `packages-v${cacheModule.PACKAGE_CACHE_FORMAT}`));
}

describe('package cache', () => {
  it('computes a value once and gives it back in a later run', () => {
    const dir = folder('round-trip');
    const value = { types: [['A', { kind: 'struct', fields: [] }]], n: 3, nothing: null };
    const first = counted(value);
    assert.deepStrictEqual(new PackageCache(dir).get(key(), first.compute), value);
    assert.strictEqual(first.calls(), 1);

    const later = new PackageCache(dir);
    const again = counted({ other: true });
    assert.deepStrictEqual(later.get(key(), again.compute), value);
    assert.strictEqual(again.calls(), 0, 'read back, not computed');
    assert.deepStrictEqual(later.peek(key()), value);
    assert.strictEqual(later.peek(key({ kind: 'futures' })), undefined);
    assert.strictEqual(keptFiles(dir).length, 1);
    assert.ok(!keptFiles(dir).some((f) => f.endsWith('.tmp')), 'no temporary file left');
  });

  it('keeps a value per package, version, features, cfg, sources, kind and build', () => {
    const dir = folder('keys');
    const cache = new PackageCache(dir, { toolStamp: 'build-1' });
    const variants: Partial<PackageCacheKey>[] = [
      {},
      { version: '1.0.1' },
      { root: '/elsewhere/demo-1.0.0' },
      { features: ['default', 'net'] },
      { cfg: 'other' },
      { sources: 'stamp' },
      { kind: 'futures' },
    ];
    variants.forEach((variant, i) => cache.get(key(variant), () => i));
    const reread = new PackageCache(dir, { toolStamp: 'build-1' });
    variants.forEach((variant, i) => assert.strictEqual(reread.peek(key(variant)), i));
    // Features are a set: their order makes no new key.
    assert.strictEqual(reread.peek(key({ features: ['net', 'default'] })), 3);
    const otherBuild = new PackageCache(dir, { toolStamp: 'build-2' });
    assert.strictEqual(otherBuild.peek(key()), undefined, "another build's values are not read");
  });

  it('computes again over a corrupt, truncated or foreign file, and replaces it', () => {
    const dir = folder('corrupt');
    new PackageCache(dir).get(key(), () => 'good');
    const [name] = keptFiles(dir);
    const file = path.join(dir, `packages-v${cacheModule.PACKAGE_CACHE_FORMAT}`, name);
    const whole = fs.readFileSync(file, 'utf8');
    for (const damaged of [
      whole.slice(0, whole.length / 2),
      '\u0000\u0001garbage',
      '',
      'null',
      JSON.stringify({ key: 'another key', value: 'foreign' }),
    ]) {
      fs.writeFileSync(file, damaged);
      const recomputed = counted('fresh');
      assert.strictEqual(new PackageCache(dir).get(key(), recomputed.compute), 'fresh');
      assert.strictEqual(recomputed.calls(), 1, `computed again over ${JSON.stringify(damaged)}`);
      assert.strictEqual(new PackageCache(dir).peek(key()), 'fresh', 'and written again');
    }
  });
});

describe('package cache: its folder', () => {
  it('works without a folder it can write: computed each run, never a crash', () => {
    const blocker = folder('a-file');
    fs.writeFileSync(blocker, 'not a folder');
    // A folder below a file can be neither created nor written (whoever runs the tests).
    for (const dir of [path.join(blocker, 'cache'), path.join(blocker, 'deeper', 'cache')]) {
      const cache = new PackageCache(dir);
      const first = counted([1, 2]);
      assert.deepStrictEqual(cache.get(key(), first.compute), [1, 2]);
      assert.deepStrictEqual(cache.get(key(), first.compute), [1, 2]);
      assert.strictEqual(first.calls(), 1, 'kept in memory for the process');
      assert.strictEqual(new PackageCache(dir).peek(key()), undefined);
    }
    const memoryOnly = new PackageCache(null);
    const once = counted('x');
    memoryOnly.get(key(), once.compute);
    memoryOnly.get(key(), once.compute);
    assert.strictEqual(once.calls(), 1);
  });

  it('reads a folder it cannot write to', function () {
    if (process.getuid?.() === 0) {
      this.skip(); // root writes anywhere: the folder-below-a-file case above stands in.
    }
    const dir = folder('read-only');
    new PackageCache(dir).get(key(), () => 'kept');
    const formatFolder = path.join(dir, `packages-v${cacheModule.PACKAGE_CACHE_FORMAT}`);
    fs.chmodSync(formatFolder, 0o555);
    try {
      const cache = new PackageCache(dir);
      assert.strictEqual(
        cache.get(key(), () => 'computed'),
        'kept',
      );
      assert.strictEqual(
        cache.get(key({ kind: 'other' }), () => 'computed'),
        'computed',
      );
    } finally {
      fs.chmodSync(formatFolder, 0o755);
    }
  });

  it('stays within its size bound, evicting the least recently used', () => {
    const dir = folder('bounded');
    const big = 'x'.repeat(10_000);
    const cache = new PackageCache(dir, { maxBytes: 50_000 });
    const formatFolder = path.join(dir, `packages-v${cacheModule.PACKAGE_CACHE_FORMAT}`);
    let before = new Set<string>();
    for (let i = 0; i < 12; i++) {
      cache.get(key({ package: `p${i}` }), () => big);
      // Each file a second older than the next, whatever the file system's time resolution.
      const written = fs.existsSync(formatFolder) ? fs.readdirSync(formatFolder) : [];
      const when = new Date(Date.now() - (100 - i) * 1000);
      for (const f of written.filter((f) => !before.has(f))) {
        fs.utimesSync(path.join(formatFolder, f), when, when);
      }
      before = new Set(written);
    }
    const bytes = fs
      .readdirSync(formatFolder)
      .reduce((sum, f) => sum + fs.statSync(path.join(formatFolder, f)).size, 0);
    assert.ok(bytes <= 50_000, `${bytes} bytes kept`);
    const reread = new PackageCache(dir, { maxBytes: 50_000 });
    assert.strictEqual(reread.peek(key({ package: 'p11' })), big, 'the newest is kept');
    assert.strictEqual(reread.peek(key({ package: 'p0' })), undefined, 'the oldest is evicted');
  });

  it("defaults to $XDG_CACHE_HOME, else the home's .cache", () => {
    assert.strictEqual(
      cacheModule.defaultCacheDirectory({ XDG_CACHE_HOME: '/xdg', HOME: '/home/u' }),
      path.join('/xdg', 'rust-future-size'),
    );
    if (process.platform !== 'win32') {
      assert.strictEqual(
        cacheModule.defaultCacheDirectory({ HOME: '/home/u' }),
        path.join('/home/u', '.cache', 'rust-future-size'),
      );
    }
  });
});

describe("dependencies' items in the package cache", () => {
  /** A workspace with one path dependency whose struct has `fields` u64 fields. */
  function workspaceWithPathDependency(name: string, fields: number): string {
    const root = folder(name);
    const write = (relative: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
      fs.writeFileSync(path.join(root, relative), text);
    };
    write(
      'app/Cargo.toml',
      '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n' +
        '[dependencies]\nlocal = { path = "../local" }\n',
    );
    write('app/src/lib.rs', 'pub async fn f(_w: local::wire::Wide) {}\n');
    write('local/Cargo.toml', '[package]\nname = "local"\nversion = "0.1.0"\nedition = "2021"\n');
    write('local/src/lib.rs', 'pub mod wire;\n');
    writeWide(root, fields);
    return root;
  }

  function writeWide(root: string, fields: number): void {
    const list = Array.from({ length: fields }, (_, i) => `pub f${i}: u64,`).join(' ');
    fs.writeFileSync(path.join(root, 'local/src/wire.rs'), `pub struct Wide { ${list} }\n`);
  }

  /** `local::wire::Wide`'s field count as the dependency's index reads it. */
  function wideFields(root: string, cacheDir: string, fill = true): number | undefined {
    const home = folder('cargo-home');
    fs.mkdirSync(home, { recursive: true });
    const loaded = loader.loadDependencies(
      path.join(root, 'app'),
      undefined,
      { env: { CARGO_HOME: home } },
      { cache: new PackageCache(cacheDir), fill },
    );
    assert.ok(loaded);
    const id = loaded.graph.rootExterns.get('local')!;
    const crate = new modules.CrateModules(loaded.graph.package(id)!);
    crate.noteImpls();
    const wide = crate.scope(['wire'])?.types.get('Wide');
    return wide?.kind === 'struct' ? wide.fields.length : undefined;
  }

  it('reads the items back, and indexes an edited path dependency again', () => {
    const root = workspaceWithPathDependency('stale', 2);
    const cacheDir = folder('stale-cache');
    assert.strictEqual(wideFields(root, cacheDir), 2);
    assert.strictEqual(keptFiles(cacheDir).length, 1);
    assert.strictEqual(wideFields(root, cacheDir, false), 2, 'read back from the cache');
    // The same length and a new time: its stamp changes, so the old items are not served.
    writeWide(root, 3);
    assert.strictEqual(wideFields(root, cacheDir), 3);
    writeWide(root, 2);
    const future = new Date(Date.now() + 5_000);
    fs.utimesSync(path.join(root, 'local/src/wire.rs'), future, future);
    assert.strictEqual(wideFields(root, cacheDir), 2);
  });

  it('indexes lazily without kept items when it may not fill the cache', () => {
    const root = workspaceWithPathDependency('lazy', 4);
    const cacheDir = folder('lazy-cache');
    assert.strictEqual(wideFields(root, cacheDir, false), 4);
    assert.ok(!fs.existsSync(cacheDir), 'nothing written: a background indexer fills it');
  });

  it('gives the same items whether read from the sources or from the cache', () => {
    const home = folder('cargo-home-sized');
    fs.mkdirSync(home, { recursive: true });
    const load = (store?: Parameters<typeof loader.loadDependencies>[3]) =>
      loader.loadDependencies(SIZED, undefined, { env: { CARGO_HOME: home } }, store)!;
    const plain = load();
    const cached = load({ cache: new PackageCache(folder('sized-cache')), fill: true });
    let compared = 0;
    for (const id of plain.graph.rootExterns.values()) {
      const fromSources = plain.graph.package(id);
      // The analysed package's own library is among its externs: not a dependency.
      if (!fromSources || fromSources.label.startsWith('sized-app')) {
        continue;
      }
      const computed = new modules.CrateModules(fromSources).packageItems();
      const pkg = cached.graph.package(id)!;
      new modules.CrateModules(pkg);
      const kept = pkg.data!.peek(modules.PACKAGE_ITEMS);
      assert.deepStrictEqual(kept, JSON.parse(JSON.stringify(computed)), fromSources.label);
      compared++;
    }
    assert.strictEqual(compared, 3);
  });
});

describe('cli: --cache-dir', () => {
  it('reads --cache-dir and --no-cache, not both', () => {
    const run = (argv: string[]) => args.parseCliArgs(argv);
    assert.deepStrictEqual(run(['--cache-dir', 'c']), {
      command: 'run',
      paths: ['.'],
      format: 'text',
      edition: undefined,
      maxFutureSize: undefined,
      cacheDir: 'c',
    });
    assert.strictEqual((run(['--no-cache']) as { cacheDir?: null }).cacheDir, null);
    assert.throws(() => run(['--cache-dir', 'c', '--no-cache']), { name: 'UsageError' });
    assert.throws(() => run(['--cache-dir=']), { name: 'UsageError' });
  });

  it('gives the same reports with a cold cache, a warm one and none', () => {
    const home = folder('cli-home');
    fs.mkdirSync(home, { recursive: true });
    const cacheDir = folder('cli-cache');
    const cli = (extra: string[]) => {
      const result = spawnSync(
        process.execPath,
        [path.join(repoRoot, 'bin', 'rust-future-size.js'), '--format', 'json', ...extra, '.'],
        {
          cwd: SIZED,
          env: { ...process.env, CARGO_HOME: home, NO_COLOR: '1' },
          encoding: 'utf8',
          timeout: 120_000,
        },
      );
      assert.strictEqual(result.status, 0, result.stderr);
      return result.stdout;
    };
    const none = cli(['--no-cache']);
    assert.ok(!fs.existsSync(cacheDir));
    const cold = cli(['--cache-dir', cacheDir]);
    const kept = keptFiles(cacheDir);
    assert.strictEqual(kept.filter((f) => /-items/.test(f)).length, 3, 'pathdep, shapes, vend');
    // The futures of the packages whose async fns the app awaits: pathdep and, below it, shapes.
    assert.strictEqual(kept.filter((f) => /-futures/.test(f)).length, 2, kept.join(' '));
    const warm = cli(['--cache-dir', cacheDir]);
    assert.strictEqual(cold, none);
    assert.strictEqual(warm, none);
    assert.match(none, /"exact":true/);
  });
});

/** A workspace whose `app` has every kind of dependency edge, each a path package. */
function workspace(): string {
  const root = folder('edges');
  const write = (relative: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    fs.writeFileSync(path.join(root, relative), text);
  };
  const manifest = (name: string, extra = '') =>
    `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2021"\n${extra}`;
  write(
    'app/Cargo.toml',
    manifest('app') +
      '\n[dependencies]\nnear = { path = "../near" }\nmacros = { path = "../macros" }\n' +
      '\n[dev-dependencies]\ntesting = { path = "../testing" }\n' +
      '\n[build-dependencies]\nbuilder = { path = "../builder" }\n' +
      '\n[target.\'cfg(windows)\'.dependencies]\nwinonly = { path = "../winonly" }\n' +
      '\n[target.\'cfg(unix)\'.dependencies]\nunixonly = { path = "../unixonly" }\n',
  );
  write('app/src/lib.rs', '');
  write('near/Cargo.toml', manifest('near', '\n[dependencies]\nfar = { path = "../far" }\n'));
  write(
    'macros/Cargo.toml',
    manifest(
      'macros',
      '\n[lib]\nproc-macro = true\n\n[dependencies]\nsyntax = { path = "../syntax" }\n',
    ),
  );
  for (const name of ['far', 'testing', 'builder', 'winonly', 'unixonly', 'syntax']) {
    write(`${name}/Cargo.toml`, manifest(name));
  }
  const libraries = ['near', 'macros', 'far', 'testing', 'builder', 'winonly', 'unixonly'];
  for (const name of [...libraries, 'syntax']) {
    write(`${name}/src/lib.rs`, `pub struct Item${name.length}(pub u8);\n`);
  }
  return path.join(root, 'app');
}

describe('dependencies indexed ahead of analyses', () => {
  const indexModule =
    loadServerModule<typeof import('../../server/src/project/dependencyIndex')>(
      'project/dependencyIndex',
    );

  it('indexes what an analysis may read, nearest first, with progress from 0', async () => {
    const home = folder('edges-home');
    fs.mkdirSync(home, { recursive: true });
    const graphs =
      loadServerModule<typeof import('../../server/src/project/crateGraph')>('project/crateGraph');
    const graph = graphs.loadCrateGraph(workspace(), { env: { CARGO_HOME: home } })!;
    const labels = loader.dependencyPackages(graph).map((p) => p.label);
    assert.deepStrictEqual(labels, ['near 0.1.0', 'testing 0.1.0', 'unixonly 0.1.0', 'far 0.1.0']);

    const progress: string[] = [];
    const cacheDir = folder('edges-cache');
    const result = await indexModule.indexDependencies(graph, new PackageCache(cacheDir), (p) =>
      progress.push(`${p.indexed}/${p.total}`),
    );
    assert.deepStrictEqual(result, { indexed: 4, total: 4, failed: [] });
    assert.deepStrictEqual(progress, ['0/4', '1/4', '2/4', '3/4', '4/4']);
    assert.strictEqual(keptFiles(cacheDir).length, 4);
  });
});

describe("dependencies indexed by the editor, a package per job on the index's thread", () => {
  const jobsModule =
    loadServerModule<typeof import('../../server/src/lsp/crateJobs')>('lsp/crateJobs');
  const indexerModule =
    loadServerModule<typeof import('../../server/src/lsp/dependencyIndexer')>(
      'lsp/dependencyIndexer',
    );
  type IndexJob = Parameters<DependencyIndexRunner['run']>[0];

  /** The graph of `workspace()`, and an indexer whose runner runs real crate jobs. */
  function indexer(name: string, runner: Partial<DependencyIndexRunner> = {}) {
    const home = folder(`${name}-home`);
    fs.mkdirSync(home, { recursive: true });
    const graphs =
      loadServerModule<typeof import('../../server/src/project/crateGraph')>('project/crateGraph');
    const graph = graphs.loadCrateGraph(workspace(), { env: { CARGO_HOME: home } })!;
    const jobs = new jobsModule.CrateJobs();
    const asked: string[] = [];
    const logs: string[] = [];
    const progress: string[] = [];
    const indexer = new indexerModule.DependencyIndexer((m) => logs.push(m), {
      run: async (job: IndexJob) => {
        asked.push(job.position === undefined ? 'count' : String(job.position));
        return (await jobs.run(job)) as DependencyIndexStep;
      },
      usesWorker: () => true,
      ...runner,
    });
    indexer.cacheDir = folder(`${name}-cache`);
    const ended = new Promise<void>((resolve) =>
      indexer.onDidProgress((p) => (p ? progress.push(`${p.indexed}/${p.total}`) : resolve())),
    );
    return { graph, indexer, asked, logs, progress, ended, cacheDir: indexer.cacheDir };
  }

  it('counts, then indexes each package in order, once per graph', async () => {
    const run = indexer('steps');
    run.indexer.index(run.graph);
    run.indexer.index(run.graph);
    await run.ended;
    assert.deepStrictEqual(run.asked, ['count', '0', '1', '2', '3']);
    assert.deepStrictEqual(run.progress, ['0/4', '1/4', '2/4', '3/4', '4/4']);
    assert.match(run.logs.join('\n'), /^\[dependencies\] indexed 4 of 4 dependencies in \d+ ms$/);
    assert.strictEqual(keptFiles(run.cacheDir).length, 4);
  });

  it('says what was not indexed when the worker fails', async () => {
    const run = indexer('failing', {
      run: (job: IndexJob) =>
        job.position === 1
          ? Promise.reject(new Error('the index worker exited with code 7'))
          : Promise.resolve({ total: 4, label: 'x', failure: null }),
    });
    run.indexer.index(run.graph);
    await run.ended;
    assert.deepStrictEqual(run.progress, ['0/4', '1/4']);
    const failed = 'the index worker failed (the index worker exited with code 7)';
    const told = `[dependencies] indexed 1 of 4 dependencies (not indexed: ${failed}) in`;
    assert.ok(run.logs.length === 1 && run.logs[0].startsWith(told), run.logs.join('\n'));
  });

  it("indexes nothing when crate jobs would run on the server's own thread", async () => {
    const run = indexer('local', { usesWorker: () => false });
    run.indexer.index(run.graph);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepStrictEqual(run.asked, []);
    assert.deepStrictEqual(run.progress, []);
    assert.ok(!fs.existsSync(run.cacheDir));
  });
});
