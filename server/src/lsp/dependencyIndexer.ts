/**
 * Dependencies indexed in the background: each crate graph a document's cfg is loaded from has
 * its dependencies' items indexed into the package cache, so that crate analyses find them kept.
 * The packages go one per job on the crate index's worker thread (`crateJobs.ts`), between its
 * crate analyses rather than beside them: a thread of its own held a second heap and parser
 * memory while a crate was analysed (about 75 MiB of the server's peak on hyper). Nothing waits
 * for it: a document's hints come from its own analysis, and a crate analysis indexes what it
 * needs itself until the cache has it; a crate job asked for meanwhile waits for one package at
 * most. Progress is told to the status (`serverStatus.ts`) and, when the client takes them, as a
 * work-done progress ("Indexing dependencies 12/85").
 */
import { Emitter } from 'vscode-languageserver/node';
import type { Connection, WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import type { CrateGraph } from '../project/crateGraph';
import type { CrateJob, DependencyIndexStep } from './crateJobs';

export interface DependencyIndexProgress {
  indexed: number;
  total: number;
}

/** Where the indexing jobs run: the crate index's runner (`crateRunner.ts`). */
export interface DependencyIndexRunner {
  run(job: Extract<CrateJob, { kind: 'indexDependency' }>): Promise<DependencyIndexStep>;
  /** False when jobs would run on the server's own thread: nothing is indexed then. */
  usesWorker(): boolean;
}

export class DependencyIndexer {
  /** Where the items are kept; null: nothing is indexed in the background. */
  cacheDir: string | null = null;
  /** Whether a graph is being indexed. */
  private running = false;
  private disposed = false;
  /** Graphs waiting for the one being indexed. */
  private readonly queue: CrateGraph[] = [];
  /** The graphs indexed or queued, by their packages and features. */
  private readonly seen = new Set<string>();
  private readonly progressed = new Emitter<DependencyIndexProgress | null>();
  /** How far the indexing is (null: it ended, nothing is being indexed). */
  readonly onDidProgress = this.progressed.event;

  constructor(
    private readonly log: (message: string) => void,
    private readonly runner: DependencyIndexRunner,
  ) {}

  /** Indexes the graph's dependencies, once per set of packages and features, after the others. */
  index(graph: CrateGraph): void {
    if (this.cacheDir === null || this.disposed || !this.runner.usesWorker()) {
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
    void this.next();
  }

  dispose(): void {
    this.disposed = true;
    this.queue.length = 0;
  }

  private async next(): Promise<void> {
    if (this.running) {
      return;
    }
    for (let graph = this.queue.shift(); graph; graph = this.queue.shift()) {
      if (this.cacheDir === null) {
        return;
      }
      this.running = true;
      try {
        this.log(`[dependencies] ${await this.indexGraph(graph, this.cacheDir)}`);
      } finally {
        this.running = false;
      }
      this.progressed.fire(null);
    }
  }

  /** Indexes one graph, a package per job; what it did, for the log. */
  private async indexGraph(graph: CrateGraph, cacheDir: string): Promise<string> {
    const started = Date.now();
    const failed: string[] = [];
    let indexed = 0;
    let total = 0;
    try {
      // Told at once: the first package may take a while (tokio's hundreds of files).
      ({ total } = await this.runner.run({ kind: 'indexDependency', graph, cacheDir }));
      this.progressed.fire({ indexed, total });
      for (let position = 0; position < total; position++) {
        if (this.disposed || !this.runner.usesWorker()) {
          failed.push('the crate index stopped');
          break;
        }
        const step = await this.runner.run({ kind: 'indexDependency', graph, cacheDir, position });
        if (step.failure !== null) {
          failed.push(step.failure);
        }
        indexed++;
        this.progressed.fire({ indexed, total });
      }
    } catch (error) {
      failed.push(`the index worker failed (${error instanceof Error ? error.message : error})`);
    }
    const notIndexed = failed.length > 0 ? ` (not indexed: ${failed.join('; ')})` : '';
    return `indexed ${indexed} of ${total} dependencies${notIndexed} in ${Date.now() - started} ms`;
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
