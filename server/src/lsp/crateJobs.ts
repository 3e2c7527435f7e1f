/**
 * The work behind the crate index that is too slow for the server's own thread: reading a crate's
 * module tree and analysing all its files together. Plain data in and out, so it runs the same in a
 * worker thread (`crateWorker.ts`) or, without one, in this thread.
 */
import { Calibration, CalibrationData } from '../analysis/types/calibration';
import { analyzeCrate, CrateFile, Edition, initAnalysis } from '../analysis/engine';
import type { WasmPaths } from '../analysis/syntax/parser';
import { CfgEnv, cfgWithFeatures } from '../analysis/syntax/cfg';
import type { FileReport } from '../analysis/report';
import type { CalibrateOptions, CalibrateResult } from '../measure/calibrate';
import { CrateLayout, readCrateLayout } from '../project/crateLayout';
import { DependencyTypes } from '../analysis/deps/dependencyTypes';
import { noteMissingDependencies } from '../analysis/deps/missingDependencies';
import type { CrateGraph } from '../project/crateGraph';
import { dependenciesFromGraph, loadDependencies, PackageStore } from '../project/dependencyLoader';
import type { FeatureOptions } from '../project/features';
import { PackageCache } from '../project/packageCache';

export type CrateJob =
  | { kind: 'layout'; root: string; readableRoots?: string[] }
  | {
      kind: 'analyze';
      root: string;
      files: CrateFile[];
      edition: Edition;
      cfg?: CfgEnv;
      /** Cargo's feature switches the crate's dependencies are read with (default: defaults). */
      features?: FeatureOptions;
      /** The workspace's crate graph its cfg came from; absent: loaded here, with `features`. */
      graph?: CrateGraph;
    }
  /** Measurements the crate's analyses use from now on (null: none). */
  | { kind: 'calibration'; root: string; data: CalibrationData | null }
  | { kind: 'forget'; root: string };

export interface CrateJobResults {
  layout: CrateLayout;
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
  /** Where dependencies' indexed items are kept (`packageCache.ts`); absent: nowhere. */
  cacheDir?: string | null;
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
  /** Per crate root, its crate graph's dependencies (null: no graph), loaded on first analysis. */
  private readonly dependencies = new Map<
    string,
    { switches: string; loaded: CrateDependencies | null }
  >();
  private readonly ready: Promise<unknown>;
  /** Analyses read the items a background indexer kept, and index the rest themselves. */
  private readonly store: PackageStore | undefined;

  constructor(
    wasmPaths?: WasmPaths,
    calibrations: [root: string, data: CalibrationData][] = [],
    cacheDir?: string | null,
  ) {
    this.ready = initAnalysis(wasmPaths);
    this.store = cacheDir ? { cache: new PackageCache(cacheDir), fill: false } : undefined;
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
        const loaded = this.dependenciesOf(job.root, job.features, job.graph);
        const dependencies = loaded?.types;
        const reports = analyzeCrate(job.files, {
          edition: job.edition,
          calibration: this.calibrations.get(job.root),
          dependencies,
          cfg: job.cfg ?? cfgOf(loaded?.features),
        });
        noteMissingDependencies(reports, dependencies);
        return reports;
      }
      case 'calibration':
        if (job.data) {
          this.calibrations.set(job.root, new Calibration(job.data));
        } else {
          this.calibrations.delete(job.root);
        }
        return null;
      case 'forget':
        this.calibrations.delete(job.root);
        this.dependencies.delete(job.root);
        return null;
    }
  }

  /**
   * The crate's dependencies, from the crate graph its cfg came from (or, without one, loaded
   * here): read again only when the graph or the switches change. Each dependency's items come
   * from the package cache when the background indexer kept them, else are indexed when a path
   * first leads into them, once per process.
   */
  private dependenciesOf(
    root: string,
    features?: FeatureOptions,
    graph?: CrateGraph,
  ): CrateDependencies | null {
    const switches = graph ? `graph ${graph.loadId}` : JSON.stringify(features ?? null);
    const known = this.dependencies.get(root);
    if (known === undefined || known.switches !== switches) {
      let loaded: CrateDependencies | null = null;
      try {
        // A package that is no member of the graph (an excluded one) has a graph of its own.
        const read =
          (graph && dependenciesFromGraph(graph, root, this.store)) ??
          loadDependencies(root, features, {}, this.store);
        loaded = read && { types: new DependencyTypes(read.graph), features: read.features };
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
