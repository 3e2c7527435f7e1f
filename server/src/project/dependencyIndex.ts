/**
 * Indexes every dependency of a crate graph into the package cache, one package after another,
 * telling how far it got: what the editor's background thread runs, so that analyses find each
 * package's items kept instead of reading its sources, and what the benchmark times.
 * `initAnalysis()` must have completed in this thread.
 */
import { keepPackageItems } from '../analysis/deps/crateModules';
import { initAnalysis } from '../analysis/engine';
import { noteRuntimeFailure } from '../analysis/syntax/parser';
import type { CrateGraph } from './crateGraph';
import { dependencyPackages } from './dependencyLoader';
import type { PackageCache } from './packageCache';

export interface IndexProgress {
  /** Packages done so far (indexed now, or found kept). */
  indexed: number;
  total: number;
  /** The package just done (`tokio 1.24.2`); empty before the first. */
  label: string;
}

export interface IndexResult {
  indexed: number;
  total: number;
  /** Packages that could not be indexed, each with why. */
  failed: string[];
}

/**
 * Indexes the graph's dependencies (its roots, the analysed packages, left out). Yields to the
 * event loop between packages, so a request to stop (`signal`) is seen.
 */
export async function indexDependencies(
  graph: CrateGraph,
  cache: PackageCache,
  onProgress: (progress: IndexProgress) => void = () => undefined,
  signal?: AbortSignal,
): Promise<IndexResult> {
  const packages = dependencyPackages(graph, { cache, fill: true });
  const failed: string[] = [];
  let indexed = 0;
  // Told at once: the first package may take a while (tokio's hundreds of files).
  onProgress({ indexed, total: packages.length, label: '' });
  for (const pkg of packages) {
    if (signal?.aborted) {
      break;
    }
    try {
      keepPackageItems(pkg);
    } catch (error) {
      // One package that cannot be read (a parser trap) leaves it to be read when used; the next
      // gets a new parser runtime.
      failed.push(`${pkg.label}: ${error instanceof Error ? error.message : String(error)}`);
      noteRuntimeFailure(error);
      await initAnalysis();
    }
    indexed++;
    onProgress({ indexed, total: packages.length, label: pkg.label });
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { indexed, total: packages.length, failed };
}
