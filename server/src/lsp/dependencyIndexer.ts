/**
 * Dependencies indexed in the background: each crate graph a document's cfg is loaded from has
 * its dependencies' items indexed into the package cache (`project/dependencyIndex.ts`) on a
 * thread of its own (the crate worker's script, started in `dependencies` mode), so that crate
 * analyses find them kept. Nothing waits for it: a document's hints come from its own analysis,
 * and a crate analysis indexes what it needs itself until the cache has it. Progress is told to
 * the status (`serverStatus.ts`) and, when the client takes them, as a work-done progress
 * ("Indexing dependencies 12/85").
 */
import * as fs from 'fs';
import * as path from 'path';
import { Worker, type MessagePort } from 'worker_threads';
import { Emitter } from 'vscode-languageserver/node';
import type { Connection, WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import { initAnalysis } from '../analysis/engine';
import type { WasmPaths } from '../analysis/syntax/parser';
import type { CrateGraph } from '../project/crateGraph';
import { indexDependencies } from '../project/dependencyIndex';
import { PackageCache } from '../project/packageCache';

/** `workerData` of a worker started to index a crate graph's dependencies. */
export interface DependencyIndexWorkerData {
  mode: 'dependencies';
  graph: CrateGraph;
  cacheDir: string;
  wasmPaths?: WasmPaths;
}

/** Dependency index worker → main thread. */
export type DependencyIndexMessage =
  | { kind: 'progress'; indexed: number; total: number; label: string }
  | { kind: 'done'; indexed: number; total: number; failed: string[] };

export interface DependencyIndexProgress {
  indexed: number;
  total: number;
}

/** Runs in the worker: indexes the graph's dependencies, telling the main thread how far. */
export async function runDependencyIndex(
  port: MessagePort,
  data: DependencyIndexWorkerData,
): Promise<void> {
  const send = (message: DependencyIndexMessage) => port.postMessage(message);
  let result = { indexed: 0, total: 0, failed: [] as string[] };
  try {
    await initAnalysis(data.wasmPaths);
    const cache = new PackageCache(data.cacheDir);
    result = await indexDependencies(data.graph, cache, (progress) =>
      send({ kind: 'progress', ...progress }),
    );
  } catch (error) {
    result.failed.push(error instanceof Error ? error.message : String(error));
  }
  send({ kind: 'done', ...result });
  port.close();
}

/** A small young generation keeps the worker's peak down, as the index worker's. */
const YOUNG_GENERATION_MB = 4;

export class DependencyIndexer {
  /** Where the items are kept; null: nothing is indexed in the background. */
  cacheDir: string | null = null;
  private worker: Worker | null = null;
  /** Graphs waiting for the worker. */
  private readonly queue: CrateGraph[] = [];
  /** The graphs indexed or queued, by their packages and features. */
  private readonly seen = new Set<string>();
  private readonly progressed = new Emitter<DependencyIndexProgress | null>();
  /** How far the indexing is (null: it ended, nothing is being indexed). */
  readonly onDidProgress = this.progressed.event;

  constructor(
    private readonly log: (message: string) => void,
    private readonly wasmPaths?: WasmPaths,
    private readonly script: string = path.join(__dirname, 'crateWorker.js'),
  ) {}

  /** Indexes the graph's dependencies, once per set of packages and features, after the others. */
  index(graph: CrateGraph): void {
    if (this.cacheDir === null || !fs.existsSync(this.script)) {
      return;
    }
    const signature = [...graph.packages.values()]
      .map((node) => `${node.id}[${node.features.join(',')}]`)
      .sort()
      .join(' ');
    if (this.seen.has(signature)) {
      return;
    }
    this.seen.add(signature);
    this.queue.push(graph);
    this.next();
  }

  dispose(): void {
    this.queue.length = 0;
    void this.worker?.terminate();
    this.worker = null;
  }

  private next(): void {
    const graph = this.worker === null ? this.queue.shift() : undefined;
    if (!graph || this.cacheDir === null) {
      return;
    }
    const started = Date.now();
    const data: DependencyIndexWorkerData = {
      mode: 'dependencies',
      graph,
      cacheDir: this.cacheDir,
      wasmPaths: this.wasmPaths,
    };
    const worker = new Worker(this.script, {
      workerData: data,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    // The server exits when its client says so; this worker must not keep it alive.
    worker.unref();
    this.worker = worker;
    let ended = false;
    const end = (message: string) => {
      if (ended) {
        return;
      }
      ended = true;
      this.log(`[dependencies] ${message} in ${Date.now() - started} ms`);
      this.worker = null;
      this.progressed.fire(null);
      this.next();
    };
    worker.on('message', (message: DependencyIndexMessage) => {
      if (message.kind === 'progress') {
        this.progressed.fire({ indexed: message.indexed, total: message.total });
        return;
      }
      const failed =
        message.failed.length > 0 ? ` (not indexed: ${message.failed.join('; ')})` : '';
      end(`indexed ${message.indexed} of ${message.total} dependencies${failed}`);
    });
    worker.on('error', (error) => end(`the dependency index worker failed (${String(error)})`));
    worker.on('exit', (code) => end(`the dependency index worker exited with code ${code}`));
  }
}

/**
 * Tells the client how far the indexing is, as a work-done progress when it takes server-started
 * ones (one per run of the indexer, ended when it ends).
 */
export function reportDependencyProgress(
  connection: Connection,
  supportsProgress: () => boolean,
  indexer: DependencyIndexer,
): void {
  let reporter: Promise<WorkDoneProgressServerReporter | null> | null = null;
  indexer.onDidProgress((progress) => {
    if (progress === null) {
      void reporter?.then((r) => r?.done());
      reporter = null;
      return;
    }
    const text = `${progress.indexed}/${progress.total}`;
    const percentage = progress.total > 0 ? (progress.indexed * 100) / progress.total : 0;
    if (reporter === null && supportsProgress()) {
      reporter = connection.window.createWorkDoneProgress().then(
        (created) => {
          created.begin('Indexing dependencies', percentage, text, false);
          return created;
        },
        () => null,
      );
      return;
    }
    void reporter?.then((r) => r?.report(percentage, text));
  });
}
