/**
 * Runs the analysis engine over many files.
 *
 * The work is split into a main-thread step (edition lookup, which shares caches) and jobs
 * (`analysisJobs.ts`) that take only plain data. The jobs run on a pool of worker threads
 * (`workers/pool.ts` running `worker.ts`),
 * one per core by default, or in this thread for a single file or `jobs: 1`; either way the reports
 * come back in input order and are the same.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Edition, initAnalysis, MAX_SOURCE_CHARS } from '../analysis/engine';
import type { FileReport } from '../analysis/report';
import type { BuildConfigurations } from '../project/buildConfiguration';
import { findCrateRoot } from '../project/crateLayout';
import { EditionResolver } from '../project/edition';
import { displayPath } from '../project/sourceFiles';
import { WorkerFailure, WorkerPool } from '../workers/pool';
import { freeByLoadAverage, freeCores } from './freeCores';
import { ShareRunner } from './shareRunner';
import {
  AnalysisJob,
  analyzeCrateJob,
  analyzeJob,
  CrateJob,
  FileWeight,
  joinShares,
  reportedFiles,
  splitCrateJobs,
} from './analysisJobs';

export { analyzeCrateJob, analyzeFile, analyzeJob } from './analysisJobs';
export type { AnalysisJob, CrateJob, FileJob } from './analysisJobs';

/** How `analyzeFiles` picks editions and reports problems. */
export interface AnalyzeFilesOptions {
  /** Forces one edition for every file; otherwise each file's Cargo.toml decides. */
  edition?: Edition;
  /** Report paths are relative to it. */
  cwd?: string;
  /** Receives one-line warnings about the environment (e.g. an unparsable Cargo.toml). */
  warn?: (message: string) => void;
  /** Parse budget per file; a batch run can afford more than an editor keystroke. */
  parseBudgetMs?: number;
  /** Worker threads to use (default: `os.availableParallelism()`); 1 analyses in this thread. */
  jobs?: number;
  /**
   * A file whose analysis takes longer than this in a worker is reported as failed and its worker
   * replaced, so a pathological file cannot stall the run. Workers only; default 120 s.
   */
  fileTimeoutMs?: number;
  /** The worker's entry point; tests substitute one that misbehaves. Default: `worker.js` beside this file. */
  workerScript?: string;
  /** Analyse each file on its own instead of with its crate's index. */
  singleFile?: boolean;
  /** Read module files outside the package too (`--allow-outside-package`). */
  allowOutsidePackage?: boolean;
  /** Take measured sizes from this calibration file (see `rust-future-size calibrate`). */
  calibrationFile?: string;
  /** Each package's cfg (its features); without it every feature is on. */
  configurations?: BuildConfigurations;
  /** Where dependencies' indexed items are kept across runs; absent or null: not kept. */
  cacheDir?: string | null;
  /**
   * A 1-minute load average to decide from how many workers one crate may be split between
   * (default: the cores other processes leave free, measured: `freeCores.ts`); tests pass 0 for
   * a machine with every core free.
   */
  loadAverage?: number;
  /** The work a crate's share must have (`MIN_WEIGHT_PER_SHARE`); tests split small crates. */
  minShareWeight?: number;
  /**
   * A folder (`reportSpool.ts`) where a crate analysed in rounds writes its files' futures as
   * each round ends: its reports come back as stand-ins, read back with `futuresOf`. Absent:
   * every report comes back whole.
   */
  spoolFolder?: string;
}

const CLI_PARSE_BUDGET_MS = 10_000;

/** Analyses `paths` in order; one FileReport per path, skipped files included (with a notice). */
export async function analyzeFiles(
  paths: readonly string[],
  options: AnalyzeFilesOptions = {},
): Promise<FileReport[]> {
  const cwd = options.cwd ?? process.cwd();
  const editions = new EditionResolver(options.warn ?? (() => undefined), cwd);
  const parseBudgetMs = options.parseBudgetMs ?? CLI_PARSE_BUDGET_MS;
  const jobs: AnalysisJob[] = [];
  const crateJobs = new Map<string, CrateJob>();
  const rootOfDir = new Map<string, string | null>();
  for (const filePath of paths) {
    const edition = options.edition ?? (await editions.editionOf(filePath));
    const dir = path.dirname(path.resolve(filePath));
    if (!rootOfDir.has(dir)) {
      rootOfDir.set(dir, options.singleFile ? null : findCrateRoot(dir));
    }
    const root = rootOfDir.get(dir) ?? null;
    const file = displayPath(filePath, cwd);
    const cfg = options.configurations?.cfgFor(dir);
    if (root === null) {
      jobs.push({
        kind: 'file',
        path: filePath,
        file,
        edition,
        parseBudgetMs,
        calibrationFile: options.calibrationFile,
        cfg,
      });
      continue;
    }
    let crateJob = crateJobs.get(root);
    if (!crateJob) {
      crateJob = {
        kind: 'crate',
        root,
        requested: [],
        edition,
        parseBudgetMs,
        calibrationFile: options.calibrationFile,
        cwd,
        cfg,
        // The dependencies are read with the same switches as the package's own cfg, from the
        // graph it came from (one load for both).
        features: options.configurations?.features,
        graph: options.configurations?.graphFor(dir),
        cacheDir: options.cacheDir ?? null,
        spoolFolder: options.spoolFolder,
        // Anywhere on the file system, from its root down.
        ...(options.allowOutsidePackage ? { readableRoots: [path.parse(root).root] } : {}),
      };
      crateJobs.set(root, crateJob);
      jobs.push(crateJob);
    }
    crateJob.requested.push({ path: path.resolve(filePath), file });
  }
  const byFile = new Map<string, FileReport>();
  const collect = (reports: FileReport[]) => reports.forEach((r) => byFile.set(r.file, r));
  // Without a compiled worker beside this file (e.g. this module bundled on its own), run in this thread.
  const workerScript = options.workerScript ?? path.join(__dirname, 'worker.js');
  const shares = await splitOntoFreeCores(jobs, options);
  const threads = Math.min(options.jobs ?? defaultJobs(), shares.length);
  if (threads > 1 && fs.existsSync(workerScript)) {
    const timeoutMs = options.fileTimeoutMs ?? DEFAULT_FILE_TIMEOUT_MS;
    const results = await runPool(shares, threads, workerScript, timeoutMs);
    collect(results.flat());
    // A crate split in shares: their reports joined as one job's would be.
    for (const job of jobs) {
      if (job.kind === 'crate' && !shares.includes(job)) {
        const ofJob = (share: AnalysisJob) => share.kind === 'crate' && share.root === job.root;
        joinShares(job, results.filter((_, i) => ofJob(shares[i])).flat());
      }
    }
  } else {
    if (jobs.length > 0) {
      await initAnalysis();
    }
    for (const job of jobs) {
      collect(await analyzeJob(job));
    }
  }
  // Input order, whatever order the jobs finished in.
  return paths.map((p) => {
    const file = displayPath(p, cwd);
    return (
      byFile.get(file) ?? { file, futures: [], notices: [`${file}: analysis failed: no report`] }
    );
  });
}

const DEFAULT_FILE_TIMEOUT_MS = 120_000;

/**
 * The jobs, with a crate split in shares when it is large enough (`splitCrateJobs`) and other
 * processes leave cores free for them: each share repeats the crate's warm-up (its thread
 * compiles the engine's code again), which only pays on cores that are otherwise idle. On a busy
 * machine (a 2-core one running other jobs) the shares' extra work only adds to the wall time:
 * measured at a load average of 8–10 on 2 cores, the 100k-line crate took 22–36 s split against
 * 16 s whole. The cores are measured only when some crate would be split.
 */
async function splitOntoFreeCores(
  jobs: readonly AnalysisJob[],
  options: AnalyzeFilesOptions,
): Promise<AnalysisJob[]> {
  const threads = options.jobs ?? defaultJobs();
  const weights = new Map<string, FileWeight>();
  const weightOf = (file: string) => {
    const known = weights.get(file) ?? fileWeight(file);
    weights.set(file, known);
    return known;
  };
  const shares = splitCrateJobs(jobs, threads, weightOf, options.minShareWeight);
  if (shares.length === jobs.length) {
    return shares;
  }
  const cores = os.availableParallelism();
  const free =
    options.loadAverage === undefined
      ? await freeCores()
      : freeByLoadAverage(cores, options.loadAverage);
  const usable = Math.max(1, Math.min(threads, free));
  return usable >= threads
    ? shares
    : splitCrateJobs(jobs, usable, weightOf, options.minShareWeight);
}

/**
 * What a file weighs in a crate's split; nothing for one that is not a regular file or too large
 * to analyse (its job says why), which is never opened here (a FIFO would block).
 */
function fileWeight(file: string): FileWeight {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile() || stat.size > MAX_SOURCE_CHARS * 4) {
      return { bytes: 0, awaits: 0 };
    }
    const text = fs.readFileSync(file, 'utf8');
    return { bytes: text.length, awaits: text.match(/\.\s*await\b/g)?.length ?? 0 };
  } catch {
    return { bytes: 0, awaits: 0 };
  }
}

/** One worker per core the process may use. */
export function defaultJobs(): number {
  return Math.max(1, os.availableParallelism());
}

/**
 * Runs `jobs` on `threads` workers, each taking the next job when it finishes one, and resolves to the
 * reports in input order. A worker that dies (uncaught error, `process.exit`, out of memory) or takes
 * longer than `fileTimeoutMs` costs only the job it was on, whose files get a notice; a new worker
 * carries on with the rest.
 */
async function runPool(
  jobs: readonly AnalysisJob[],
  threads: number,
  workerScript: string,
  fileTimeoutMs: number,
): Promise<FileReport[][]> {
  // A crate split in shares has its first share analysed in this thread, which would otherwise
  // only wait: one worker less to start, whose engine would have been compiled and warmed up again.
  const split = jobs.some((job) => job.kind === 'crate' && job.shareOf);
  const maxWorkers = split ? threads - 1 : threads;
  const pool = new WorkerPool<AnalysisJob, FileReport[]>(workerScript, { maxWorkers });
  const runner = new ShareRunner(pool, split ? analyzeShareHere : undefined);
  try {
    return await Promise.all(
      jobs.map(async (job) => {
        try {
          // A crate's job (each share too) reads every requested file: the limit is per file.
          const files = job.kind === 'crate' ? job.requested.length : 1;
          return await runner.run(job, fileTimeoutMs * Math.max(1, files));
        } catch (error) {
          const crashed = `worker crashed (${describeError(error)})`;
          const reason = error instanceof WorkerFailure ? error.reason : crashed;
          const files = reportedFiles(job);
          const notice = (file: string) => `${file}: analysis failed: ${reason}`;
          return files.map((file) => ({ file, futures: [], notices: [notice(file)] }));
        }
      }),
    );
  } finally {
    pool.terminate();
  }
}

/** A crate's share run in this thread; throws as a worker's share fails (`ShareRunner`). */
async function analyzeShareHere(share: CrateJob): Promise<FileReport[]> {
  await initAnalysis();
  return analyzeCrateJob(share);
}

function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].replace(/^Error: /, '');
}
