/**
 * The work behind the crate index that is too slow for the server's own thread: reading a crate's
 * module tree and analysing all its files together. Plain data in and out, so it runs the same in a
 * worker thread (`crateWorker.ts`) or, without one, in this thread.
 */
import { Calibration, CalibrationData, hashText } from '../analysis/types/calibration';
import { CrateFile, Edition, initAnalysis } from '../analysis/engine';
import { CrateSession } from '../analysis/incremental/crateSession';
import type { WasmPaths } from '../analysis/syntax/parser';
import { CfgEnv, cfgKey, cfgWithFeatures } from '../analysis/syntax/cfg';
import type { FileReport } from '../analysis/report';
import type { CalibrateOptions, CalibrateResult } from '../measure/calibrate';
import { CrateLayout, readCrateLayout } from '../project/crateLayout';
import { DependencyTypes } from '../analysis/deps/dependencyTypes';
import { noteMissingDependencies } from '../analysis/deps/missingDependencies';
import { loadDependencies } from '../project/dependencyLoader';
import type { FeatureOptions } from '../project/features';

/**
 * A file of an `analyze` job. Its text may be left out when the crate's session already holds the
 * text of that hash (the index sends only what changed); without a hash, the text is required.
 */
export interface CrateJobFile {
  file: string;
  modulePath: string[];
  text?: string;
  hash?: string;
}

/** An `analyze` job's answer naming texts the worker does not hold (a new worker): send them. */
export interface MissingTexts {
  missingTexts: string[];
}

export type CrateJob =
  | { kind: 'layout'; root: string; readableRoots?: string[] }
  | {
      kind: 'analyze';
      root: string;
      files: CrateJobFile[];
      edition: Edition;
      cfg?: CfgEnv;
      /** Cargo's feature switches the crate's dependencies are read with (default: defaults). */
      features?: FeatureOptions;
    }
  /** Measurements the crate's analyses use from now on (null: none). */
  | { kind: 'calibration'; root: string; data: CalibrationData | null }
  | { kind: 'forget'; root: string };

export interface CrateJobResults {
  layout: CrateLayout;
  /** What the runner gives its callers: it sends the missing texts itself (`CrateJobs` may ask). */
  analyze: FileReport[];
  calibration: null;
  forget: null;
}

/** A crate's dependencies as its analyses read them: their types, and its own features. */
interface CrateDependencies {
  types: DependencyTypes;
  features: string[];
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

/** Crates whose sessions a worker keeps; the least recently analysed goes first. */
const MAX_SESSIONS = 4;

export class CrateJobs {
  private readonly calibrations = new Map<string, Calibration>();
  /**
   * Per crate root, its analysis across jobs (`CrateSession`) and what it was made for (edition,
   * cfg, features): an edit walks only the files it reaches. Dropped with the crate, and when its
   * calibration changes.
   */
  private readonly sessions = new Map<string, { input: string; session: CrateSession }>();
  /** Per crate root, its crate graph's dependencies (null: no graph), loaded on first analysis. */
  private readonly dependencies = new Map<
    string,
    { switches: string; loaded: CrateDependencies | null }
  >();
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
      case 'analyze': {
        await this.ready;
        // A new parser runtime when the last one aborted.
        await initAnalysis();
        return this.analyze(job);
      }
      case 'calibration':
        this.sessions.delete(job.root);
        if (job.data) {
          this.calibrations.set(job.root, new Calibration(job.data));
        } else {
          this.calibrations.delete(job.root);
        }
        return null;
      case 'forget':
        this.sessions.delete(job.root);
        this.calibrations.delete(job.root);
        this.dependencies.delete(job.root);
        return null;
    }
  }

  private analyze(job: Extract<CrateJob, { kind: 'analyze' }>): FileReport[] | MissingTexts {
    const loaded = this.dependenciesOf(job.root, job.features);
    const cfg = job.cfg ?? cfgOf(loaded?.features);
    const input = JSON.stringify([job.edition, cfg ? cfgKey(cfg) : null, job.features ?? null]);
    let kept = this.sessions.get(job.root);
    if (kept?.input !== input) {
      const session = new CrateSession({
        edition: job.edition,
        calibration: this.calibrations.get(job.root),
        dependencies: loaded?.types,
        cfg,
      });
      kept = { input, session };
    }
    this.sessions.delete(job.root);
    this.sessions.set(job.root, kept);
    if (this.sessions.size > MAX_SESSIONS) {
      this.sessions.delete(this.sessions.keys().next().value!);
    }
    const files: CrateFile[] = [];
    const hashes: string[] = [];
    const missing: string[] = [];
    for (const f of job.files) {
      const text = f.text ?? (f.hash ? kept.session.textOf(f.file, f.hash) : undefined);
      if (text === undefined) {
        missing.push(f.file);
      } else {
        files.push({ file: f.file, text, modulePath: f.modulePath });
        hashes.push(f.hash ?? hashText(text));
      }
    }
    if (missing.length > 0) {
      return { missingTexts: missing };
    }
    // The session keeps its reports: the notices added here go on copies.
    const reports = kept.session
      .update(files, hashes)
      .map((r) => ({ ...r, notices: [...r.notices] }));
    noteMissingDependencies(reports, loaded?.types);
    return reports;
  }

  /**
   * The crate's dependencies, from its crate graph (read once per crate and feature switches;
   * each dependency's items are indexed when a path first leads into it, once per process).
   */
  /** The crate's dependencies as read with these switches; loaded again when they change. */
  private dependenciesOf(root: string, features?: FeatureOptions): CrateDependencies | null {
    const switches = JSON.stringify(features ?? null);
    const known = this.dependencies.get(root);
    if (known === undefined || known.switches !== switches) {
      let loaded: CrateDependencies | null = null;
      try {
        const graph = loadDependencies(root, features);
        loaded = graph && { types: new DependencyTypes(graph.graph), features: graph.features };
      } catch {
        // A graph that cannot be read leaves every dependency's type unknown, as before.
      }
      this.dependencies.set(root, { switches, loaded });
      return loaded;
    }
    return known.loaded;
  }
}

/** A package's cfg from its graph's features; undefined without a graph (every feature on). */
function cfgOf(features: readonly string[] | undefined): CfgEnv | undefined {
  return features ? cfgWithFeatures(features) : undefined;
}
