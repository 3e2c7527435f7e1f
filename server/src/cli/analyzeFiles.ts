/**
 * Runs the analysis engine over many files.
 *
 * The work is split into a main-thread step (edition lookup, which shares caches) and a per-file job
 * (`analyzeFile`) that takes only plain data. The jobs run on a pool of worker threads (`worker.ts`),
 * one per core by default, or in this thread for a single file or `jobs: 1`; either way the reports
 * come back in input order and are the same.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { analyzeCrate, analyzeSource, CrateFile, Edition, initAnalysis } from '../analysis/engine';
import { Calibration } from '../analysis/types/calibration';
import { findCrateRoot, modulePathFromFile, readCrateLayout } from '../project/crateLayout';
import { loadCalibration } from '../measure/calibrate';
import type { FileReport } from '../analysis/report';
import { EditionResolver } from '../project/edition';
import { displayPath } from '../project/sourceFiles';
import { readSource } from '../project/readSource';
import type { WorkerRequest, WorkerResponse } from './worker';

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
  /** Take measured sizes from this calibration file (see `rust-future-size calibrate`). */
  calibrationFile?: string;
}

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
}

/**
 * The files asked for in one crate, analysed with the whole crate's index: the types and async fns of
 * its other files are known, so awaiting a fn two modules away gets its real size.
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
}

export type AnalysisJob = FileJob | CrateJob;

const CLI_PARSE_BUDGET_MS = 10_000;

/** Analyses `paths` in order; one FileReport per path, skipped files included (with a notice). */
export async function analyzeFiles(paths: readonly string[], options: AnalyzeFilesOptions = {}): Promise<FileReport[]> {
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
    if (root === null) {
      jobs.push({ kind: 'file', path: filePath, file, edition, parseBudgetMs, calibrationFile: options.calibrationFile });
      continue;
    }
    let crateJob = crateJobs.get(root);
    if (!crateJob) {
      crateJob = { kind: 'crate', root, requested: [], edition, parseBudgetMs, calibrationFile: options.calibrationFile, cwd };
      crateJobs.set(root, crateJob);
      jobs.push(crateJob);
    }
    crateJob.requested.push({ path: path.resolve(filePath), file });
  }
  const byFile = new Map<string, FileReport>();
  const collect = (reports: FileReport[]) => reports.forEach((r) => byFile.set(r.file, r));
  // Without a compiled worker beside this file (e.g. this module bundled on its own), run in this thread.
  const workerScript = options.workerScript ?? path.join(__dirname, 'worker.js');
  const threads = Math.min(options.jobs ?? defaultJobs(), jobs.length);
  if (threads > 1 && fs.existsSync(workerScript)) {
    collect((await runPool(jobs, threads, workerScript, options.fileTimeoutMs ?? DEFAULT_FILE_TIMEOUT_MS)).flat());
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
    return byFile.get(file) ?? { file, futures: [], notices: [`${file}: analysis failed: no report`] };
  });
}

/** Runs one job of either kind. Never throws. */
export async function analyzeJob(job: AnalysisJob): Promise<FileReport[]> {
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
    const layout = readCrateLayout(job.root);
    const requested = new Map(job.requested.map((r) => [r.path, r.file]));
    const inCrate = new Set(layout.files.map((f) => f.path));
    const files = [...layout.files];
    for (const r of job.requested) {
      if (!inCrate.has(r.path)) {
        // A file outside src/ (tests/, examples/, benches/): its own root module.
        files.push({ path: r.path, modulePath: modulePathFromFile(path.basename(r.path)) });
      }
    }
    const crateFiles: CrateFile[] = [];
    const reports: FileReport[] = [];
    for (const f of files) {
      const source = await readSource(f.path);
      const shown = requested.get(f.path) ?? displayPath(f.path, job.cwd);
      if (!source.ok) {
        if (requested.has(f.path)) {
          reports.push({ file: shown, futures: [], notices: [`${shown}: skipped: ${source.reason}`] });
        }
        continue;
      }
      crateFiles.push({ file: shown, text: source.text, modulePath: f.modulePath });
    }
    const all = analyzeCrate(crateFiles, { edition: job.edition, parseBudgetMs: job.parseBudgetMs, calibration: calibrationFrom(job.calibrationFile) });
    const wanted = new Set(job.requested.map((r) => r.file));
    for (const report of all) {
      if (wanted.has(report.file)) {
        reports.push({ ...report, notices: report.notices.map((n) => withFile(report.file, n)) });
      }
    }
    // A `mod` whose file was not read (a FIFO, a device, a file outside the package) is named on the
    // file that declares it.
    for (const warning of layout.warnings) {
      const declared = /^(.*): (module `[^`]+` is (?:not a regular file|outside the package) .*)$/.exec(warning);
      const report = declared ? reports.find((r) => r.file === requested.get(declared[1])) : undefined;
      if (declared && report) {
        report.notices.push(`${report.file}: ${declared[2]}`);
      }
    }
    return reports;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return job.requested.map((r) => ({ file: r.file, futures: [], notices: [`${r.file}: analysis failed: ${reason}`] }));
  }
}

const DEFAULT_FILE_TIMEOUT_MS = 120_000;

/** One worker per core the process may use. */
export function defaultJobs(): number {
  return Math.max(1, os.availableParallelism());
}

/**
 * Reads and analyses one file. Never throws: an unreadable file or an engine failure becomes a notice,
 * so one bad file cannot hide the results for all the others.
 * `initAnalysis()` must have completed in this thread.
 */
export async function analyzeFile(job: FileJob): Promise<FileReport> {
  const source = await readSource(job.path);
  if (!source.ok) {
    return { file: job.file, futures: [], notices: [`${job.file}: skipped: ${source.reason}`] };
  }
  try {
    const report = analyzeSource(source.text, { file: job.file, edition: job.edition, parseBudgetMs: job.parseBudgetMs, calibration: calibrationFrom(job.calibrationFile) });
    return { ...report, notices: report.notices.map((notice) => withFile(job.file, notice)) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { file: job.file, futures: [], notices: [`${job.file}: analysis failed: ${reason}`] };
  }
}

/** Notices are printed apart from their file, so each must say which file it is about. */
function withFile(file: string, notice: string): string {
  return notice.startsWith(file) ? notice : `${file}: ${notice}`;
}

/** A worker and the job it is working on (each worker has at most one, so a crash costs one file). */
interface PoolSlot {
  worker: Worker;
  /** Index into `jobs` of the job in flight, or -1 while idle. */
  current: number;
  timer?: NodeJS.Timeout;
  /** Set once the slot has been dealt with (finished, crashed or timed out); later events are ignored. */
  done: boolean;
}

/**
 * Runs `jobs` on `threads` workers, each taking the next job when it finishes one, and resolves to the
 * reports in input order. A worker that dies (uncaught error, `process.exit`, out of memory) or takes
 * longer than `fileTimeoutMs` costs only the file it was on, which gets a notice; a fresh worker
 * carries on with the rest. Every failure consumes one job, so the run always ends.
 */
function runPool(jobs: readonly AnalysisJob[], threads: number, workerScript: string, fileTimeoutMs: number): Promise<FileReport[][]> {
  return new Promise((resolve) => {
    const reports: (FileReport[] | undefined)[] = new Array(jobs.length);
    let next = 0;
    let finished = 0;
    const slots = new Set<PoolSlot>();

    const complete = (index: number, report: FileReport[]) => {
      if (reports[index] === undefined) {
        reports[index] = report;
        finished += 1;
      }
      if (finished === jobs.length) {
        for (const slot of slots) {
          retire(slot);
        }
        resolve(reports as FileReport[][]);
      }
    };

    const retire = (slot: PoolSlot) => {
      slot.done = true;
      clearTimeout(slot.timer);
      slots.delete(slot);
      slot.worker.removeAllListeners();
      // Swallow whatever the worker still reports while it goes away.
      slot.worker.on('error', () => undefined);
      void slot.worker.terminate();
    };

    const feed = (slot: PoolSlot) => {
      clearTimeout(slot.timer);
      if (next >= jobs.length) {
        slot.current = -1;
        retire(slot);
        return;
      }
      const index = next++;
      slot.current = index;
      slot.worker.postMessage({ id: index, job: jobs[index] } satisfies WorkerRequest);
      slot.timer = setTimeout(() => fail(slot, `took longer than ${fileTimeoutMs / 1000} s`), fileTimeoutMs);
    };

    const fail = (slot: PoolSlot, reason: string) => {
      if (slot.done) {
        return;
      }
      const index = slot.current;
      retire(slot);
      if (index >= 0) {
        const job = jobs[index];
        const files = job.kind === 'crate' ? job.requested.map((r) => r.file) : [job.file];
        // Start the replacement first, so `complete` cannot see an empty pool with work left.
        if (next < jobs.length) {
          spawn();
        }
        complete(index, files.map((file) => ({ file, futures: [], notices: [`${file}: analysis failed: ${reason}`] })));
      } else if (slots.size === 0 && next < jobs.length) {
        spawn();
      }
    };

    const spawn = () => {
      const slot: PoolSlot = { worker: new Worker(workerScript), current: -1, done: false };
      slots.add(slot);
      slot.worker.on('message', (response: WorkerResponse) => {
        if (slot.done || response.id !== slot.current) {
          return;
        }
        const index = slot.current;
        feed(slot);
        complete(index, response.reports);
      });
      slot.worker.on('error', (error) => fail(slot, `worker crashed (${describeError(error)})`));
      slot.worker.on('exit', (code) => fail(slot, `worker exited with code ${code}`));
      feed(slot);
    };

    for (let i = 0; i < threads; i++) {
      spawn();
    }
  });
}

function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}
