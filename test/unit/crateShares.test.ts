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

const engine = loadServerModule<EngineModule>('analysis/engine');
const jobs = loadServerModule<JobsModule>('cli/analysisJobs');
const { analyzeFiles } = loadServerModule<AnalyzeFilesModule>('cli/analyzeFiles');
const layouts = loadServerModule<LayoutModule>('project/crateLayout');
const sourceFiles = loadServerModule<FilesModule>('project/sourceFiles');

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

describe('crate shares: splitCrateJobs', () => {
  const requested = ['a.rs', 'b.rs', 'c.rs', 'd.rs', 'e.rs'].map((f) => ({ path: f, file: f }));
  const unit = jobs.MIN_AWAITS_PER_SHARE;
  const awaits: Record<string, number> = {
    'a.rs': 5 * unit,
    'b.rs': 4 * unit,
    'c.rs': 3 * unit,
    'd.rs': 2 * unit,
    'e.rs': unit,
  };
  /** Dense in awaits, as the generated crates are: one await per 100 bytes. */
  const dense = (f: string) => ({ bytes: awaits[f] * 100, awaits: awaits[f] });
  const crateJob: import('../../server/src/cli/analysisJobs').CrateJob = {
    kind: 'crate',
    root: '/crate',
    requested,
    edition: '2021',
    parseBudgetMs: 1000,
    cwd: '/',
  };

  it('gives each requested file to one share, balancing awaits, each share reading all', () => {
    const shares = jobs.splitCrateJobs([crateJob], 2, dense);
    assert.strictEqual(shares.length, 2);
    const reported = shares.map((s) => jobs.reportedFiles(s));
    assert.deepStrictEqual(reported.flat().sort(), Object.keys(awaits));
    const sums = reported.map((files) => files.reduce((n, f) => n + awaits[f], 0));
    assert.ok(Math.abs(sums[0] - sums[1]) <= unit, `unbalanced shares: ${sums.join(' vs ')}`);
    for (const share of shares) {
      assert.strictEqual(share.kind, 'crate');
      assert.deepStrictEqual(share.kind === 'crate' && share.requested, requested);
    }
  });

  it('leaves the jobs alone when there are as many jobs as threads, or one file', () => {
    const file = { kind: 'file' as const, path: 'x.rs', file: 'x.rs', edition: '2021' as const };
    const single = { ...crateJob, requested: requested.slice(0, 1) };
    const twoJobs = [crateJob, { ...file, parseBudgetMs: 1000 }];
    assert.deepStrictEqual(jobs.splitCrateJobs(twoJobs, 2, dense), twoJobs);
    assert.deepStrictEqual(jobs.splitCrateJobs([single], 4, dense), [single]);
    assert.strictEqual(jobs.splitCrateJobs([crateJob], 3, dense).length, 3);
  });

  it('splits only a crate whose walks cost more than what every share repeats', () => {
    // tokio's `src/`: about one await per 2 KB.
    const sparse = (f: string) => ({ bytes: awaits[f] * 2000, awaits: awaits[f] });
    assert.deepStrictEqual(jobs.splitCrateJobs([crateJob], 2, sparse), [crateJob]);
    // Too few awaits in all to pay for a second worker.
    const few = (f: string) => ({ bytes: 100, awaits: f === 'a.rs' ? unit + 1 : 0 });
    assert.deepStrictEqual(jobs.splitCrateJobs([crateJob], 2, few), [crateJob]);
  });
});

describe('crate shares: the CLI on one crate with several workers', function () {
  this.timeout(600_000);
  let tempRoot: string;

  before(() => {
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rust-future-size-shares-'));
  });

  after(() => {
    fs.rmSync(tempRoot, { recursive: true, force: true });
  });

  /**
   * A crate dense in awaits, as the generated benchmark crates are, so the CLI splits it: each
   * module's fns hold buffers across awaits of the next module's fns (sized across files), and
   * each module has a future holding a type of a dependency that is not on this machine.
   */
  function denseCrate(modules: number, fnsPerModule: number): string {
    const root = path.join(tempRoot, `dense-${modules}`);
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
      const many = await analyzeFiles(paths, { jobs: count, cwd: repoRoot, loadAverage: 0 });
      assert.deepStrictEqual(many, one, `--jobs ${count} differs from --jobs 1 on ${root}`);
    }
    return one;
  }

  it('splits a crate dense in awaits between workers, with the reports of one thread', async () => {
    const root = denseCrate(6, 300);
    const paths = await sourceFiles.expandPaths([root]);
    const weights = paths.map((p) => {
      const text = fs.readFileSync(p, 'utf8');
      return { bytes: text.length, awaits: text.match(/\.await\b/g)?.length ?? 0 };
    });
    const job: import('../../server/src/cli/analysisJobs').CrateJob = {
      kind: 'crate',
      root,
      requested: paths.map((p) => ({ path: p, file: p })),
      edition: '2021',
      parseBudgetMs: 60_000,
      cwd: root,
    };
    assert.strictEqual(
      jobs.splitCrateJobs([job], 2, (p) => weights[paths.indexOf(p)]).length,
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
});
