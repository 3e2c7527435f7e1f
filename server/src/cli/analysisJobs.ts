/**
 * The unit of work of a CLI run: one file on its own, or the requested files of one crate analysed
 * with the whole crate's index. Plain data in and out, so a job runs the same in a worker thread
 * (`worker.ts`) or in the CLI's own thread (`analyzeFiles.ts`).
 */
import * as path from 'path';
import { analyzeCrate, analyzeSource, CrateFile, Edition, initAnalysis } from '../analysis/engine';
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
   * split between workers (`splitCrateJobs`); default all. Every share reads all of them for the
   * index, in the same order, so each file's report is the one an unsplit job gives.
   */
  share?: string[];
}

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
    const all = analyzeCrate(crateFiles, {
      // The crate's other files are read for its index and walked only as the requested need them.
      reportFiles: wanted,
      edition: job.edition,
      parseBudgetMs: job.parseBudgetMs,
      calibration: calibrationFrom(job.calibrationFile),
      dependencies,
      // The package's cfg as the whole workspace resolves it; else its own graph's features.
      cfg: job.cfg ?? (loaded ? cfgWithFeatures(loaded.features) : undefined),
    });
    noteMissingDependencies(all, dependencies);
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
    const reason = error instanceof Error ? error.message : String(error);
    return reportedFiles(job).map((file) => ({
      file,
      futures: [],
      notices: [`${file}: analysis failed: ${reason}`],
    }));
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
 * A share costs a worker's start and the whole crate's parse and index again: only worth it with
 * this many awaits to walk in each share (2,000 take about 0.7 s of CPU; the start about 0.3 s).
 */
export const MIN_AWAITS_PER_SHARE = 2_000;
/**
 * One `.await` costs the walks and the reports about what this many bytes cost the parse and the
 * index (measured on generated crates: 0.35 ms per await against 1.1 µs per byte).
 */
const AWAIT_COST_IN_BYTES = 300;

/**
 * Splits crate jobs into shares so `threads` workers have work even when there are fewer jobs
 * than workers (one crate: every worker would otherwise wait on one). Each share reads and indexes
 * the whole crate but walks and reports only its files, so shares repeat the parse and the index
 * and divide the walks. A crate is split only when its walks cost more than what every share
 * repeats (tokio's `src/` has one await per 2 KB: it is not); files go to the share with the
 * fewest awaits so far, most awaits first.
 */
export function splitCrateJobs(
  jobs: readonly AnalysisJob[],
  threads: number,
  weightOf: (file: string) => FileWeight,
): AnalysisJob[] {
  const sharesPerJob = Math.floor(threads / Math.max(1, jobs.length));
  if (sharesPerJob < 2) {
    return [...jobs];
  }
  return jobs.flatMap((job) => {
    if (job.kind !== 'crate' || job.requested.length < 2) {
      return [job];
    }
    const weights = job.requested.map((r) => ({ file: r.file, ...weightOf(r.path) }));
    const awaits = weights.reduce((n, w) => n + w.awaits, 0);
    const bytes = weights.reduce((n, w) => n + w.bytes, 0);
    const count = Math.min(
      sharesPerJob,
      job.requested.length,
      Math.floor(awaits / MIN_AWAITS_PER_SHARE),
    );
    if (count < 2 || awaits * AWAIT_COST_IN_BYTES < bytes) {
      return [job];
    }
    const shares = Array.from({ length: count }, () => ({ awaits: 0, files: [] as string[] }));
    for (const w of weights.sort((a, b) => b.awaits - a.awaits)) {
      const lightest = shares.reduce((min, s) => (s.awaits < min.awaits ? s : min));
      lightest.awaits += w.awaits;
      lightest.files.push(w.file);
    }
    return shares.map((s) => ({ ...job, share: s.files }));
  });
}
