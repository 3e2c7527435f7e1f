/**
 * The work behind the crate index that is too slow for the server's own thread: reading a crate's
 * module tree and analysing all its files together. Plain data in and out, so it runs the same in a
 * worker thread (`crateWorker.ts`) or, without one, in this thread.
 */
import { Calibration, CalibrationData } from '../analysis/types/calibration';
import { analyzeCrate, CrateFile, Edition, initAnalysis } from '../analysis/engine';
import type { WasmPaths } from '../analysis/syntax/parser';
import type { FileReport } from '../analysis/report';
import type { CalibrateOptions, CalibrateResult } from '../measure/calibrate';
import { CrateLayout, readCrateLayout } from '../project/crateLayout';

export type CrateJob =
  | { kind: 'layout'; root: string; readableRoots?: string[] }
  | { kind: 'analyze'; root: string; files: CrateFile[]; edition: Edition }
  /** Measurements the crate's analyses use from now on (null: none). */
  | { kind: 'calibration'; root: string; data: CalibrationData | null }
  | { kind: 'forget'; root: string };

export interface CrateJobResults {
  layout: CrateLayout;
  analyze: FileReport[];
  calibration: null;
  forget: null;
}

/** `workerData` of an index worker: the measurements known when it starts. */
export interface CrateWorkerData {
  wasmPaths?: WasmPaths;
  calibrations: [root: string, data: CalibrationData][];
}

/** `workerData` of a worker started for one calibration run (instead of the index's jobs). */
export interface CalibrationWorkerData {
  mode: 'calibrate';
  root: string;
  options: Omit<CalibrateOptions, 'signal' | 'onProgress'>;
}
/** Main thread → calibration worker. */
export type CalibrationWorkerRequest = { kind: 'cancel' };
/** Calibration worker → main thread. */
export type CalibrationWorkerMessage =
  { kind: 'progress'; message: string } | { kind: 'result'; result: CalibrateResult };

export class CrateJobs {
  private readonly calibrations = new Map<string, Calibration>();
  private readonly ready: Promise<unknown>;

  constructor(wasmPaths?: WasmPaths, calibrations: [root: string, data: CalibrationData][] = []) {
    this.ready = initAnalysis(wasmPaths);
    for (const [root, data] of calibrations) {
      this.calibrations.set(root, new Calibration(data));
    }
  }

  async run(job: CrateJob): Promise<unknown> {
    switch (job.kind) {
      case 'layout':
        return readCrateLayout(job.root, job.readableRoots);
      case 'analyze':
        await this.ready;
        // A new parser runtime when the last one aborted.
        await initAnalysis();
        return analyzeCrate(job.files, {
          edition: job.edition,
          calibration: this.calibrations.get(job.root),
        });
      case 'calibration':
        if (job.data) {
          this.calibrations.set(job.root, new Calibration(job.data));
        } else {
          this.calibrations.delete(job.root);
        }
        return null;
      case 'forget':
        this.calibrations.delete(job.root);
        return null;
    }
  }
}
