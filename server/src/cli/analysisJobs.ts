/**
 * The unit of work of a CLI run: one file on its own, or the requested files of one crate analysed
 * with the whole crate's index. Plain data in and out, so a job runs the same in a worker thread
 * (`worker.ts`) or in the CLI's own thread (`analyzeFiles.ts`).
 */
import * as path from 'path';
import type { MessagePort } from 'worker_threads';
import {
  analyzeCrate,
  analyzeSource,
  closeCrateShare,
  CrateAnalysisOptions,
  CrateFile,
  Edition,
  initAnalysis,
  openCrateShare,
  walkCrateShare,
} from '../analysis/engine';
import { roundCharsFor } from '../analysis/incremental/crateRounds';
import type { ShareFileSummary } from '../analysis/incremental/shareSummaries';
import { CfgEnv, cfgWithFeatures } from '../analysis/syntax/cfg';
import { noteRuntimeFailure } from '../analysis/syntax/parser';
import { Calibration } from '../analysis/types/calibration';
import type { FileReport } from '../analysis/report';
import { loadCalibration } from '../measure/calibrate';
import { CrateLayout, modulePathFromFile, readCrateLayout } from '../project/crateLayout';
import { readSource } from '../project/readSource';
import { DependencyTypes } from '../analysis/deps/dependencyTypes';
import {
  isMissingDependencyNotice,
  noteMissingDependencies,
} from '../analysis/deps/missingDependencies';
import type { CrateGraph } from '../project/crateGraph';
import {
  dependenciesFromGraph,
  loadDependencies,
  LoadedDependencies,
} from '../project/dependencyLoader';
import type { FeatureOptions } from '../project/features';
import { PackageCache } from '../project/packageCache';
import { displayPath } from '../project/sourceFiles';
import { GarbageBound } from '../workers/garbage';
import { ReportSpool, unknownsView } from './reportSpool';

/** Everything one file's analysis needs, as plain (worker-transferable) data. */
export interface FileJob {
  kind?: 'file';
  /** Path to read, as found on disk. */
  path: string;
  /** Path shown in reports. */
  file: string;
  edition: Edition;
  parseBudgetMs: number;
  /** A stored calibration (`rust-future-size calibrate`) to take measured sizes from. */
  calibrationFile?: string;
  /** The package's cfg (its features); absent outside a package. */
  cfg?: CfgEnv;
}

/**
 * The files asked for in one crate, analysed with the whole crate's index: the types and async fns
 * of its other files are known, so awaiting a fn two modules away gets its real size.
 */
export interface CrateJob {
  kind: 'crate';
  root: string;
  /** The files to report on (others of the crate are only read for the index). */
  requested: { path: string; file: string }[];
  edition: Edition;
  parseBudgetMs: number;
  calibrationFile?: string;
  cwd: string;
  /** Cargo's feature switches for the crate graph (default: the default features). */
  features?: FeatureOptions;
  /** False: size nothing from dependencies' sources (their types stay unknown). */
  dependencies?: boolean;
  /** The workspace's crate graph, as loaded for the cfg; absent: loaded here. */
  graph?: CrateGraph;
  /** Where dependencies' indexed items are kept across runs; absent or null: not kept. */
  cacheDir?: string | null;
  cfg?: CfgEnv;
  /** Folders besides the package module files may be read from (`--allow-outside-package`). */
  readableRoots?: string[];
  /**
   * The requested files (their `file`) this job reports on, when the crate's requested files are
   * split between workers (`splitCrateJobs`); default all. Each file's report is the one an
   * unsplit job gives.
   */
  share?: string[];
  /** With `share`: which of how many shares of the crate this is. */
  shareOf?: { index: number; count: number };
  /**
   * Where a share trades its files' summaries for the other shares' (`shareRunner.ts`): it then
   * parses and indexes only its own files. Without it a share indexes the whole crate.
   */
  exchange?: MessagePort;
  /**
   * The run's spool folder (`reportSpool.ts`): a crate analysed in rounds writes each file's
   * futures there as its round ends, and its reports are stand-ins to read them back from.
   * Absent: reports are returned whole.
   */
  spoolFolder?: string;
}

/** What a share and the thread that started it say to each other on its `exchange`. */
export type ShareMessage =
  | { kind: 'summaries'; summaries: ShareFileSummary[] }
  | { kind: 'joined'; summaries: (ShareFileSummary | null)[] }
  | { kind: 'abort' };

/** The files a job's reports are for. */
export function reportedFiles(job: AnalysisJob): string[] {
  return job.kind === 'crate' ? (job.share ?? job.requested.map((r) => r.file)) : [job.file];
}

export type AnalysisJob = FileJob | CrateJob;

/** Runs one job of either kind. Never throws. */
export async function analyzeJob(job: AnalysisJob): Promise<FileReport[]> {
  try {
    // Loaded once; after the parser's runtime aborted on an earlier file, a new one for this job.
    await initAnalysis();
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    const reason = `the parser could not be loaded (${detail})`;
    const files = reportedFiles(job);
    return files.map((file) => ({ file, futures: [], notices: [`${file}: skipped: ${reason}`] }));
  }
  return job.kind === 'crate' ? analyzeCrateJob(job) : [await analyzeFile(job)];
}

function calibrationFrom(file: string | undefined): Calibration | undefined {
  const data = file ? loadCalibration(file) : null;
  return data ? new Calibration(data) : undefined;
}

/**
 * Reads the whole crate (for its index) and reports on the requested files. Files of the crate that
 * cannot be read are left out of the index with a notice only if they were requested.
 */
export async function analyzeCrateJob(job: CrateJob): Promise<FileReport[]> {
  try {
    const layout = readCrateLayout(job.root, job.readableRoots);
    const requested = new Map(job.requested.map((r) => [r.path, r.file]));
    const wanted = new Set(reportedFiles(job));
    const files = filesOf(job, layout);
    const crateFiles: CrateFile[] = [];
    const reports: FileReport[] = [];
    for (const f of files) {
      const source = await readSource(f.path);
      const shown = requested.get(f.path) ?? displayPath(f.path, job.cwd);
      if (!source.ok) {
        if (wanted.has(shown)) {
          reports.push({
            file: shown,
            futures: [],
            notices: [`${shown}: skipped: ${source.reason}`],
          });
        }
        continue;
      }
      crateFiles.push({ file: shown, text: source.text, modulePath: f.modulePath });
    }
    const loaded = job.dependencies === false ? null : dependenciesOf(job);
    const dependencies = loaded ? new DependencyTypes(loaded.graph) : undefined;
    const options: CrateAnalysisOptions = {
      edition: job.edition,
      parseBudgetMs: job.parseBudgetMs,
      calibration: calibrationFrom(job.calibrationFile),
      dependencies,
      // The package's cfg as the whole workspace resolves it; else its own graph's features.
      cfg: job.cfg ?? (loaded ? cfgWithFeatures(loaded.features) : undefined),
    };
    // Unsplit, the crate's other files are read for its index and walked only as the requested
    // need them.
    const spool = job.spoolFolder && !job.exchange ? new ReportSpool(job.spoolFolder) : null;
    let all: FileReport[];
    try {
      all = job.exchange
        ? await analyzeShare(crateFiles, wanted, options, job.exchange)
        : analyzeCrate(crateFiles, {
            ...options,
            reportFiles: wanted,
            roundChars: roundCharsFor(crateFiles),
            holdReport: collectingAsRoundsEnd(spool?.hold),
          });
    } finally {
      spool?.close();
    }
    noteMissingDependencies(all.map(unknownsView), dependencies);
    for (const report of all) {
      if (wanted.has(report.file)) {
        reports.push({ ...report, notices: report.notices.map((n) => withFile(report.file, n)) });
      }
    }
    // A `mod` whose file was not read (a FIFO, a device, a file outside the package) is named on
    // the file that declares it.
    for (const warning of layout.warnings) {
      const declared =
        /^(.*): (module `[^`]+` is (?:not a regular file|outside the package) .*)$/.exec(warning);
      const report = declared
        ? reports.find((r) => r.file === requested.get(declared[1]))
        : undefined;
      if (declared && report) {
        report.notices.push(`${report.file}: ${declared[2]}`);
      }
    }
    return reports;
  } catch (error) {
    noteRuntimeFailure(error);
    if (job.exchange) {
      // The thread that started the shares analyses the crate on one worker instead.
      throw error;
    }
    const reason = error instanceof Error ? error.message : String(error);
    return reportedFiles(job).map((file) => ({
      file,
      futures: [],
      notices: [`${file}: analysis failed: ${reason}`],
    }));
  }
}

/**
 * Garbage the heap may hold above what is live before the end of a crate's round collects it:
 * less than one round makes (its trees' nodes and walk state, about 150 MiB for 2 MB of text).
 */
const ROUND_GARBAGE_BYTES = 48 * 1024 * 1024;

/**
 * The hold of a crate analysed in rounds, collecting the last round's garbage first (the first
 * report of a round finds the heap over the bound, the others not). V8 sets the heap's next limit
 * from the live size at its last full collection, and in a round's walk that comes late: without
 * it a 300k-line crate peaked at 833 MiB, with it at 490 MiB.
 */
function collectingAsRoundsEnd(
  hold: ((report: FileReport) => FileReport) | undefined,
): (report: FileReport) => FileReport {
  const garbage = new GarbageBound(ROUND_GARBAGE_BYTES);
  return (report) => {
    garbage.collectIfOver();
    return hold ? hold(report) : report;
  };
}

/**
 * A share's two phases: parses and indexes its own files, trades their summaries for the other
 * shares', then walks and reports its files.
 */
async function analyzeShare(
  files: CrateFile[],
  wanted: ReadonlySet<string>,
  options: CrateAnalysisOptions,
  port: MessagePort,
): Promise<FileReport[]> {
  try {
    const own = new Set(files.flatMap((f, i) => (wanted.has(f.file) ? [i] : [])));
    const { share, summaries } = openCrateShare(files, own, options);
    let answer: ShareMessage;
    try {
      const answered = new Promise<ShareMessage>((resolve) => port.once('message', resolve));
      port.postMessage({ kind: 'summaries', summaries } satisfies ShareMessage);
      answer = await answered;
    } catch (error) {
      closeCrateShare(share);
      throw error;
    }
    if (answer.kind !== 'joined') {
      closeCrateShare(share);
      throw new Error('another share of the crate failed');
    }
    return walkCrateShare(share, answer.summaries);
  } finally {
    port.close();
  }
}

/**
 * The crate's dependencies, from the graph its cfg came from when the job brings it (a package
 * that is no member of it, an excluded one, has a graph of its own).
 */
function dependenciesOf(job: CrateJob): LoadedDependencies | null {
  const store = job.cacheDir ? { cache: packageCache(job.cacheDir), fill: true } : undefined;
  return (
    (job.graph && dependenciesFromGraph(job.graph, job.root, store)) ??
    loadDependencies(job.root, job.features, {}, store)
  );
}

/** One cache per folder and thread: a run's jobs share what it has read. */
const packageCaches = new Map<string, PackageCache>();

function packageCache(directory: string): PackageCache {
  let cache = packageCaches.get(directory);
  if (!cache) {
    cache = new PackageCache(directory);
    packageCaches.set(directory, cache);
  }
  return cache;
}

/**
 * The files a crate job reads, in the order the engine gets them: the crate's modules, then the
 * requested files outside them (tests/, examples/, benches/: each its own root module).
 */
function filesOf(job: CrateJob, layout: CrateLayout): CrateLayout['files'] {
  const inCrate = new Set(layout.files.map((f) => f.path));
  const files = [...layout.files];
  for (const r of job.requested) {
    if (!inCrate.has(r.path)) {
      files.push({ path: r.path, modulePath: modulePathFromFile(path.basename(r.path)) });
    }
  }
  return files;
}

/**
 * Joins the reports of a crate's shares (`splitCrateJobs`) as one job over the whole crate would
 * have given them. Each share notes a dependency whose sources are missing on its own first report
 * that needed it; the whole crate, on the crate's first: only that one is kept.
 */
export function joinShares(job: CrateJob, reports: FileReport[]): void {
  const requested = new Map(job.requested.map((r) => [r.path, r.file]));
  const order = new Map(
    filesOf(job, readCrateLayout(job.root, job.readableRoots)).map((f, i) => [
      requested.get(f.path) ?? displayPath(f.path, job.cwd),
      i,
    ]),
  );
  const at = (r: FileReport) => order.get(r.file) ?? Number.MAX_SAFE_INTEGER;
  const noted = new Set<string>();
  for (const report of [...reports].sort((a, b) => at(a) - at(b))) {
    report.notices = report.notices.filter((notice) => {
      if (!isMissingDependencyNotice(notice)) {
        return true;
      }
      const dependency = notice.slice(notice.indexOf('dependency '));
      const first = !noted.has(dependency);
      noted.add(dependency);
      return first;
    });
  }
}

/**
 * Reads and analyses one file. Never throws: an unreadable file or an engine failure becomes a
 * notice, so one bad file cannot hide the results for all the others.
 * `initAnalysis()` must have completed in this thread.
 */
export async function analyzeFile(job: FileJob): Promise<FileReport> {
  const source = await readSource(job.path);
  if (!source.ok) {
    return { file: job.file, futures: [], notices: [`${job.file}: skipped: ${source.reason}`] };
  }
  try {
    const report = analyzeSource(source.text, {
      file: job.file,
      edition: job.edition,
      parseBudgetMs: job.parseBudgetMs,
      calibration: calibrationFrom(job.calibrationFile),
      cfg: job.cfg,
    });
    return { ...report, notices: report.notices.map((notice) => withFile(job.file, notice)) };
  } catch (error) {
    // A trap in the parser's runtime: the next job gets a new runtime (`initAnalysis`).
    noteRuntimeFailure(error);
    const reason = error instanceof Error ? error.message : String(error);
    return { file: job.file, futures: [], notices: [`${job.file}: analysis failed: ${reason}`] };
  }
}

/** Notices are printed apart from their file, so each must say which file it is about. */
function withFile(file: string, notice: string): string {
  return notice.startsWith(file) ? notice : `${file}: ${notice}`;
}

/** What a file gives a crate's walks to do, and what its parse and index cost (its length). */
export interface FileWeight {
  bytes: number;
  /** `.await`s in its text: the walks and reports cost about this many times a fixed amount. */
  awaits: number;
}

/**
 * One `.await` costs the walks and the reports about what this many bytes cost the parse and the
 * index (measured on generated crates: 0.35 ms per await against 1.1 µs per byte).
 */
const AWAIT_COST_IN_BYTES = 300;
/**
 * A share costs a worker's start and its warm-up (the engine's code compiled again in its thread,
 * its first walks unoptimised): about 0.6 s of CPU on tokio's `src/`, 2 s on a 100k-line generated
 * crate. Only worth it with this much work in each share, in bytes of text plus
 * `AWAIT_COST_IN_BYTES` per await (about 1.5 s of one thread's CPU): tokio's `src/` (2.8 MB so
 * counted) ran slower split in two; the 100k-line generated crate (9 MB) gains.
 */
export const MIN_WEIGHT_PER_SHARE = 2_000_000;

/** What a file costs a crate's analysis, in bytes of text. */
function costOf(weight: FileWeight): number {
  return weight.bytes + weight.awaits * AWAIT_COST_IN_BYTES;
}

/**
 * Splits crate jobs into shares so `threads` workers have work even when there are fewer jobs
 * than workers (one crate: every worker would otherwise wait on one). Each share parses, indexes,
 * walks and reports only its files, and reads the other shares' items from their summaries
 * (`shareRunner.ts`). Shares are runs of files in path order (whole module subtrees, whose
 * walks mostly read each other), cut where each share has as nearly as possible its part of the
 * crate's cost; a crate too small to pay for a worker's start is not split.
 */
export function splitCrateJobs(
  jobs: readonly AnalysisJob[],
  threads: number,
  weightOf: (file: string) => FileWeight,
  minWeightPerShare = MIN_WEIGHT_PER_SHARE,
): AnalysisJob[] {
  const sharesPerJob = Math.floor(threads / Math.max(1, jobs.length));
  if (sharesPerJob < 2) {
    return [...jobs];
  }
  return jobs.flatMap((job) => {
    if (job.kind !== 'crate' || job.requested.length < 2) {
      return [job];
    }
    const files = [...job.requested]
      .sort((a, b) => comparePaths(a.file, b.file))
      .map((r) => ({ file: r.file, cost: costOf(weightOf(r.path)) }));
    const total = files.reduce((n, f) => n + f.cost, 0);
    let count = Math.min(sharesPerJob, job.requested.length, Math.floor(total / minWeightPerShare));
    for (; count >= 2; count--) {
      const shares = cutInRuns(files, total, count);
      // A file heavier than a share's part leaves another share with too little to be worth it.
      if (shares.every((share) => share.cost >= minWeightPerShare / 2)) {
        return shares.map((share, index) => ({
          ...job,
          share: share.files,
          shareOf: { index, count },
        }));
      }
    }
    return [job];
  });
}

/** Cuts files (in order) into `count` runs, each file in the run its middle falls in. */
function cutInRuns(
  files: readonly { file: string; cost: number }[],
  total: number,
  count: number,
): { files: string[]; cost: number }[] {
  const shares = Array.from({ length: count }, () => ({ files: [] as string[], cost: 0 }));
  let before = 0;
  for (const f of files) {
    const at = Math.min(count - 1, Math.floor(((before + f.cost / 2) / total) * count));
    shares[at].files.push(f.file);
    shares[at].cost += f.cost;
    before += f.cost;
  }
  return shares;
}

/** Path order by segments: a folder's files stay together (`a/b.rs` before `a-b.rs`). */
function comparePaths(a: string, b: string): number {
  const left = a.split(/[\\/]/);
  const right = b.split(/[\\/]/);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] !== right[i]) {
      return left[i] < right[i] ? -1 : 1;
    }
  }
  return left.length - right.length;
}
