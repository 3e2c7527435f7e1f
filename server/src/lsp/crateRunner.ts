/**
 * Runs crate jobs (`crateJobs.ts`) on one worker thread, so indexing a large crate never holds up
 * hints, hovers or diagnostics, which the server's own thread answers. Without the worker's script
 * beside this file (the tests' compiled `out/` tree has it, a bundle without it does not), or after
 * the worker keeps crashing, jobs run in this thread instead.
 *
 * The worker ends after a while without work: analysing a crate grows its WebAssembly memory by
 * every file's syntax tree (about 125 MB for tokio's 297 files), which only ending the thread gives
 * back. The next job starts a new one (about 100 ms).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { CalibrationData } from '../analysis/types/calibration';
import type { WasmPaths } from '../analysis/syntax/parser';
import { calibrateCrate, CalibrateOptions, CalibrateResult } from '../measure/calibrate';
import { CalibrationWorkerData, CalibrationWorkerMessage, CalibrationWorkerRequest, CrateJob, CrateJobResults, CrateJobs, CrateWorkerRequest, CrateWorkerResponse } from './crateJobs';

const MAX_CRASHES = 3;
const YOUNG_GENERATION_MB = 4;
/** How long an idle worker is kept. */
export const WORKER_IDLE_MS = 20_000;

export class CrateRunner {
  private worker: Worker | null = null;
  private local: CrateJobs | null = null;
  private nextId = 1;
  private crashes = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Workers of calibration runs under way. */
  private readonly calibrationWorkers = new Set<Worker>();
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  /** Re-sent to a replacement worker. */
  private readonly calibrations = new Map<string, CalibrationData>();

  constructor(
    private readonly log: (message: string) => void,
    private readonly wasmPaths?: WasmPaths,
    private readonly script: string | null = path.join(__dirname, 'crateWorker.js'),
  ) {}

  run<K extends CrateJob['kind']>(typed: Extract<CrateJob, { kind: K }>): Promise<CrateJobResults[K]> {
    const job: CrateJob = typed;
    if (job.kind === 'calibration') {
      if (job.data) {
        this.calibrations.set(job.root, job.data);
      } else {
        this.calibrations.delete(job.root);
      }
    } else if (job.kind === 'forget') {
      this.calibrations.delete(job.root);
    }
    const worker = this.ensureWorker();
    if (!worker) {
      this.local ??= new CrateJobs(this.wasmPaths);
      return this.local.run(job) as Promise<CrateJobResults[K]>;
    }
    return this.post(worker, job) as Promise<CrateJobResults[K]>;
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
    const worker = new Worker(this.script, { workerData: { mode: 'calibrate', root, options: plain } satisfies CalibrationWorkerData });
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
      const cancel = () => worker.postMessage({ kind: 'cancel' } satisfies CalibrationWorkerRequest);
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
      worker.on('error', (error) => settle({ ok: false, error: `the calibration worker crashed (${error instanceof Error ? error.message : String(error)})` }));
      worker.on('exit', (code) => settle({ ok: false, error: `the calibration worker exited with code ${code}` }));
    });
  }

  dispose(): void {
    for (const worker of this.calibrationWorkers) {
      worker.postMessage({ kind: 'cancel' } satisfies CalibrationWorkerRequest);
    }
    this.stopWorker();
    this.failPending(new Error('the crate index stopped'));
  }

  private stopWorker(): void {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = null;
    if (worker) {
      worker.removeAllListeners();
      worker.on('error', () => undefined);
      void worker.terminate();
    }
  }

  private post(worker: Worker, job: CrateJob): Promise<unknown> {
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, job } satisfies CrateWorkerRequest);
    });
  }

  private ensureWorker(): Worker | null {
    if (this.worker) {
      return this.worker;
    }
    if (!this.script || this.crashes >= MAX_CRASHES || !fs.existsSync(this.script)) {
      return null;
    }
    // A small young generation keeps the peak down while a crate is analysed (tokio: about 25 MB less), at a
    // few percent of the time.
    const worker = new Worker(this.script, { workerData: { wasmPaths: this.wasmPaths }, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    // The server exits when its client says so; an idle worker must not keep it alive.
    worker.unref();
    worker.on('message', (response: CrateWorkerResponse) => {
      const waiter = this.pending.get(response.id);
      this.pending.delete(response.id);
      if (waiter) {
        if (response.ok) {
          waiter.resolve(response.value);
        } else {
          waiter.reject(new Error(response.error));
        }
      }
      if (this.pending.size === 0 && this.worker === worker) {
        clearTimeout(this.idleTimer);
        this.idleTimer = setTimeout(() => {
          if (this.pending.size === 0 && this.worker === worker) {
            this.stopWorker();
          }
        }, WORKER_IDLE_MS);
        this.idleTimer.unref();
      }
    });
    const lost = (why: string) => {
      if (this.worker !== worker) {
        return;
      }
      this.worker = null;
      this.crashes++;
      this.log(`[crate] the index worker ${why}${this.crashes >= MAX_CRASHES ? '; indexing in the server thread from now on' : '; starting a new one'}`);
      this.failPending(new Error(`the index worker ${why}`));
    };
    worker.on('error', (error) => lost(`crashed (${error instanceof Error ? error.message : String(error)})`));
    worker.on('exit', (code) => lost(`exited with code ${code}`));
    this.worker = worker;
    for (const [root, data] of this.calibrations) {
      void this.post(worker, { kind: 'calibration', root, data });
    }
    return worker;
  }

  private failPending(error: Error): void {
    const waiters = [...this.pending.values()];
    this.pending.clear();
    for (const waiter of waiters) {
      waiter.reject(error);
    }
  }
}
