/**
 * Runs crate jobs (`crateJobs.ts`) on one worker thread of the shared pool (`workers/pool.ts`), so
 * indexing a large crate never holds up hints, hovers or diagnostics, which the server's own thread
 * answers. Without the worker's script
 * beside this file (the tests' compiled `out/` tree has it, a bundle without it does not), or after
 * the worker keeps crashing, jobs run in this thread instead.
 *
 * The worker ends after a while without work: analysing a crate grows its WebAssembly memory by
 * the syntax trees alive at once (every file's with `async` up to 2 MB of them, about 125 MB for
 * tokio's 297 files; a larger crate goes in rounds of 1 MB), which only ending the thread gives
 * back. The next job starts a new one (about 100 ms).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { CalibrationData, hashText } from '../analysis/types/calibration';
import type { WasmPaths } from '../analysis/syntax/parser';
import { calibrateCrate, CalibrateOptions, CalibrateResult } from '../measure/calibrate';
import type { PackedReport } from './packedReport';
import { WorkerFailure, WorkerPool } from '../workers/pool';
import {
  CalibrationWorkerData,
  CalibrationWorkerMessage,
  CalibrationWorkerRequest,
  CrateJob,
  CrateJobResults,
  CrateJobs,
  CrateWorkerData,
  MissingTexts,
  ReportChange,
} from './crateJobs';

const MAX_CRASHES = 3;
const YOUNG_GENERATION_MB = 4;
/** How long an idle worker is kept. */
export const WORKER_IDLE_MS = 20_000;

export class CrateRunner {
  /** The index's one worker, through the shared pool; null while jobs run in this thread. */
  private pool: WorkerPool<CrateJob, unknown> | null = null;
  private local: CrateJobs | null = null;
  private crashes = 0;
  /** Workers of calibration runs under way. */
  private readonly calibrationWorkers = new Set<Worker>();
  /** Given to each new index worker, so a replacement knows the measurements too. */
  private readonly calibrations = new Map<string, CalibrationData>();
  /** Where the index worker finds dependencies' items kept (set before the first job). */
  cacheDir: string | null = null;
  /**
   * Per crate root, the hash of each file's text the worker's session holds, as of the last
   * analysis: those texts are not sent again. A worker that lost them (a new one) asks for them.
   */
  private readonly held = new Map<string, Map<string, string>>();
  /**
   * Per crate root, each file's report as of the last analysis, packed: the one copy of the
   * crate's reports (the worker keeps stand-ins), which the worker's next answer only updates.
   */
  private readonly answers = new Map<string, Map<string, PackedReport>>();

  constructor(
    private readonly log: (message: string) => void,
    private readonly wasmPaths?: WasmPaths,
    private readonly script: string | null = path.join(__dirname, 'crateWorker.js'),
  ) {}

  run<K extends CrateJob['kind']>(
    typed: Extract<CrateJob, { kind: K }>,
  ): Promise<CrateJobResults[K]> {
    const job: CrateJob = typed;
    if (job.kind === 'analyze') {
      return this.analyze(job) as Promise<CrateJobResults[K]>;
    }
    if (job.kind === 'calibration' || job.kind === 'forget') {
      // A calibration or `forget` drops the worker's session.
      this.held.delete(job.root);
      this.answers.delete(job.root);
    }
    return this.post(job) as Promise<CrateJobResults[K]>;
  }

  /**
   * Analyses a crate, sending the worker only the texts its session does not hold; the reports
   * come packed (`unpackReport` reads one).
   */
  private async analyze(job: Extract<CrateJob, { kind: 'analyze' }>): Promise<PackedReport[]> {
    const held = this.held.get(job.root);
    const last = this.answers.get(job.root);
    // Unknown until this analysis answers: it may fail half way.
    this.held.delete(job.root);
    this.answers.delete(job.root);
    const files = job.files.map((f) => ({ ...f, hash: f.hash ?? hashText(f.text ?? '') }));
    const lean = files.map((f) =>
      held?.get(f.file) === f.hash ? { file: f.file, modulePath: f.modulePath, hash: f.hash } : f,
    );
    const flags = { keepsReports: true, holdsLast: last !== undefined };
    type Answer = ReportChange[] | MissingTexts;
    let result = (await this.post({ ...job, ...flags, files: lean })) as Answer;
    if ('missingTexts' in result) {
      result = (await this.post({ ...job, ...flags, files })) as Answer;
    }
    if ('missingTexts' in result) {
      throw new Error(`the index has no text of ${result.missingTexts.join(', ')}`);
    }
    const reports = result.map((change, i) => reportAfter(change, last?.get(files[i].file)));
    this.held.set(job.root, new Map(files.map((f) => [f.file, f.hash])));
    this.answers.set(job.root, new Map(files.map((f, i) => [f.file, reports[i]])));
    return reports;
  }

  /** Runs a job on the worker, or in this thread without one. */
  private post(job: CrateJob): Promise<unknown> {
    if (job.kind === 'calibration') {
      if (job.data) {
        this.calibrations.set(job.root, job.data);
      } else {
        this.calibrations.delete(job.root);
      }
    } else if (job.kind === 'forget') {
      this.calibrations.delete(job.root);
    }
    const pool = this.workerPool();
    if (!pool) {
      this.local ??= new CrateJobs(this.wasmPaths, [...this.calibrations], this.cacheDir);
      return this.local.run(job);
    }
    return pool.run(job).catch((error: unknown) => {
      if (!(error instanceof WorkerFailure)) {
        throw error;
      }
      if (this.pool !== pool) {
        // A stopped pool fails its waiting jobs with the reason it was stopped for.
        throw new Error(error.reason);
      }
      // `worker exited with code 3` → `the index worker exited with code 3`.
      const reason = error.reason.replace(/^worker /, '');
      this.lost(reason);
      throw new Error(`the index worker ${reason}`);
    });
  }

  /** Whether jobs run on the worker thread (not on this one: no script, or it kept crashing). */
  usesWorker(): boolean {
    return this.workerPool() !== null;
  }

  /**
   * One calibration run (`calibrateCrate`) on a worker of its own, ended afterwards: the cargo build
   * can take minutes and must not hold up the index, and mapping the sizes analyses the whole crate.
   */
  calibrate(root: string, options: CalibrateOptions): Promise<CalibrateResult> {
    if (!this.script || !fs.existsSync(this.script)) {
      return calibrateCrate(root, options);
    }
    const { signal, onProgress, ...plain } = options;
    const worker = new Worker(this.script, {
      workerData: { mode: 'calibrate', root, options: plain } satisfies CalibrationWorkerData,
    });
    this.calibrationWorkers.add(worker);
    return new Promise<CalibrateResult>((resolve) => {
      let settled = false;
      const settle = (result: CalibrateResult) => {
        if (!settled) {
          settled = true;
          this.calibrationWorkers.delete(worker);
          signal?.removeEventListener('abort', cancel);
          resolve(result);
        }
      };
      const cancel = () =>
        worker.postMessage({ kind: 'cancel' } satisfies CalibrationWorkerRequest);
      if (signal?.aborted) {
        cancel();
      }
      signal?.addEventListener('abort', cancel);
      worker.on('message', (message: CalibrationWorkerMessage) => {
        if (message.kind === 'progress') {
          onProgress?.(message.message);
        } else {
          settle(message.result);
          void worker.terminate();
        }
      });
      worker.on('error', (error) =>
        settle({
          ok: false,
          error: `the calibration worker crashed (${error instanceof Error ? error.message : String(error)})`,
        }),
      );
      worker.on('exit', (code) =>
        settle({ ok: false, error: `the calibration worker exited with code ${code}` }),
      );
    });
  }

  dispose(): void {
    for (const worker of this.calibrationWorkers) {
      worker.postMessage({ kind: 'cancel' } satisfies CalibrationWorkerRequest);
    }
    const pool = this.pool;
    this.pool = null;
    pool?.terminate('the crate index stopped');
  }

  private workerPool(): WorkerPool<CrateJob, unknown> | null {
    if (this.pool) {
      return this.pool;
    }
    if (!this.script || this.crashes >= MAX_CRASHES || !fs.existsSync(this.script)) {
      return null;
    }
    this.pool = new WorkerPool<CrateJob, unknown>(this.script, {
      maxWorkers: 1,
      workerData: (): CrateWorkerData => ({
        wasmPaths: this.wasmPaths,
        calibrations: [...this.calibrations],
        cacheDir: this.cacheDir,
      }),
      // A small young generation keeps the peak down while a crate is analysed (tokio: about 25 MB
      // less), at a few percent of the time.
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      idleMs: WORKER_IDLE_MS,
      // The server exits when its client says so; an idle worker must not keep it alive.
      unref: true,
    });
    return this.pool;
  }

  private lost(reason: string): void {
    this.crashes++;
    const giveUp = this.crashes >= MAX_CRASHES;
    const next = giveUp ? 'indexing in the server thread from now on' : 'starting a new one';
    this.log(`[crate] the index worker ${reason}; ${next}`);
    if (giveUp) {
      const pool = this.pool;
      this.pool = null;
      pool?.terminate(`the index worker ${reason}`);
    }
  }
}

/** A file's report from the worker's answer and the report held from its last one. */
function reportAfter(change: ReportChange, held: PackedReport | undefined): PackedReport {
  if (change !== null && 'futureCount' in change) {
    return change;
  }
  if (change !== null && 'futures' in change) {
    throw new Error('the index worker answered a report it was to pack');
  }
  if (!held) {
    throw new Error('the index worker kept a report this server does not hold');
  }
  return change === null ? held : { ...held, notices: change.notices };
}
