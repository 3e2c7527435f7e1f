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
import { analyzeSource, Edition, initAnalysis } from '../analysis/engine';
import type { FileReport } from '../analysis/report';
import { EditionResolver } from './edition';
import { displayPath } from './files';
import { readSource } from './readSource';
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
}

/** Everything one file's analysis needs, as plain (worker-transferable) data. */
export interface FileJob {
  /** Path to read, as found on disk. */
  path: string;
  /** Path shown in reports. */
  file: string;
  edition: Edition;
  parseBudgetMs: number;
}

const CLI_PARSE_BUDGET_MS = 10_000;

/** Analyses `paths` in order; one FileReport per path, skipped files included (with a notice). */
export async function analyzeFiles(paths: readonly string[], options: AnalyzeFilesOptions = {}): Promise<FileReport[]> {
  const cwd = options.cwd ?? process.cwd();
  const editions = new EditionResolver(options.warn ?? (() => undefined), cwd);
  const jobs: FileJob[] = [];
  for (const filePath of paths) {
    jobs.push({
      path: filePath,
      file: displayPath(filePath, cwd),
      edition: options.edition ?? (await editions.editionOf(filePath)),
      parseBudgetMs: options.parseBudgetMs ?? CLI_PARSE_BUDGET_MS,
    });
  }
  // Without a compiled worker beside this file (e.g. this module bundled on its own), run in this thread.
  const workerScript = options.workerScript ?? path.join(__dirname, 'worker.js');
  const threads = Math.min(options.jobs ?? defaultJobs(), jobs.length);
  if (threads > 1 && fs.existsSync(workerScript)) {
    return runPool(jobs, threads, workerScript, options.fileTimeoutMs ?? DEFAULT_FILE_TIMEOUT_MS);
  }
  if (jobs.length > 0) {
    await initAnalysis();
  }
  const reports: FileReport[] = [];
  for (const job of jobs) {
    reports.push(await analyzeFile(job));
  }
  return reports;
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
    const report = analyzeSource(source.text, { file: job.file, edition: job.edition, parseBudgetMs: job.parseBudgetMs });
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
function runPool(jobs: readonly FileJob[], threads: number, workerScript: string, fileTimeoutMs: number): Promise<FileReport[]> {
  return new Promise((resolve) => {
    const reports: (FileReport | undefined)[] = new Array(jobs.length);
    let next = 0;
    let finished = 0;
    const slots = new Set<PoolSlot>();

    const complete = (index: number, report: FileReport) => {
      if (reports[index] === undefined) {
        reports[index] = report;
        finished += 1;
      }
      if (finished === jobs.length) {
        for (const slot of slots) {
          retire(slot);
        }
        resolve(reports as FileReport[]);
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
        const file = jobs[index].file;
        // Start the replacement first, so `complete` cannot see an empty pool with work left.
        if (next < jobs.length) {
          spawn();
        }
        complete(index, { file, futures: [], notices: [`${file}: analysis failed: ${reason}`] });
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
        complete(index, response.report);
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
