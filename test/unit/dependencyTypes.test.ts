/**
 * Other crates' types sized from their sources (`analysis/deps`, `project/dependencyLoader.ts`):
 * the multi-crate workspace `test/fixtures/workspaces/sized` (a path dependency with a feature
 * that adds a field, a renamed dependency, a vendored directory source, re-exports, a glob, items
 * in a macro) compared with rustc, built offline by cargo on a copy; and paths whose name is std's
 * or the crate's own, which must never take that type's size.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FileReport, FutureReport } from '../../server/src/analysis/report';
import type { DependencyGraph } from '../../server/src/analysis/deps/dependencySources';
import type { RustcFuture } from '../../server/src/measure/printTypeSizes';
import { cargoLibFutures } from '../support/cargoTypeSizes';
import { findUpwards, loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const deps = loadServerModule<typeof import('../../server/src/analysis/deps/dependencyTypes')>(
  'analysis/deps/dependencyTypes',
);
const dependencyFutures = loadServerModule<
  typeof import('../../server/src/analysis/deps/dependencyFutures')
>('analysis/deps/dependencyFutures');
const packages = loadServerModule<typeof import('../../server/src/analysis/deps/packageFutures')>(
  'analysis/deps/packageFutures',
);
const loader = loadServerModule<typeof import('../../server/src/project/dependencyLoader')>(
  'project/dependencyLoader',
);
const jobs =
  loadServerModule<typeof import('../../server/src/cli/analysisJobs')>('cli/analysisJobs');

const repoRoot = findUpwards(__dirname, (dir) =>
  fs.existsSync(path.join(dir, 'test', 'fixtures', 'workspaces')),
)!;
const SIZED = path.join(repoRoot, 'test', 'fixtures', 'workspaces', 'sized');
/** A dependency's generic async fns called with type arguments of std, of crates, of the app. */
const GENERIC = path.join(repoRoot, 'test', 'fixtures', 'workspaces', 'generic');

let tempRoot: string;

function analyze(text: string, graph?: DependencyGraph): FutureReport[] {
  const [report] = engine.analyzeCrate([{ file: 'lib.rs', text, modulePath: [] }], {
    edition: '2021',
    dependencies: graph ? new deps.DependencyTypes(graph) : undefined,
  });
  return report.futures;
}

function named(futures: FutureReport[], name: string): FutureReport {
  const found = futures.find((f) => f.name === name);
  assert.ok(found, `a future named ${name}`);
  return found;
}

/** A graph whose `tokio` has no sources on this machine. */
const TOKIO_MISSING: DependencyGraph = {
  rootExterns: new Map([['tokio', 'tokio-id']]),
  package: (id) =>
    id === 'tokio-id'
      ? {
          id,
          label: 'tokio 1.24.2',
          missing: 'not in the registry',
          features: [],
          externs: new Map(),
          files: () => [],
          read: () => null,
        }
      : null,
};

/** rustc's answers by workspace: a second build of the same copy prints nothing. */
const rustcAnswers = new Map<string, RustcFuture[] | null>();

/** `cargo rustc -Zprint-type-sizes` on a copy of the workspace, offline; null without cargo. */
function rustcFutures(workspace: string): RustcFuture[] | null {
  if (!rustcAnswers.has(workspace)) {
    rustcAnswers.set(workspace, cargoLibFutures(workspace, tempRoot));
  }
  return rustcAnswers.get(workspace)!;
}

/** Exact sizes equal rustc's, lower bounds are at most rustc's (the `sized` workspace). */
function compareWithRustc(
  exact: FutureReport[],
  bounds: FutureReport[],
  workspace: string = SIZED,
): void {
  const rustc = rustcFutures(workspace);
  if (rustc === null) {
    console.log('      (cargo not installed: sizes not compared with rustc)');
    return;
  }
  const rustcSize = (name: string): number => {
    const theirs: RustcFuture | undefined = rustc.find(
      (r: { kind: string; name: string }) => r.kind === 'fn' && r.name === name,
    );
    assert.ok(theirs, `rustc printed ${name}`);
    return theirs.size;
  };
  for (const f of exact) {
    const theirs = rustcSize(f.name);
    assert.strictEqual(f.size, theirs, `${f.name}: engine ${f.size}, rustc ${theirs}`);
  }
  for (const f of bounds) {
    const theirs = rustcSize(f.name);
    assert.ok(f.size! <= theirs, `${f.name}: engine ≥ ${f.size}, rustc ${theirs}`);
  }
}

describe('dependency types from their sources', function () {
  this.timeout(300_000);

  before(async () => {
    await engine.initAnalysis();
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-deps-'));
  });

  after(() => fs.rmSync(tempRoot, { recursive: true, force: true }));

  it('sizes a multi-crate workspace as rustc does (path, renamed, vendored, feature-gated)', () => {
    const home = fs.mkdtempSync(path.join(tempRoot, 'home-'));
    const loaded = loader.loadDependencies(SIZED, undefined, { env: { CARGO_HOME: home } });
    assert.ok(loaded, 'a crate graph');
    assert.deepStrictEqual(loaded.missing, []);
    const text = fs.readFileSync(path.join(SIZED, 'src', 'lib.rs'), 'utf8');
    const all = analyze(text, loaded.graph);
    // `connected` awaits another crate's generic async fn: sized for `A = u16`.
    // Async blocks are compared by fn name only (the one `spawned` hands over is 1 byte).
    const futures = all.filter((f) => f.kind === 'fn' && f.name !== 'tick');
    assert.strictEqual(futures.length, 23);
    for (const f of futures) {
      assert.ok(f.exact, `${f.name} is exact (unknown: ${f.unknown.join(', ')})`);
    }
    const connected = named(all, 'connected');
    assert.deepStrictEqual(connected.sources, ['pathdep 0.2.0']);
    compareWithRustc(futures, []);
  });

  it('sizes them through the CLI, which loads the crate graph of the package', async () => {
    const [report]: FileReport[] = await jobs.analyzeCrateJob({
      kind: 'crate',
      root: SIZED,
      requested: [{ path: path.join(SIZED, 'src', 'lib.rs'), file: 'lib.rs' }],
      edition: '2021',
      parseBudgetMs: 10_000,
      cwd: SIZED,
    });
    const clash = named(report.futures, 'clash');
    assert.strictEqual(clash.size, 132);
    assert.ok(clash.exact);
  });

  it("sizes them in the editor's crate index, which loads the graph once per crate", async () => {
    const crateJobs =
      loadServerModule<typeof import('../../server/src/lsp/crateJobs')>('lsp/crateJobs');
    const jobsOfIndex = new crateJobs.CrateJobs();
    const lib = path.join(SIZED, 'src', 'lib.rs');
    const files = [{ file: lib, text: fs.readFileSync(lib, 'utf8'), modulePath: [] }];
    const reports = (await jobsOfIndex.run({
      kind: 'analyze',
      root: SIZED,
      files,
      edition: '2021',
    })) as FileReport[];
    const clash = named(reports[0].futures, 'clash');
    assert.ok(clash.exact && clash.size === 132, `clash: ${clash.size}`);
  });

  it("never sizes another crate's type as std's of the same name", () => {
    const text = `use tokio::net::TcpStream;
async fn tick() {}
pub async fn f(s: TcpStream) -> TcpStream { tick().await; s }
`;
    for (const graph of [undefined, TOKIO_MISSING]) {
      const f = named(analyze(text, graph), 'f');
      assert.ok(!f.exact, 'a lower bound');
    }
    const f = named(analyze(text, TOKIO_MISSING), 'f');
    assert.ok(
      f.unknown.some((u) => u.includes('tokio 1.24.2') && u.includes('TcpStream')),
      `the reason names the crate and the type: ${f.unknown.join('; ')}`,
    );
  });

  it("never sizes another crate's type as the crate's own of the same name", () => {
    const text = `mod net { pub struct TcpStream(pub u8); }
use tokio::net::TcpStream;
async fn tick() {}
pub async fn f(s: TcpStream) -> TcpStream { tick().await; s }
`;
    const f = named(analyze(text, TOKIO_MISSING), 'f');
    assert.ok(!f.exact, `a lower bound, not ${f.size} B from crate::net::TcpStream`);
  });

  it('reads a missing dependency as unknown with one notice naming it (CLI)', async () => {
    const crate = path.join(tempRoot, 'needs-missing');
    fs.mkdirSync(path.join(crate, 'src'), { recursive: true });
    fs.writeFileSync(
      path.join(crate, 'Cargo.toml'),
      '[package]\nname = "needs-missing"\nversion = "0.1.0"\nedition = "2021"\n\n' +
        '[dependencies]\nnowhere = { path = "../nowhere" }\n',
    );
    fs.writeFileSync(
      path.join(crate, 'src', 'lib.rs'),
      'async fn tick() {}\npub async fn f(a: nowhere::A, b: nowhere::B) { tick().await; ' +
        'drop(a); drop(b); }\n',
    );
    const [report] = await jobs.analyzeCrateJob({
      kind: 'crate',
      root: crate,
      requested: [{ path: path.join(crate, 'src', 'lib.rs'), file: 'lib.rs' }],
      edition: '2021',
      parseBudgetMs: 10_000,
      cwd: crate,
    });
    assert.ok(!named(report.futures, 'f').exact);
    const notices = report.notices.filter((n) => n.includes('dependency nowhere'));
    assert.strictEqual(notices.length, 1, report.notices.join('\n'));
  });
});

describe("dependencies' async fn futures, sized from their sources", function () {
  this.timeout(300_000);

  before(async () => {
    await engine.initAnalysis();
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-deps-'));
  });

  after(() => fs.rmSync(tempRoot, { recursive: true, force: true }));

  it("sizes another crate's async fn futures with the same engine, in that crate", () => {
    const home = fs.mkdtempSync(path.join(tempRoot, 'home-'));
    const loaded = loader.loadDependencies(SIZED, undefined, { env: { CARGO_HOME: home } });
    assert.ok(loaded, 'a crate graph');
    const text = fs.readFileSync(path.join(SIZED, 'src', 'lib.rs'), 'utf8');
    const all = analyze(text, loaded.graph);
    // An associated async fn and a method awaited; a future stored across an await, whose body
    // awaits its own dependency's (`shapes`) async fn; a method awaited through a field.
    const sized = ['opened', 'stored', 'Client::fill'].map((name) => named(all, name));
    for (const f of sized) {
      assert.ok(f.exact, `${f.name} is exact (unknown: ${f.unknown.join(', ')})`);
    }
    assert.deepStrictEqual(named(all, 'stored').sources, ['pathdep 0.2.0', 'shapes 1.0.0']);
    assert.deepStrictEqual(
      sized.map((f) => f.size),
      [144, 184, 112],
      'the sizes rustc prints (compared with a build below when cargo is installed)',
    );
    compareWithRustc(sized, []);
  });

  it("keeps each package's futures as plain JSON data, by fn path (packageFutures)", () => {
    const home = fs.mkdtempSync(path.join(tempRoot, 'home-'));
    const loaded = loader.loadDependencies(SIZED, undefined, { env: { CARGO_HOME: home } });
    assert.ok(loaded, 'a crate graph');
    const pkg = loaded.graph.package(loaded.graph.rootExterns.get('pathdep')!)!;
    const own = new deps.DependencyTypes(
      { rootExterns: pkg.externs, package: (id) => loaded.graph.package(id) },
      1,
    );
    const sized = packages.packageFutures(pkg, engine.analyzeCrate, own);
    assert.deepStrictEqual(JSON.parse(JSON.stringify(sized)), sized, 'survives a JSON round trip');
    assert.strictEqual(sized.package, 'pathdep 0.2.0');
    assert.ok(sized.complete);
    assert.deepStrictEqual(sized.futures['conn::handshake'], {
      size: 176,
      align: 8,
      exact: true,
      unknown: [],
      sources: ['pathdep 0.2.0', 'shapes 1.0.0'],
    });
    const connect = sized.futures['net::stream::TcpStream::connect'];
    assert.ok(typeof connect === 'object' && !connect.exact, 'generic over A: a lower bound');
    assert.deepStrictEqual(connect.unknown, ['A']);
  });

  it("leaves a dependency's future a lower bound naming crate and fn past a budget", () => {
    const home = fs.mkdtempSync(path.join(tempRoot, 'home-'));
    const loaded = loader.loadDependencies(SIZED, undefined, { env: { CARGO_HOME: home } });
    assert.ok(loaded, 'a crate graph');
    const text = fs.readFileSync(path.join(SIZED, 'src', 'lib.rs'), 'utf8');
    // Packages sized by earlier tests are kept for the process: forgotten, they are sized again.
    dependencyFutures.forgetSizedPackages();
    const cases = [
      // Analysed as if already nested at the limit: no package below it is sized.
      {
        types: new deps.DependencyTypes(loaded.graph, dependencyFutures.MAX_PACKAGE_DEPTH),
        why: 'nested more than',
      },
      // A budget already spent.
      {
        types: new deps.DependencyTypes(loaded.graph, 0, new dependencyFutures.FutureBudget(-1)),
        why: 'budget',
      },
    ];
    for (const { types, why } of cases) {
      const [report] = engine.analyzeCrate([{ file: 'lib.rs', text, modulePath: [] }], {
        edition: '2021',
        dependencies: types,
      });
      const opened = named(report.futures, 'opened');
      assert.ok(!opened.exact, 'a lower bound');
      assert.ok(
        opened.unknown.some((u) => u.includes('pathdep 0.2.0 conn::Conn::open') && u.includes(why)),
        `the reason names the crate, the fn and the budget: ${opened.unknown.join('; ')}`,
      );
      assert.ok(types.futuresCut, 'the cut is known (a cache may compute it again)');
    }
  });

  it('sizes again in a later analysis what a budget cut short in an earlier one', () => {
    const home = fs.mkdtempSync(path.join(tempRoot, 'home-'));
    const loaded = loader.loadDependencies(SIZED, undefined, { env: { CARGO_HOME: home } });
    assert.ok(loaded, 'a crate graph');
    const text = fs.readFileSync(path.join(SIZED, 'src', 'lib.rs'), 'utf8');
    dependencyFutures.forgetSizedPackages();
    const opened = (types: InstanceType<typeof deps.DependencyTypes>) => {
      const [report] = engine.analyzeCrate([{ file: 'lib.rs', text, modulePath: [] }], {
        edition: '2021',
        dependencies: types,
      });
      return named(report.futures, 'stored');
    };
    // Nested one above the limit: the package is sized, the packages below it are not.
    const shallow = opened(
      new deps.DependencyTypes(loaded.graph, dependencyFutures.MAX_PACKAGE_DEPTH - 1),
    );
    assert.ok(!shallow.exact, `cut short: ${shallow.unknown.join('; ')}`);
    // The same process, a fresh analysis: the cut sizes were not kept for it.
    const full = opened(new deps.DependencyTypes(loaded.graph));
    assert.ok(full.exact, `sized again: ${full.unknown.join('; ')}`);
  });
});

describe("the budget for dependencies' futures", function () {
  this.timeout(300_000);

  before(async () => {
    await engine.initAnalysis();
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-deps-'));
  });

  after(() => fs.rmSync(tempRoot, { recursive: true, force: true }));

  it('cuts by the source analysed, not by time: one budget always gives one answer', () => {
    const home = fs.mkdtempSync(path.join(tempRoot, 'home-'));
    const loaded = loader.loadDependencies(SIZED, undefined, { env: { CARGO_HOME: home } });
    assert.ok(loaded, 'a crate graph');
    const text = fs.readFileSync(path.join(SIZED, 'src', 'lib.rs'), 'utf8');
    const pathdep = loaded.graph.package(loaded.graph.rootExterns.get('pathdep') ?? '');
    assert.ok(pathdep, 'pathdep in the graph');
    const pathdepChars = pathdep
      .files()
      .reduce((sum, f) => sum + (pathdep.read(f.path)?.length ?? 0), 0);
    const stored = (limitChars?: number) => {
      dependencyFutures.forgetSizedPackages();
      const budget = new dependencyFutures.FutureBudget(limitChars);
      const types = new deps.DependencyTypes(loaded.graph, 0, budget);
      const [report] = engine.analyzeCrate([{ file: 'lib.rs', text, modulePath: [] }], {
        edition: '2021',
        dependencies: types,
      });
      return { future: named(report.futures, 'stored'), cut: types.futuresCut };
    };
    // pathdep's own source is analysed, which spends the budget before shapes (below it).
    const cut = stored(pathdepChars - 1);
    assert.ok(cut.cut && !cut.future.exact, `cut short: ${cut.future.unknown.join('; ')}`);
    assert.ok(
      cut.future.unknown.some((u) => u.includes("budget for dependencies' futures")),
      `the reason names the budget: ${cut.future.unknown.join('; ')}`,
    );
    assert.deepStrictEqual(stored(pathdepChars - 1), cut, 'the same work, the same answer');
    const whole = stored();
    assert.ok(!whole.cut && whole.future.exact, `sized: ${whole.future.unknown.join('; ')}`);
  });
});

describe("dependencies' generic async fns, sized per instantiation", function () {
  this.timeout(300_000);

  before(async () => {
    await engine.initAnalysis();
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-deps-'));
  });

  after(() => fs.rmSync(tempRoot, { recursive: true, force: true }));

  it("sizes a dependency's generic async fn per instantiation, as rustc does", () => {
    const home = fs.mkdtempSync(path.join(tempRoot, 'home-'));
    const loaded = loader.loadDependencies(GENERIC, undefined, { env: { CARGO_HOME: home } });
    assert.ok(loaded, 'a crate graph');
    const text = fs.readFileSync(path.join(GENERIC, 'src', 'lib.rs'), 'utf8');
    const all = analyze(text, loaded.graph).filter((f) => f.kind === 'fn' && f.name !== 'tick');
    const bounds = all.filter((f) => f.name === 'optional_with_ref');
    const exact = all.filter((f) => f.name !== 'optional_with_ref');
    for (const f of exact) {
      assert.ok(f.exact, `${f.name} is exact (unknown: ${f.unknown.join(', ')})`);
    }
    assert.deepStrictEqual(
      Object.fromEntries(exact.map((f) => [f.name, f.size])),
      {
        hold_array: 203,
        hold_string: 64,
        hold_str_and_port: 64,
        hold_frame: 128,
        hold_packet: 120,
        hold_written_packet: 120,
        // std's `Duration` (16 B), not gendep's type of that name (40 B).
        hold_std_duration: 48,
        pair_of_known: 192,
        wrapped: 176,
        twice: 16,
        // gendep's generic fns awaiting its own with their parameters: composed per instance.
        nested_outer: 204,
        nested_outer_string: 120,
        nested_by_ref: 240,
        nested_paired: 260,
        nested_method: 216,
        // gendep's unit struct written as a value binds `T`; `connect`'s walk (lib.rs) calls
        // `time::relay`, whose walk (time.rs) calls `outer`: composed across the two files.
        connect_no_tls: 326,
        // leaf's extension trait's combinator on the app's own type, and on gendep's parameter.
        send_own: 72,
        send_through_param: 64,
        // The app's own struct and future, given to gendep by their layouts.
        hold_local: 603,
        run_block: 248,
      },
      'the sizes rustc prints (compared with a build below when cargo is installed)',
    );
    assert.deepStrictEqual(named(all, 'hold_packet').sources, ['gendep 0.3.0', 'leaf 1.1.0']);
    // The app's struct with a niche `Option<T>` would use: a layout alone cannot say, so its
    // `T` stays generic.
    const withRef = named(all, 'optional_with_ref');
    assert.ok(!withRef.exact);
    assert.deepStrictEqual(withRef.unknown, [
      '{async fn body of gendep 0.3.0 hold_optional<WithRef>()}: T',
    ]);
    compareWithRustc(exact, bounds, GENERIC);
  });
});
