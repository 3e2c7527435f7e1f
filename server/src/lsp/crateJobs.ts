/**
 * The work behind the crate index that is too slow for the server's own thread: reading a crate's
 * module tree and analysing all its files together. Plain data in and out, so it runs the same in a
 * worker thread (`crateWorker.ts`) or, without one, in this thread.
 */
import { Calibration, CalibrationData, hashText } from '../analysis/types/calibration';
import { CrateFile, Edition, initAnalysis } from '../analysis/engine';
import { CrateSession } from '../analysis/incremental/crateSession';
import { recycleParser, useRecyclableParsers, WasmPaths } from '../analysis/syntax/parser';
import { GarbageBound } from '../workers/garbage';
import { CfgEnv, cfgKey, cfgWithFeatures } from '../analysis/syntax/cfg';
import type { FileReport, FutureReport } from '../analysis/report';
import type { CalibrateOptions, CalibrateResult } from '../measure/calibrate';
import { CrateLayout, readCrateLayout } from '../project/crateLayout';
import type { DependencyPackage } from '../analysis/deps/dependencySources';
import { DependencyTypes } from '../analysis/deps/dependencyTypes';
import { noteMissingDependencies } from '../analysis/deps/missingDependencies';
import type { CrateGraph } from '../project/crateGraph';
import { indexPackage } from '../project/dependencyIndex';
import {
  dependenciesFromGraph,
  dependencyPackages,
  loadDependencies,
  PackageStore,
} from '../project/dependencyLoader';
import type { FeatureOptions } from '../project/features';
import { PackageCache } from '../project/packageCache';
import { PackedReport, packReport } from './packedReport';

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
      /** The workspace's crate graph its cfg came from; absent: loaded here, with `features`. */
      graph?: CrateGraph;
      /**
       * The caller keeps the answers (`CrateRunner`): the worker then answers packed reports
       * (`packedReport.ts`) and keeps only stand-ins, so a crate's reports are held once, on the
       * server's side, and packed.
       */
      keepsReports?: boolean;
      /**
       * The caller holds the crate's last answer: a file whose report did not change comes back
       * null, one whose notices alone changed as `NoticesOnly`.
       */
      holdsLast?: boolean;
    }
  /**
   * One step of indexing a crate graph's dependencies into the package cache at `cacheDir` (see
   * `dependencyIndexer.ts`): the package at `position` of the graph's dependencies, nearest
   * first; without a position, only how many there are.
   */
  | { kind: 'indexDependency'; graph: CrateGraph; cacheDir: string; position?: number }
  /** Measurements the crate's analyses use from now on (null: none). */
  | { kind: 'calibration'; root: string; data: CalibrationData | null }
  | { kind: 'forget'; root: string };

/** A report whose futures are the ones the caller holds, with new notices. */
export interface NoticesOnly {
  notices: string[];
}

/**
 * An `analyze` answer per file: its report (packed for a caller that keeps reports), or what
 * changed in the one the caller holds.
 */
export type ReportChange = FileReport | PackedReport | NoticesOnly | null;

export interface CrateJobResults {
  layout: CrateLayout;
  /** What the runner gives its callers: it sends the missing texts itself (`CrateJobs` may ask). */
  analyze: PackedReport[];
  calibration: null;
  forget: null;
  indexDependency: DependencyIndexStep;
}

/** What one `indexDependency` job did. */
export interface DependencyIndexStep {
  /** How many dependencies the graph has to index. */
  total: number;
  /** The package indexed (`tokio 1.24.2`); empty without a position, or past the last. */
  label: string;
  /** Why it could not be indexed; null when it was, or was kept already. */
  failure: string | null;
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

/**
 * Garbage the index's thread may hold between two packages it indexes: with this bound, hyper's
 * server stayed near 200 MiB while indexing its dependencies after its crate, instead of growing
 * to as much as 311 MiB.
 */
const INDEX_GARBAGE_BYTES = 16 * 1024 * 1024;

/**
 * Garbage a crate's analysis in rounds may hold above what is live before the end of a round
 * collects it: less than one round makes (2 MB of text walked).
 */
const ROUND_GARBAGE_BYTES = 48 * 1024 * 1024;

type AnalyzeJob = Extract<CrateJob, { kind: 'analyze' }>;

/** A crate's session, what it was made for, and the notices its caller holds, by file (JSON). */
interface KeptSession {
  input: string;
  session: CrateSession;
  notices: Map<string, string>;
}

/** Crates whose sessions a worker keeps; the least recently analysed goes first. */
const MAX_SESSIONS = 4;

export class CrateJobs {
  private readonly calibrations = new Map<string, Calibration>();
  /**
   * Per crate root, its analysis across jobs (`CrateSession`) and what it was made for (edition,
   * cfg, features): an edit walks only the files it reaches. Dropped with the crate, and when its
   * calibration changes.
   */
  private readonly sessions = new Map<string, KeptSession>();
  /** The stand-ins sessions keep of reports their callers hold (`keepsReports`). */
  private readonly standIns = new WeakSet<FileReport>();
  /** Each stand-in's report, packed: what the caller is sent (the stand-in's notices aside). */
  private readonly packedOf = new WeakMap<FileReport, PackedReport>();
  /**
   * Packs a report as its round ends, a stand-in in its place. Made once, outside `analyze`,
   * like `collectRoundGarbage`.
   */
  private readonly packAsRoundsEnd = (report: FileReport) => {
    const standIn = this.standInOf(report);
    this.packedOf.set(standIn, packReport(report));
    return standIn;
  };
  /** Per crate root, its crate graph's dependencies (null: no graph), loaded on first analysis. */
  private readonly dependencies = new Map<
    string,
    { switches: string; loaded: CrateDependencies | null }
  >();
  private readonly ready: Promise<void>;
  /** Analyses read the items a background indexer kept, and index the rest themselves. */
  private readonly store: PackageStore | undefined;
  /** The graph `indexDependency` jobs go through, by its load and cache folder. */
  private indexing: { key: string; packages: DependencyPackage[] } | null = null;
  /** The garbage indexing makes, collected between packages rather than kept (`garbage.ts`). */
  private readonly indexGarbage = new GarbageBound(INDEX_GARBAGE_BYTES);
  /** A large crate's garbage, collected as each round of its analysis ends (`garbage.ts`). */
  private readonly roundGarbage = new GarbageBound(ROUND_GARBAGE_BYTES);
  /**
   * Made once, outside `analyze`: a closure made there would keep its scope (the last job's texts
   * and reports) alive with the session.
   */
  private readonly collectRoundGarbage = () => this.roundGarbage.collectIfOver();

  /**
   * `ownsThread`: the jobs are all this thread parses (the index's worker), so the parser's
   * runtime goes after a whole analysis (`recycleParser`), and its memory with it.
   */
  constructor(
    wasmPaths?: WasmPaths,
    calibrations: [root: string, data: CalibrationData][] = [],
    cacheDir?: string | null,
    private readonly ownsThread = false,
  ) {
    if (ownsThread) {
      useRecyclableParsers();
    }
    // Resolved to nothing: the first runtime's language would keep that runtime alive.
    this.ready = initAnalysis(wasmPaths).then(() => undefined);
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
      case 'indexDependency':
        await this.ready;
        await initAnalysis();
        return this.indexDependency(job);
    }
  }

  /**
   * Indexes one dependency of a graph. On the crate analyses' thread, between their jobs: a
   * thread of its own would hold a second heap and parser memory while a crate is analysed.
   */
  private indexDependency(
    job: Extract<CrateJob, { kind: 'indexDependency' }>,
  ): DependencyIndexStep {
    const key = `${job.graph.loadId}|${job.cacheDir}`;
    if (this.indexing?.key !== key) {
      const store = { cache: new PackageCache(job.cacheDir), fill: true };
      this.indexing = { key, packages: dependencyPackages(job.graph, store) };
    }
    const packages = this.indexing.packages;
    const pkg = job.position === undefined ? undefined : packages[job.position];
    if (job.position !== undefined && job.position >= packages.length - 1) {
      // The last one: nothing of the graph is kept past it.
      this.indexing = null;
    }
    const failure = pkg ? indexPackage(pkg) : null;
    this.indexGarbage.collectIfOver();
    return { total: packages.length, label: pkg?.label ?? '', failure };
  }

  private analyze(job: AnalyzeJob): ReportChange[] | MissingTexts {
    const loaded = this.dependenciesOf(job.root, job.features, job.graph);
    const cfg = job.cfg ?? cfgOf(loaded?.features);
    const input = JSON.stringify([job.edition, cfg ? cfgKey(cfg) : null, job.features ?? null]);
    let kept = this.sessions.get(job.root);
    const newSession = (): KeptSession => ({
      input,
      session: new CrateSession(
        {
          edition: job.edition,
          calibration: this.calibrations.get(job.root),
          dependencies: loaded?.types,
          cfg,
          // The server's peak matters more than the first index's time (a 100k-line crate:
          // 329-375 MiB against 400 with 2 MB rounds).
          memoryFirst: true,
        },
        this.collectRoundGarbage,
      ),
      notices: new Map(),
    });
    // Dependencies read again (a new graph, Cargo.toml edited) size the futures anew too.
    if (kept?.input !== input || kept.session.dependencies !== loaded?.types) {
      kept = newSession();
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
    loaded?.types.startAnalysis();
    // A caller that keeps the reports gets them packed: packed as each round ends.
    const hold = job.keepsReports ? this.packAsRoundsEnd : undefined;
    let reports = kept.session.update(files, hashes, hold);
    if (!job.holdsLast && reports.some((r) => this.standIns.has(r))) {
      // The caller lost reports the session gave up (`keepsReports`): made again, whole.
      kept = newSession();
      this.sessions.set(job.root, kept);
      loaded?.types.startAnalysis();
      reports = kept.session.update(files, hashes, hold);
    }
    // The session keeps its reports: the notices added here go on copies.
    const copies = reports.map((r) => ({ ...r, notices: [...r.notices] }));
    noteMissingDependencies(copies, loaded?.types);
    const answer = copies.map((copy, i): ReportChange => {
      const report = reports[i];
      if (job.holdsLast && this.standIns.has(report)) {
        const notices = kept.notices.get(copy.file);
        return notices === JSON.stringify(copy.notices) ? null : { notices: copy.notices };
      }
      if (!job.keepsReports) {
        return copy;
      }
      const packed = this.packedOf.get(report) ?? packReport(report);
      return { ...packed, notices: copy.notices };
    });
    if (job.keepsReports) {
      kept.notices = new Map(copies.map((c) => [c.file, JSON.stringify(c.notices)]));
      kept.session.releaseReports((r) => {
        const standIn = this.standIns.has(r) || this.packedOf.has(r) ? r : this.standInOf(r);
        // The caller holds it now: its packed copy goes.
        this.packedOf.delete(standIn);
        this.standIns.add(standIn);
        return standIn;
      });
    }
    if (kept.session.last.whole && hold) {
      // The parser's runtime has grown to a round's trees, all deleted now: a new one, started by
      // the next job, grows only as far as that job's trees.
      if (this.ownsThread) {
        recycleParser();
      }
      // A whole crate's analysis leaves its garbage (the walks, the reports before they were
      // packed), and V8 the pages it grew to, until some later job fills them.
      this.compactSoon();
    }
    return answer;
  }

  /**
   * Compacts the heap after a whole analysis, once the job is answered: in a later turn, when V8
   * has let go of what the job's promises held (the parser's last runtime among it). A full
   * collection comes first, which frees that runtime's memory and the garbage; the compaction
   * after it then needs new pages only for what survives (at once, on a 200k-line crate, the
   * peak rose by as much as the heap kept: 308 to 349 MiB).
   */
  private compactSoon(): void {
    setTimeout(() => {
      this.roundGarbage.collect();
      setTimeout(() => this.roundGarbage.collect({ compact: true }), 0);
    }, 0);
  }

  /**
   * What a session keeps of a report its caller holds: its notices, and the distinct `unknown`
   * entries of its futures as one future's (what `noteMissingDependencies` reads).
   */
  private standInOf(report: FileReport): FileReport {
    const unknown = [...new Set(report.futures.flatMap((f) => f.unknown))];
    const futures = unknown.length > 0 ? [{ unknown } as FutureReport] : [];
    return { file: report.file, futures, notices: report.notices };
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
