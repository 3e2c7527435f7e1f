/**
 * One crate split between workers: each share indexes the whole crate and reports only its files
 * (`analyzeCrate`'s `reportFiles`, `splitCrateJobs`), and every file's report must be the one the
 * whole crate analysed at once gives.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FileReport } from '../../server/src/analysis/report';
import { loadServerModule } from '../support/repoPaths';
import { DEBIAN_REGISTRY } from '../support/realCorpus';

type EngineModule = typeof import('../../server/src/analysis/engine');
type JobsModule = typeof import('../../server/src/cli/analysisJobs');
type AnalyzeFilesModule = typeof import('../../server/src/cli/analyzeFiles');
type LayoutModule = typeof import('../../server/src/project/crateLayout');
type FilesModule = typeof import('../../server/src/project/sourceFiles');
type SummariesModule = typeof import('../../server/src/analysis/incremental/shareSummaries');
type ItemsModule = typeof import('../../server/src/analysis/items/items');
type ParserModule = typeof import('../../server/src/analysis/syntax/parser');

const engine = loadServerModule<EngineModule>('analysis/engine');
const jobs = loadServerModule<JobsModule>('cli/analysisJobs');
const { analyzeFiles } = loadServerModule<AnalyzeFilesModule>('cli/analyzeFiles');
const layouts = loadServerModule<LayoutModule>('project/crateLayout');
const sourceFiles = loadServerModule<FilesModule>('project/sourceFiles');
const shareSummaries = loadServerModule<SummariesModule>('analysis/incremental/shareSummaries');
const items = loadServerModule<ItemsModule>('analysis/items/items');
const parser = loadServerModule<ParserModule>('analysis/syntax/parser');

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const registry = process.env.RUST_FUTURE_SIZE_REGISTRY ?? DEBIAN_REGISTRY;
const tokio = path.join(registry, 'tokio-1.24.2');

function crateFiles(root: string): import('../../server/src/analysis/engine').CrateFile[] {
  return layouts.readCrateLayout(root).files.map((f) => ({
    file: path.relative(root, f.path),
    text: fs.readFileSync(f.path, 'utf8'),
    modulePath: f.modulePath,
  }));
}

/** Each file reported on its own (the others only indexed) gives the whole-crate report. */
function assertEachFileAlone(root: string): void {
  const files = crateFiles(root);
  const options = { edition: '2021' as const, parseBudgetMs: 60_000 };
  const whole = engine.analyzeCrate(files, options);
  assert.deepStrictEqual(
    whole.map((r) => r.file),
    files.map((f) => f.file),
  );
  let crossFile = 0;
  for (const report of whole) {
    const alone = engine.analyzeCrate(files, { ...options, reportFiles: new Set([report.file]) });
    assert.deepStrictEqual(alone, [report], report.file);
    crossFile += report.futures.filter((f) =>
      f.awaits.some((a) => a.held.some((h) => /async fn body of/.test(h.type ?? ''))),
    ).length;
  }
  assert.ok(crossFile > 0, "expected futures that hold another fn's future");
}

describe('crate shares: analyzeCrate with reportFiles', () => {
  before(() => engine.initAnalysis());

  it('gives each file of the example crate the report of the whole crate', () => {
    assertEachFileAlone(path.join(repoRoot, 'examples'));
  });

  it('gives each file of the LSP fixture crate the report of the whole crate', () => {
    assertEachFileAlone(path.join(repoRoot, 'test', 'fixtures', 'lsp', 'crate'));
  });

  it("gives tokio's files, split in three shares, the reports of the whole crate", function () {
    if (!fs.existsSync(tokio)) {
      this.skip();
    }
    const files = crateFiles(tokio);
    const options = { edition: '2018' as const, parseBudgetMs: 60_000 };
    const whole = engine.analyzeCrate(files, options);
    const byFile = new Map<string, FileReport>();
    for (let share = 0; share < 3; share++) {
      const reportFiles = new Set(files.filter((_, i) => i % 3 === share).map((f) => f.file));
      engine.analyzeCrate(files, { ...options, reportFiles }).forEach((r) => byFile.set(r.file, r));
    }
    assert.deepStrictEqual(
      whole.map((r) => byFile.get(r.file)),
      whole,
    );
    assert.ok(whole.length > 200 && whole.flatMap((r) => r.futures).length > 200);
  });

  it('reports nothing for files it is not asked about', () => {
    const files = crateFiles(path.join(repoRoot, 'examples'));
    const reports = engine.analyzeCrate(files, { edition: '2021', reportFiles: new Set() });
    assert.deepStrictEqual(reports, []);
  });
});

/** A crate of files generated as the benchmark's (`bench/generate.ts`), `lib.rs` declaring them. */
function generatedCrateFiles(
  modules: number,
): import('../../server/src/analysis/engine').CrateFile[] {
  // bench/generate.ts is compiled by the same `tsc -b`.
  const generate = require(path.join(repoRoot, 'bench', 'out', 'generate.js')) as {
    generateRust(asyncFns: number, seed: number): { text: string };
  };
  const files = Array.from({ length: modules }, (_, i) => ({
    file: `src/m${i}.rs`,
    text: generate.generateRust(12, i + 1).text,
    modulePath: [`m${i}`],
  }));
  const lib = files.map((_, i) => `pub mod m${i};\n`).join('');
  return [{ file: 'src/lib.rs', text: lib, modulePath: [] }, ...files];
}

/**
 * The crate in shares as workers run them: each share parses only its files (`openCrateShare`),
 * the summaries cross a structured clone, and each walks its files (`walkCrateShare`).
 */
function analyzeInShares(
  files: import('../../server/src/analysis/engine').CrateFile[],
  options: import('../../server/src/analysis/engine').CrateAnalysisOptions,
  shareOf: (position: number) => number,
  count: number,
): { reports: FileReport[]; opened: number[] } {
  const positions = files.map((_, i) => i);
  const opened = Array.from({ length: count }, (_, k) =>
    engine.openCrateShare(files, new Set(positions.filter((p) => shareOf(p) === k)), options),
  );
  const all = opened.flatMap((o) => o.summaries).sort((a, b) => a.position - b.position);
  const byFile = new Map<string, FileReport>();
  opened.forEach((o, k) => {
    const others = all.map((s) => (shareOf(s.position) === k ? null : s));
    engine.walkCrateShare(o.share, structuredClone(others)).forEach((r) => byFile.set(r.file, r));
  });
  return {
    reports: files.flatMap((f) => (byFile.has(f.file) ? [byFile.get(f.file)!] : [])),
    opened: opened.map((o) => o.share.opened.length),
  };
}

describe('crate shares: each share parses only its files', () => {
  before(() => engine.initAnalysis());

  const cases: [string, () => { root: string; edition: '2018' | '2021' } | null][] = [
    ['the example crate', () => ({ root: path.join(repoRoot, 'examples'), edition: '2021' })],
    [
      'the LSP fixture crate',
      () => ({ root: path.join(repoRoot, 'test', 'fixtures', 'lsp', 'crate'), edition: '2021' }),
    ],
    ["tokio's crate", () => (fs.existsSync(tokio) ? { root: tokio, edition: '2018' } : null)],
  ];
  for (const [name, crate] of cases) {
    it(`gives ${name}, in 2 and 3 shares, the reports of the whole crate`, function () {
      const found = crate();
      if (!found) {
        this.skip();
      }
      const files = crateFiles(found.root);
      const options = { edition: found.edition, parseBudgetMs: 60_000 };
      const whole = engine.analyzeCrate(files, options);
      let opened = 0;
      for (const count of [2, 3]) {
        // In runs of files (as `splitCrateJobs` cuts them), and dealt out one by one (as many
        // files of other shares to read as can be).
        const runs = (p: number) => Math.floor((p * count) / files.length);
        const dealt = (p: number) => p % count;
        for (const shareOf of [runs, dealt]) {
          const split = analyzeInShares(files, options, shareOf, count);
          assert.deepStrictEqual(split.reports, whole, `${count} shares`);
          opened += split.opened.reduce((n, k) => n + k, 0);
        }
      }
      // Some walks read another share's file: it was opened for them, and only then.
      assert.ok(opened > 0 && opened < files.length * 4, `${opened} files opened again`);
    });
  }

  it('gives a generated crate, in 2 and 3 shares, the reports of the whole crate', () => {
    const files = generatedCrateFiles(9);
    const options = { edition: '2021' as const, parseBudgetMs: 60_000 };
    const whole = engine.analyzeCrate(files, options);
    assert.ok(whole.flatMap((r) => r.futures).length > 9 * 12);
    for (const count of [2, 3]) {
      const split = analyzeInShares(files, options, (p) => p % count, count);
      assert.deepStrictEqual(split.reports, whole, `${count} shares`);
      // Every module defines its own `Conn` and `pause`: no walk needs another share's file.
      assert.deepStrictEqual(
        split.opened,
        split.opened.map(() => 0),
      );
    }
  });

  it("keeps a file's items through a structured clone, its nodes read from the file", () => {
    const text = [
      'pub struct S { a: u64 }',
      'impl S { pub async fn get(&self, n: u32, (x, y): (u8, u8)) -> u64 { self.a } }',
      'pub async fn free<T: Send>(t: T) -> T { t }',
      'pub fn same() {}',
      '#[cfg(unix)] pub fn same() {}',
    ].join('\n');
    const tree = parser.parseRust(text, 10_000);
    try {
      const index = items.indexItems(tree.rootNode, ['m']);
      const received = structuredClone(shareSummaries.stripIndex(index));
      const live = shareSummaries.fnsOf(index);
      let opens = 0;
      shareSummaries.hydrateIndex(received, () => {
        opens++;
        return live;
      });
      const fns = shareSummaries.fnsOf(received);
      assert.strictEqual(fns.length, live.length);
      assert.strictEqual(opens, 0, 'no file is opened before a walk reads a node');
      const plain = (fn: import('../../server/src/analysis/items/items').FnInfo) => ({
        ...fn,
        node: undefined,
        body: undefined,
        params: fn.params.map((p) => [p.patternText, p.ty, p.isSelf]),
      });
      fns.forEach((fn, i) => {
        assert.deepStrictEqual(plain(fn), plain(live[i]));
        assert.strictEqual(fn.node, live[i].node);
        assert.strictEqual(fn.body, live[i].body);
        fn.params.forEach((p, j) => assert.strictEqual(p.pattern, live[i].params[j].pattern));
      });
      assert.ok(opens > 0);
      assert.deepStrictEqual([...received.types], [...index.types]);
      assert.deepStrictEqual(
        [...received.fns.keys(), ...received.methods.keys()],
        [...index.fns.keys(), ...index.methods.keys()],
      );
      // Keys as a walk gives them: same-named fns (under cfg) are numbered.
      assert.deepStrictEqual(
        [...shareSummaries.fnKeysOf('src/m.rs', received).values()],
        ['src/m.rs:m::S::get', 'src/m.rs:m::free', 'src/m.rs:m::same', 'src/m.rs:m::same#1'],
      );
    } finally {
      tree.delete();
    }
  });
});

describe('crate shares: splitCrateJobs', () => {
  // Two module subtrees (`net/`, `sync/`) and the root's files, handed in out of path order.
  const paths = ['sync/b.rs', 'lib.rs', 'net/a.rs', 'sync/a.rs', 'net/b.rs', 'net/mod.rs'];
  const requested = paths.map((f) => ({ path: f, file: f }));
  const unit = jobs.MIN_WEIGHT_PER_SHARE;
  /** Each file's cost in bytes of text: awaits count 300 bytes each. */
  const costs: Record<string, number> = {
    'lib.rs': unit / 10,
    'net/a.rs': 2 * unit,
    'net/b.rs': 1 * unit,
    'net/mod.rs': unit / 10,
    'sync/a.rs': 2.2 * unit,
    'sync/b.rs': unit,
  };
  const half = (f: string) => ({ bytes: costs[f] / 2, awaits: costs[f] / 2 / 300 });
  const crateJob: import('../../server/src/cli/analysisJobs').CrateJob = {
    kind: 'crate',
    root: '/crate',
    requested,
    edition: '2021',
    parseBudgetMs: 1000,
    cwd: '/',
  };
  const reportedBy = (shares: import('../../server/src/cli/analysisJobs').AnalysisJob[]) =>
    shares.map((s) => jobs.reportedFiles(s));

  it('gives each share a run of files in path order, balanced by bytes and awaits', () => {
    const shares = jobs.splitCrateJobs([crateJob], 2, half);
    assert.deepStrictEqual(reportedBy(shares), [
      ['lib.rs', 'net/a.rs', 'net/b.rs', 'net/mod.rs'],
      ['sync/a.rs', 'sync/b.rs'],
    ]);
    shares.forEach((share, index) => {
      assert.ok(share.kind === 'crate');
      assert.deepStrictEqual(share.shareOf, { index, count: 2 });
      assert.deepStrictEqual(share.requested, requested);
    });
    const three = reportedBy(jobs.splitCrateJobs([crateJob], 3, half));
    assert.deepStrictEqual(three.flat(), [...paths].sort());
    const sums = three.map((files) => files.reduce((n, f) => n + costs[f], 0));
    // Within one file's cost of a third of the crate each.
    sums.forEach((sum) => assert.ok(Math.abs(sum - (6.4 * unit) / 3) <= 2.2 * unit, `${sums}`));
  });

  it('leaves the jobs alone when there are as many jobs as threads, or one file', () => {
    const file = { kind: 'file' as const, path: 'x.rs', file: 'x.rs', edition: '2021' as const };
    const single = { ...crateJob, requested: requested.slice(0, 1) };
    const twoJobs = [crateJob, { ...file, parseBudgetMs: 1000 }];
    assert.deepStrictEqual(jobs.splitCrateJobs(twoJobs, 2, half), twoJobs);
    assert.deepStrictEqual(jobs.splitCrateJobs([single], 4, half), [single]);
    assert.strictEqual(jobs.splitCrateJobs([crateJob], 3, half).length, 3);
  });

  it('splits only a crate with enough work for each share to pay for a worker', () => {
    // 6.4 units of work, most of it in four files: as many shares, each with enough.
    assert.strictEqual(jobs.splitCrateJobs([crateJob], 8, half).length, 4);
    const small = (f: string) => ({ bytes: costs[f] / 4, awaits: 0 });
    assert.deepStrictEqual(jobs.splitCrateJobs([crateJob], 2, small), [crateJob]);
    // One file holding all the work: nothing to give the other share.
    const lopsided = (f: string) => ({ bytes: f === 'net/a.rs' ? 10 * unit : 0, awaits: 0 });
    assert.deepStrictEqual(jobs.splitCrateJobs([crateJob], 2, lopsided), [crateJob]);
  });
});

let tempRoot = '';

/**
 * The work each share must have in these tests: less than the CLI asks (`MIN_WEIGHT_PER_SHARE`),
 * so crates small enough for a test are split.
 */
const TEST_SHARE_WEIGHT = 300_000;

/** A folder for this file's crates, made on first use and removed after the run. */
function scratch(): string {
  tempRoot ||= fs.mkdtempSync(path.join(os.tmpdir(), 'rust-future-size-shares-'));
  return tempRoot;
}

after(() => {
  if (tempRoot) {
    fs.rmSync(tempRoot, { recursive: true, force: true });
  }
});

/**
 * A crate dense in awaits, as the generated benchmark crates are, so the CLI splits it: each
 * module's fns hold buffers across awaits of the next module's fns (sized across files), and
 * each module has a future holding a type of a dependency that is not on this machine.
 */
function denseCrate(modules: number, fnsPerModule: number): string {
  const root = path.join(scratch(), `dense-${modules}`);
  fs.mkdirSync(path.join(root, 'src'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'Cargo.toml'),
    '[package]\nname = "dense"\nversion = "0.1.0"\nedition = "2021"\n\n' +
      // Not on this machine: its types are not sized, and one notice says so.
      '[dependencies]\nabsent_dep = "1.2"\n',
  );
  const lib = Array.from({ length: modules }, (_, m) => `pub mod m${m};\n`).join('');
  fs.writeFileSync(path.join(root, 'src', 'lib.rs'), lib);
  for (let m = 0; m < modules; m++) {
    const next = (m + 1) % modules;
    const fns = Array.from(
      { length: fnsPerModule },
      (_, f) => `pub async fn f${f}(n: u64) -> u64 {
  let buf = [0u8; ${16 * (f % 7) + m}];
  let a = crate::m${next}::leaf${next}_${f % 3}(n).await;
  let b = leaf${m}_${(f + 1) % 3}(a).await;
  let c = crate::m${next}::leaf${next}_${(f + 2) % 3}(b).await;
  c + buf.len() as u64
}
`,
    ).join('');
    const leaves = [0, 1, 2]
      .map(
        (l) =>
          `pub async fn leaf${m}_${l}(n: u64) -> u64 {\n    let s = [n; ${l + 1}];\n` +
          `    tick().await;\n    s[0]\n}\n`,
      )
      .join('');
    const absent =
      'pub async fn absent(t: absent_dep::Thing) {\n    tick().await;\n    drop(t);\n}\n';
    const text = `pub async fn tick() {}\n${leaves}${fns}${absent}`;
    fs.writeFileSync(path.join(root, 'src', `m${m}.rs`), text);
  }
  return root;
}

async function assertSameWithWorkers(root: string, counts: number[]): Promise<FileReport[]> {
  const paths = await sourceFiles.expandPaths([root]);
  const one = await analyzeFiles(paths, { jobs: 1, cwd: repoRoot });
  for (const count of counts) {
    // As on an idle machine, whatever this one's load: the crate is split.
    const many = await analyzeFiles(paths, {
      jobs: count,
      cwd: repoRoot,
      loadAverage: 0,
      minShareWeight: TEST_SHARE_WEIGHT,
    });
    assert.deepStrictEqual(many, one, `--jobs ${count} differs from --jobs 1 on ${root}`);
  }
  return one;
}

/** The benchmark's kind of crate, large enough to be split in three. */
function benchCrate(): string {
  const root = path.join(scratch(), 'generated');
  if (!fs.existsSync(root)) {
    fs.mkdirSync(path.join(root, 'src'), { recursive: true });
    fs.writeFileSync(
      path.join(root, 'Cargo.toml'),
      '[package]\nname = "generated"\nversion = "0.1.0"\nedition = "2021"\n',
    );
    const generate = require(path.join(repoRoot, 'bench', 'out', 'generate.js')) as {
      generateRust(asyncFns: number, seed: number): { text: string };
    };
    const modules = 21;
    for (let i = 0; i < modules; i++) {
      fs.writeFileSync(path.join(root, 'src', `m${i}.rs`), generate.generateRust(50, i + 1).text);
    }
    const lib = Array.from({ length: modules }, (_, i) => `pub mod m${i};\n`).join('');
    fs.writeFileSync(path.join(root, 'src', 'lib.rs'), lib);
  }
  return root;
}

/** The CLI's job for the crate at `root` with these files. */
function crateJobOf(
  root: string,
  paths: string[],
): import('../../server/src/cli/analysisJobs').CrateJob {
  return {
    kind: 'crate',
    root,
    requested: paths.map((p) => ({ path: p, file: p })),
    edition: '2021',
    parseBudgetMs: 60_000,
    cwd: root,
  };
}

/** How many shares the CLI cuts a crate in with `threads` workers. */
async function sharesOf(
  root: string,
  threads: number,
  minWeight = TEST_SHARE_WEIGHT,
): Promise<number> {
  const paths = await sourceFiles.expandPaths([root]);
  const job = crateJobOf(root, paths);
  const weightOf = (p: string) => {
    const text = fs.readFileSync(p, 'utf8');
    return { bytes: text.length, awaits: text.match(/\.\s*await\b/g)?.length ?? 0 };
  };
  return jobs.splitCrateJobs([job], threads, weightOf, minWeight).length;
}

/**
 * The real worker, except that it exits with code 9 in the shares for which `exits(share)`
 * holds, once the other shares' summaries arrive (`joined`) or at once (`start`).
 */
function failingShareWorker(name: string, when: 'start' | 'joined', exits: string): string {
  const realWorker = path.join(repoRoot, 'server', 'out', 'cli', 'worker.js');
  const script = path.join(scratch(), `${name}.js`);
  fs.writeFileSync(
    script,
    `const { parentPort } = require('worker_threads');
// Registered before the real worker's listener, so it sees each job first.
parentPort.on('message', ({ job }) => {
const share = job.shareOf ? job.shareOf.index : null;
if (!(${exits})) return;
if (${JSON.stringify(when)} === 'start') process.exit(9);
job.exchange.on('message', (m) => m.kind === 'joined' && process.exit(9));
});
require(${JSON.stringify(realWorker)});
`,
  );
  return script;
}

describe('crate shares: the CLI on one crate with several workers', function () {
  this.timeout(600_000);

  it('splits a crate dense in awaits between workers, with the reports of one thread', async () => {
    const root = denseCrate(6, 300);
    const paths = await sourceFiles.expandPaths([root]);
    const weights = paths.map((p) => {
      const text = fs.readFileSync(p, 'utf8');
      return { bytes: text.length, awaits: text.match(/\.await\b/g)?.length ?? 0 };
    });
    const job = crateJobOf(root, paths);
    assert.strictEqual(
      jobs.splitCrateJobs([job], 2, (p) => weights[paths.indexOf(p)], TEST_SHARE_WEIGHT).length,
      2,
      'expected this crate to be split',
    );
    const reports = await assertSameWithWorkers(root, [2, 3]);
    const futures = reports.flatMap((r) => r.futures);
    assert.ok(futures.length >= 6 * 300);
    const missing = reports.flatMap((r) => r.notices).filter((n) => n.includes('absent_dep'));
    assert.strictEqual(missing.length, 1, missing.join('\n'));
    // A future of module `mK` holding one of module `mK+1`'s: sized from another file.
    const holdsOtherModules = (f: (typeof futures)[number]) =>
      f.awaits.some((a) =>
        a.held.some((h) => {
          const module = /body of (m\d+)::/.exec(h.type ?? '')?.[1];
          return module !== undefined && module !== f.name.split('::')[0];
        }),
      );
    assert.ok(
      futures.some((f) => f.exact && holdsOtherModules(f)),
      "expected exact sizes that hold another module's future",
    );
  });

  it('reports the example crate exactly as one thread does', async () => {
    const reports = await assertSameWithWorkers(path.join(repoRoot, 'examples'), [2]);
    assert.ok(reports.flatMap((r) => r.futures).length >= 10);
  });

  it('reports a generated crate on 2 and 3 workers exactly as one thread does', async () => {
    const root = benchCrate();
    assert.strictEqual(await sharesOf(root, 3), 3, 'expected the crate to be split in three');
    const reports = await assertSameWithWorkers(root, [2, 3]);
    assert.ok(reports.flatMap((r) => r.futures).length >= 21 * 50);
  });

  it("reports tokio's src/ on 2 and 3 workers exactly as one thread does", async function () {
    if (!fs.existsSync(tokio)) {
      this.skip();
    }
    const src = path.join(tokio, 'src');
    assert.strictEqual(await sharesOf(src, 3), 3, 'expected tokio to be split in three');
    // Not by default: its walks are too few to pay for a second worker's warm-up.
    assert.strictEqual(await sharesOf(src, 2, jobs.MIN_WEIGHT_PER_SHARE), 1);
    const reports = await assertSameWithWorkers(src, [2, 3]);
    assert.ok(reports.length > 200 && reports.flatMap((r) => r.futures).length > 200);
  });
});

describe('crate shares: the CLI when a share fails', function () {
  this.timeout(600_000);

  it('falls back to one worker, with a notice, when a share fails', async () => {
    const root = denseCrate(6, 300);
    const paths = await sourceFiles.expandPaths([root]);
    const one = await analyzeFiles(paths, { jobs: 1, cwd: repoRoot });
    const runs: [string, 'start' | 'joined', string][] = [
      ['exitsInPhaseTwo', 'joined', 'share === 1'],
      // Share 0 runs in the CLI's own thread (`runPool`): the workers have the others.
      ['exitsAtStart', 'start', 'share === 2'],
    ];
    for (const [name, when, exits] of runs) {
      const many = await analyzeFiles(paths, {
        jobs: 3,
        cwd: repoRoot,
        loadAverage: 0,
        minShareWeight: TEST_SHARE_WEIGHT,
        workerScript: failingShareWorker(name, when, exits),
      });
      const [first, ...rest] = many;
      const notice = /the crate's 3 workers could not share it \(worker exited with code 9\)/;
      assert.match(first.notices[0], new RegExp(`: ${notice.source}: it was analysed on one$`));
      assert.deepStrictEqual({ ...first, notices: first.notices.slice(1) }, one[0], name);
      assert.deepStrictEqual(rest, one.slice(1), name);
    }
  });

  it('gives every file a notice when the crate fails on one worker too', async () => {
    const root = denseCrate(6, 300);
    const paths = await sourceFiles.expandPaths([root]);
    const many = await analyzeFiles(paths, {
      jobs: 2,
      cwd: repoRoot,
      loadAverage: 0,
      minShareWeight: TEST_SHARE_WEIGHT,
      workerScript: failingShareWorker('alwaysExits', 'start', 'true'),
    });
    assert.strictEqual(many.length, paths.length);
    for (const report of many) {
      assert.deepStrictEqual(report.futures, []);
      assert.match(report.notices.join('\n'), /analysis failed: worker exited with code 9/);
    }
  });
});
