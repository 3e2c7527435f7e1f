/**
 * One crate split between workers: each share indexes the whole crate and reports only its files
 * (`analyzeCrate`'s `reportFiles`, `splitCrateJobs`), and every file's report must be the one the
 * whole crate analysed at once gives.
 */
import * as assert from 'assert';
import * as fs from 'fs';
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
  assert.ok(crossFile > 0, 'expected futures that hold another fn\'s future');
}

describe('crate shares: analyzeCrate with reportFiles', () => {
  before(() => engine.initAnalysis());

  it('gives each file of the example crate the report of the whole crate', () => {
    assertEachFileAlone(path.join(repoRoot, 'examples'));
  });

  it('gives each file of the LSP fixture crate the report of the whole crate', () => {
    assertEachFileAlone(path.join(repoRoot, 'test', 'fixtures', 'lsp', 'crate'));
  });

  it('reports nothing for files it is not asked about', () => {
    const files = crateFiles(path.join(repoRoot, 'examples'));
    const reports = engine.analyzeCrate(files, { edition: '2021', reportFiles: new Set() });
    assert.deepStrictEqual(reports, []);
  });
});

describe('crate shares: splitCrateJobs', () => {
  const requested = ['a.rs', 'b.rs', 'c.rs', 'd.rs', 'e.rs'].map((f) => ({ path: f, file: f }));
  const bytes: Record<string, number> = {
    'a.rs': 50,
    'b.rs': 40,
    'c.rs': 30,
    'd.rs': 20,
    'e.rs': 10,
  };
  const crateJob: import('../../server/src/cli/analysisJobs').CrateJob = {
    kind: 'crate',
    root: '/crate',
    requested,
    edition: '2021',
    parseBudgetMs: 1000,
    cwd: '/',
  };

  it('gives each requested file to one share, balancing bytes, each share reading all', () => {
    const shares = jobs.splitCrateJobs([crateJob], 2, (f) => bytes[f]);
    assert.strictEqual(shares.length, 2);
    const reported = shares.map((s) => jobs.reportedFiles(s));
    assert.deepStrictEqual(reported.flat().sort(), Object.keys(bytes));
    const sums = reported.map((files) => files.reduce((n, f) => n + bytes[f], 0));
    assert.ok(Math.abs(sums[0] - sums[1]) <= 10, `unbalanced shares: ${sums.join(' vs ')}`);
    for (const share of shares) {
      assert.strictEqual(share.kind, 'crate');
      assert.deepStrictEqual(share.kind === 'crate' && share.requested, requested);
    }
  });

  it('leaves the jobs alone when there are as many jobs as threads, or one file', () => {
    const file = { kind: 'file' as const, path: 'x.rs', file: 'x.rs', edition: '2021' as const };
    const single = { ...crateJob, requested: requested.slice(0, 1) };
    const twoJobs = [crateJob, { ...file, parseBudgetMs: 1000 }];
    assert.deepStrictEqual(jobs.splitCrateJobs(twoJobs, 2, () => 1), twoJobs);
    assert.deepStrictEqual(jobs.splitCrateJobs([single], 4, () => 1), [single]);
    assert.strictEqual(jobs.splitCrateJobs([crateJob], 3, () => 1).length, 3);
  });
});

describe('crate shares: the CLI on one crate with several workers', function () {
  this.timeout(600_000);

  async function assertSameWithWorkers(root: string, counts: number[]): Promise<FileReport[]> {
    const paths = await sourceFiles.expandPaths([root]);
    const one = await analyzeFiles(paths, { jobs: 1, cwd: repoRoot });
    for (const count of counts) {
      const many = await analyzeFiles(paths, { jobs: count, cwd: repoRoot });
      assert.deepStrictEqual(many, one, `--jobs ${count} differs from --jobs 1 on ${root}`);
    }
    return one;
  }

  it('reports the example crate exactly as one thread does', async () => {
    const reports = await assertSameWithWorkers(path.join(repoRoot, 'examples'), [2, 3]);
    assert.ok(reports.flatMap((r) => r.futures).length >= 10);
  });

  it('reports tokio exactly as one thread does', async function () {
    if (!fs.existsSync(tokio)) {
      this.skip();
    }
    const reports = await assertSameWithWorkers(tokio, [2]);
    assert.ok(reports.length > 200 && reports.flatMap((r) => r.futures).length > 200);
  });
});
