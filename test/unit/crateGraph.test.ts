/**
 * The crate graph from sources (`project/crateGraph.ts`): the hand-written workspaces under
 * `test/fixtures/workspaces/` with their graphs written out, a graph with missing sources, and
 * hyper 0.14.19 from Debian's registry. Where cargo is installed, `cargo metadata --offline`
 * (run on a copy, with an empty CARGO_HOME) is the judge of versions, features and edges.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findUpwards, loadServerModule } from '../support/repoPaths';

type CrateGraphModule = typeof import('../../server/src/project/crateGraph');
type CrateGraph = import('../../server/src/project/crateGraph').CrateGraph;
type CrateGraphOptions = import('../../server/src/project/crateGraph').CrateGraphOptions;

const graphs = loadServerModule<CrateGraphModule>('project/crateGraph');

const repoRoot = findUpwards(__dirname, (dir) =>
  fs.existsSync(path.join(dir, 'test', 'fixtures', 'workspaces')),
)!;
const FIXTURES = path.join(repoRoot, 'test', 'fixtures', 'workspaces');
const DEBIAN_REGISTRY = '/usr/share/cargo/registry';
const CRATES_IO = 'registry+https://github.com/rust-lang/crates.io-index';

let tempRoot: string;
/** An empty CARGO_HOME: nothing from the real home is read. */
let emptyHome: string;

function options(extra: Partial<CrateGraphOptions> = {}): Partial<CrateGraphOptions> {
  return { env: { CARGO_HOME: emptyHome }, ...extra };
}

function load(folder: string, extra: Partial<CrateGraphOptions> = {}): CrateGraph {
  const graph = graphs.loadCrateGraph(folder, options(extra));
  assert.ok(graph, `a graph for ${folder}`);
  return graph;
}

/** Each package as `name version`: source, root and lib relative to `base`, features, edges. */
function summary(graph: CrateGraph, base: string): Record<string, unknown> {
  const label = (id: string) => {
    const node = graph.packages.get(id)!;
    return `${node.name} ${node.version}`;
  };
  const result: Record<string, unknown> = {};
  for (const node of graph.packages.values()) {
    result[`${node.name} ${node.version}`] = {
      source: node.source,
      root: node.root === null ? null : path.relative(base, node.root),
      missing: node.missing,
      edition: node.edition,
      lib: node.lib ? `${node.lib.name} ${path.relative(base, node.lib.path)}` : null,
      features: node.features,
      deps: node.dependencies.map(
        (e) =>
          `${e.name} -> ${label(e.package)} (${e.kind}${e.optional ? ', optional' : ''}` +
          `${e.target ? `, ${e.target}` : ''})`,
      ),
    };
  }
  return result;
}

/** A fresh temporary folder with an empty CARGO_HOME for the suite it is called in. */
function useTempRoot(): void {
  before(() => {
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-graph-'));
    emptyHome = path.join(tempRoot, 'cargo-home');
    fs.mkdirSync(emptyHome);
  });
  after(() => fs.rmSync(tempRoot, { recursive: true, force: true }));
}

function cargoAvailable(): boolean {
  return spawnSync('cargo', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** `name version` → features and edges, as both `cargo metadata` and the graph can say it. */
type Comparable = Map<string, { features: string; deps: string }>;

function comparableFromGraph(graph: CrateGraph): Comparable {
  const result: Comparable = new Map();
  for (const node of graph.packages.values()) {
    const kinds = new Map<string, string[]>();
    for (const edge of node.dependencies) {
      kinds.set(edge.name, [...(kinds.get(edge.name) ?? []), `${edge.kind}@${edge.target}`]);
    }
    const deps = [...kinds].map(([name, k]) => `${name}:${k.sort().join('|')}`).sort();
    result.set(`${node.name} ${node.version}`, {
      features: node.features.join(','),
      deps: deps.join(','),
    });
  }
  return result;
}

interface MetadataNode {
  id: string;
  features: string[];
  deps: { name: string; dep_kinds: { kind: string | null; target: string | null }[] }[];
}

/** Runs `cargo metadata --offline` in `folder` and reads the resolve the same way. */
function comparableFromCargo(folder: string, home: string, args: string[]): Comparable {
  const run = spawnSync('cargo', ['metadata', '--offline', '--format-version', '1', ...args], {
    cwd: folder,
    env: { ...process.env, CARGO_HOME: home },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.strictEqual(run.status, 0, `cargo metadata failed: ${run.stderr}`);
  const metadata = JSON.parse(run.stdout) as {
    packages: { id: string; name: string; version: string }[];
    resolve: { nodes: MetadataNode[] };
  };
  const result: Comparable = new Map();
  for (const node of metadata.resolve.nodes) {
    const pkg = metadata.packages.find((p) => p.id === node.id)!;
    const deps = node.deps
      .map(
        (d) =>
          `${d.name}:${d.dep_kinds
            .map((k) => `${k.kind ?? 'normal'}@${k.target}`)
            .sort()
            .join('|')}`,
      )
      .sort();
    result.set(`${pkg.name} ${pkg.version}`, {
      features: node.features.join(','),
      deps: deps.join(','),
    });
  }
  return result;
}

/** Copies all fixture folders (a config names a sibling) and returns the copy of `name`. */
function copyOfFixtures(name: string): string {
  const copy = fs.mkdtempSync(path.join(tempRoot, 'fixtures-'));
  fs.cpSync(FIXTURES, copy, { recursive: true });
  return path.join(copy, name);
}

/** The graph of a copy of fixture `name` against `cargo metadata` with the same options. */
function assertSameAsCargo(name: string, args: string[], extra: Partial<CrateGraphOptions>): void {
  const folder = copyOfFixtures(name);
  const ours = comparableFromGraph(load(folder, { wholeWorkspace: true, ...extra }));
  assert.deepStrictEqual(ours, comparableFromCargo(folder, emptyHome, args));
}

describe('crate graph: a workspace with members (fixture members/)', () => {
  useTempRoot();
  const base = path.join(FIXTURES, 'members');

  it('from a member: inherited fields, path dependencies, default features off', () => {
    const graph = load(path.join(base, 'crates', 'app', 'src'));
    assert.strictEqual(graph.workspaceRoot, base);
    assert.strictEqual(graph.lockfile, 'absent');
    assert.deepStrictEqual(graph.roots, [`path+file://${base}/crates/app#app@0.2.0`]);
    assert.deepStrictEqual(graph.warnings, []);
    assert.deepStrictEqual(summary(graph, base), {
      'app 0.2.0': {
        source: 'path',
        root: 'crates/app',
        missing: null,
        edition: '2021',
        lib: 'app crates/app/src/lib.rs',
        features: [],
        deps: [
          'util_core -> util 0.2.0 (normal)',
          'extra -> extra 1.0.0 (normal)',
          'testkit -> testkit 0.1.0 (dev)',
        ],
      },
      'util 0.2.0': {
        source: 'path',
        root: 'crates/util',
        missing: null,
        edition: '2018',
        lib: 'util_core crates/util/src/core.rs',
        // `default-features = false` in [workspace.dependencies], `fast` from the member.
        features: ['fast'],
        deps: [],
      },
      'extra 1.0.0': {
        source: 'path',
        root: 'extra',
        missing: null,
        edition: '2021',
        lib: 'extra extra/src/lib.rs',
        // Asked for by testkit, which app reaches as a dev-dependency.
        features: ['checks'],
        deps: [],
      },
      'testkit 0.1.0': {
        source: 'path',
        root: 'crates/testkit',
        missing: null,
        edition: '2015',
        lib: 'testkit crates/testkit/src/lib.rs',
        features: [],
        deps: ['extra -> extra 1.0.0 (normal)'],
      },
    });
  });

  it('from the virtual root: every member but the excluded one is a root', () => {
    const graph = load(base);
    const roots = graph.roots.map((id) => graph.packages.get(id)!.name).sort();
    assert.deepStrictEqual(roots, ['app', 'testkit', 'util']);
    assert.ok(![...graph.packages.values()].some((n) => n.name === 'excluded'));
    // util is a root now, so its default features are on.
    const util = [...graph.packages.values()].find((n) => n.name === 'util')!;
    assert.deepStrictEqual(util.features, ['default', 'fast', 'std']);
  });

  it('agrees with cargo metadata', function () {
    if (!cargoAvailable()) {
      this.skip();
    }
    assertSameAsCargo('members', [], {});
  });
});

/** The vendored fixture's graph with default features, no lock file. */
const VENDORED_GRAPH = {
  'vendored-app 0.1.0': {
    source: 'path',
    root: '',
    missing: null,
    edition: '2021',
    lib: 'vendored_app src/lib.rs',
    features: ['default', 'fancy'],
    deps: [
      'alpha -> alpha 1.4.1 (normal)',
      'a2 -> alpha 2.0.0 (normal)',
      'beta -> beta 0.3.5 (normal, optional)',
      'epsilon -> epsilon 1.0.0 (normal)',
      'zeta_util -> zeta-util 0.1.0 (normal)',
      'eta_rs -> eta-rs 1.0.0 (normal)',
      // Written `cfg( unix )`: read as Cargo prints it.
      'delta -> delta 0.1.0 (normal, cfg(unix))',
    ],
  },
  'eta-rs 1.0.0': {
    // The folder's name misleads; the manifest says which package it holds.
    source: 'directory',
    root: 'vendor/eta-1.0.0',
    missing: null,
    edition: '2021',
    lib: 'eta_rs vendor/eta-1.0.0/src/lib.rs',
    features: [],
    deps: [],
  },
  'zeta-util 0.1.0': {
    source: 'directory',
    root: 'vendor/zeta-util-0.1.0',
    missing: null,
    edition: '2021',
    lib: 'zeta vendor/zeta-util-0.1.0/src/lib.rs',
    features: [],
    deps: [],
  },
  'alpha 1.4.1': {
    source: 'directory',
    root: 'vendor/alpha-1.4.1',
    missing: null,
    edition: '2021',
    lib: 'alpha vendor/alpha-1.4.1/src/lib.rs',
    // `alpha/extra` from fancy; extra = ["beta/big"] turns on beta's implicit feature.
    features: ['beta', 'default', 'extra', 'std'],
    deps: ['beta -> beta 0.3.5 (normal, optional)'],
  },
  'alpha 2.0.0': {
    source: 'directory',
    root: 'vendor/alpha-2.0.0',
    missing: null,
    edition: '2021',
    lib: 'alpha_two vendor/alpha-2.0.0/src/lib.rs',
    features: [],
    deps: [],
  },
  'beta 0.3.5': {
    // A folder named without its version, found by its manifest.
    source: 'directory',
    root: 'vendor/beta',
    missing: null,
    edition: '2021',
    lib: 'beta vendor/beta/src/lib.rs',
    features: ['big', 'default', 'small'],
    deps: ['epsilon -> epsilon 1.0.0 (normal)'],
  },
  // `epsilon = "1"` alone would take 1.1.0; beta's `~1.0` pulls the shared pick down.
  'epsilon 1.0.0': {
    source: 'directory',
    root: 'vendor/epsilon-1.0.0',
    missing: null,
    edition: '2021',
    lib: 'epsilon vendor/epsilon-1.0.0/src/lib.rs',
    features: [],
    deps: [],
  },
  // `=0.1.0` though 0.1.1 is there.
  'delta 0.1.0': {
    source: 'directory',
    root: 'vendor/delta-0.1.0',
    missing: null,
    edition: '2021',
    lib: 'delta vendor/delta-0.1.0/src/lib.rs',
    features: [],
    deps: [],
  },
};

describe('crate graph: a vendored directory source (fixture vendored/)', () => {
  useTempRoot();
  const base = path.join(FIXTURES, 'vendored');
  it('without a lock: highest matching versions, renames, lib names, defaults', () => {
    const graph = load(base);
    assert.strictEqual(graph.lockfile, 'absent');
    const nodes = summary(graph, base);
    assert.deepStrictEqual(nodes, VENDORED_GRAPH);
  });

  it('--no-default-features: the optional dependency is off, its version pick stays', () => {
    const graph = load(base, { noDefaultFeatures: true });
    const nodes = summary(graph, base);
    assert.deepStrictEqual(Object.keys(nodes).sort(), [
      'alpha 1.4.1',
      'alpha 2.0.0',
      'delta 0.1.0',
      'epsilon 1.0.0',
      'eta-rs 1.0.0',
      'vendored-app 0.1.0',
      'zeta-util 0.1.0',
    ]);
    assert.deepStrictEqual((nodes['alpha 1.4.1'] as { features: string[] }).features, [
      'default',
      'std',
    ]);
  });

  it('features = ["full"]: an implicit feature and a weak dependency feature', () => {
    const graph = load(base, { features: ['full'] });
    const nodes = summary(graph, base) as Record<string, { features: string[]; deps: string[] }>;
    assert.deepStrictEqual(nodes['vendored-app 0.1.0'].features, [
      'default',
      'fancy',
      'full',
      'gamma',
      'gamma-tools',
    ]);
    assert.deepStrictEqual(nodes['gamma 0.1.0'].features, ['tools']);
    assert.ok(nodes['vendored-app 0.1.0'].deps.includes('gamma -> gamma 0.1.0 (normal, optional)'));
  });

  it('a weak feature alone does not switch the dependency on', () => {
    const graph = load(base, { features: ['gamma-tools'] });
    assert.ok(![...graph.packages.values()].some((n) => n.name === 'gamma'));
  });

  for (const args of [[], ['--features', 'full'], ['--no-default-features'], ['--all-features']]) {
    it(`agrees with cargo metadata ${args.join(' ') || '(defaults)'}`, function () {
      if (!cargoAvailable()) {
        this.skip();
      }
      assertSameAsCargo('vendored', args, {
        features: args[0] === '--features' ? args[1].split(',') : [],
        noDefaultFeatures: args.includes('--no-default-features'),
        allFeatures: args.includes('--all-features'),
      });
    });
  }
});

describe('crate graph: a lock file (fixture locked/)', () => {
  useTempRoot();
  const base = path.join(FIXTURES, 'locked');

  it('takes the locked versions over the highest available ones', () => {
    const graph = load(base);
    assert.strictEqual(graph.lockfile, 'used');
    const versions = [...graph.packages.values()].map((n) => `${n.name} ${n.version}`).sort();
    assert.deepStrictEqual(versions, ['alpha 1.2.0', 'epsilon 1.1.0', 'locked-app 0.1.0']);
    const alpha = [...graph.packages.values()].find((n) => n.name === 'alpha')!;
    assert.strictEqual(alpha.id, `${CRATES_IO}#alpha@1.2.0`);
    assert.strictEqual(alpha.root, path.join(FIXTURES, 'vendored', 'vendor', 'alpha-1.2.0'));
    assert.deepStrictEqual(alpha.features, ['extra']);
  });

  it('without reading it, picks as a fresh lock file would', () => {
    const graph = load(base, { useLockfile: false });
    assert.strictEqual(graph.lockfile, 'absent');
    const versions = [...graph.packages.values()].map((n) => `${n.name} ${n.version}`).sort();
    // alpha 1.4.1's `extra` asks for beta, whose `~1.0` then settles epsilon on 1.0.0.
    assert.deepStrictEqual(versions, [
      'alpha 1.4.1',
      'beta 0.3.5',
      'epsilon 1.0.0',
      'locked-app 0.1.0',
    ]);
  });

  it('agrees with cargo metadata', function () {
    if (!cargoAvailable()) {
      this.skip();
    }
    assertSameAsCargo('locked', [], {});
  });
});

describe('crate graph: [patch.crates-io] (fixture patched/)', () => {
  useTempRoot();
  const base = path.join(FIXTURES, 'patched');

  it('a patch is preferred over a higher registry version; one meeting nothing is unused', () => {
    const graph = load(base);
    assert.deepStrictEqual(summary(graph, base), {
      'patched-app 0.1.0': {
        source: 'path',
        root: '',
        missing: null,
        edition: '2021',
        lib: 'patched_app src/lib.rs',
        features: [],
        deps: ['alpha -> alpha 1.4.1 (normal)', 'epsilon -> epsilon 1.0.5 (normal)'],
      },
      // alpha-next is 3.0.0: no `1.2` there.
      'alpha 1.4.1': {
        source: 'directory',
        root: '../vendored/vendor/alpha-1.4.1',
        missing: null,
        edition: '2021',
        lib: 'alpha ../vendored/vendor/alpha-1.4.1/src/lib.rs',
        features: ['default', 'std'],
        deps: [],
      },
      'epsilon 1.0.5': {
        source: 'path',
        root: 'epsilon-fork',
        missing: null,
        edition: '2021',
        lib: 'epsilon epsilon-fork/src/lib.rs',
        features: ['default', 'forked'],
        deps: [],
      },
    });
  });

  it('agrees with cargo metadata', function () {
    if (!cargoAvailable()) {
      this.skip();
    }
    assertSameAsCargo('patched', [], {});
  });
});

describe('crate graph: sources that are not on this machine', () => {
  useTempRoot();
  it('a missing crate is a node with the reason, the rest of the graph stays', () => {
    const root = path.join(tempRoot, 'missing');
    fs.mkdirSync(path.join(root, 'src'), { recursive: true });
    fs.writeFileSync(path.join(root, 'src', 'lib.rs'), '');
    fs.writeFileSync(
      path.join(root, 'Cargo.toml'),
      '[package]\nname = "m"\nversion = "0.1.0"\n\n[dependencies]\n' +
        'nowhere = "1"\nhere = { path = "here" }\nlost = { path = "lost" }\n',
    );
    fs.mkdirSync(path.join(root, 'here', 'src'), { recursive: true });
    fs.writeFileSync(
      path.join(root, 'here', 'Cargo.toml'),
      '[package]\nname = "here"\nversion = "2.0.0"\n',
    );
    fs.writeFileSync(path.join(root, 'here', 'src', 'lib.rs'), '');
    const graph = load(root);
    const nodes = summary(graph, root) as Record<
      string,
      { root: string | null; missing: string | null }
    >;
    assert.deepStrictEqual(Object.keys(nodes).sort(), [
      'here 2.0.0',
      'lost null',
      'm 0.1.0',
      'nowhere null',
    ]);
    assert.strictEqual(nodes['here 2.0.0'].root, 'here');
    assert.strictEqual(nodes['nowhere null'].root, null);
    assert.match(
      nodes['nowhere null'].missing!,
      /no version of nowhere matching 1 is on this machine/,
    );
    assert.strictEqual(nodes['lost null'].root, null);
    assert.match(nodes['lost null'].missing!, /no Cargo\.toml in .*lost/);
  });

  it('no Cargo.toml above the folder: no graph', () => {
    const folder = path.join(tempRoot, 'no-cargo');
    fs.mkdirSync(folder);
    assert.strictEqual(graphs.loadCrateGraph(folder, options()), null);
  });
});

describe("crate graph: hyper 0.14.19 from Debian's registry", () => {
  useTempRoot();
  let home: string;
  let workspace: string;

  before(function () {
    if (!fs.existsSync(path.join(DEBIAN_REGISTRY, 'hyper-0.14.19', 'Cargo.toml'))) {
      console.log(`      (skipped: ${DEBIAN_REGISTRY}/hyper-0.14.19 is not on this machine)`);
      this.skip();
    }
    home = path.join(tempRoot, 'debian-home');
    fs.mkdirSync(home);
    fs.writeFileSync(
      path.join(home, 'config.toml'),
      '[source.crates-io]\nreplace-with = "debian"\n\n' +
        `[source.debian]\ndirectory = "${DEBIAN_REGISTRY}"\n`,
    );
    workspace = path.join(tempRoot, 'uses-hyper');
    fs.mkdirSync(path.join(workspace, 'src'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'src', 'lib.rs'), '');
    fs.writeFileSync(
      path.join(workspace, 'Cargo.toml'),
      '[package]\nname = "uses-hyper"\nversion = "0.1.0"\nedition = "2021"\n\n' +
        '[dependencies]\nhyper = { version = "=0.14.19", features = ["full"] }\n',
    );
  });

  it('hyper itself as the root has the default features its Cargo.toml gives', function () {
    const graph = load(path.join(DEBIAN_REGISTRY, 'hyper-0.14.19'), { env: { CARGO_HOME: home } });
    const hyper = graph.packages.get(graph.roots[0])!;
    assert.strictEqual(hyper.name, 'hyper');
    assert.strictEqual(hyper.edition, '2018');
    const manifest = fs.readFileSync(
      path.join(DEBIAN_REGISTRY, 'hyper-0.14.19', 'Cargo.toml'),
      'utf8',
    );
    const defaults = /\ndefault = \[([^\]]*)\]/.exec(manifest)![1].match(/"[^"]+"/g) ?? [];
    assert.deepStrictEqual(
      hyper.features,
      ['default', ...defaults.map((d) => d.slice(1, -1))].sort(),
    );
  });

  it('resolves tokio, h2, http and bytes to the versions there, well under a second', function () {
    const started = process.hrtime.bigint();
    const graph = load(workspace, { env: { CARGO_HOME: home } });
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(
      `      (hyper's graph: ${graph.packages.size} packages in ${elapsedMs.toFixed(0)} ms)`,
    );
    assert.ok(elapsedMs < 1000, `took ${elapsedMs} ms`);
    const available = new Set(fs.readdirSync(DEBIAN_REGISTRY));
    for (const name of ['hyper', 'tokio', 'h2', 'http', 'bytes']) {
      const node = [...graph.packages.values()].find((n) => n.name === name);
      assert.ok(node, `${name} is in the graph`);
      assert.ok(
        available.has(`${name}-${node.version}`),
        `${name} ${node.version} is in the registry`,
      );
      assert.strictEqual(node.root, path.join(DEBIAN_REGISTRY, `${name}-${node.version}`));
      assert.strictEqual(node.source, 'directory');
    }
    assert.deepStrictEqual(graph.warnings, []);
    assert.ok(![...graph.packages.values()].some((n) => n.root === null), 'every source is there');
  });

  it('agrees with cargo metadata on versions, features and edges', function () {
    if (!cargoAvailable()) {
      this.skip();
    }
    const ours = comparableFromGraph(load(workspace, { env: { CARGO_HOME: home } }));
    assert.deepStrictEqual(ours, comparableFromCargo(workspace, home, []));
    // cargo wrote a Cargo.lock; reading it gives the same graph.
    assert.ok(fs.existsSync(path.join(workspace, 'Cargo.lock')));
    const locked = load(workspace, { env: { CARGO_HOME: home } });
    assert.strictEqual(locked.lockfile, 'used');
    assert.deepStrictEqual(comparableFromGraph(locked), ours);
  });
});
