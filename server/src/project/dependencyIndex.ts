/**
 * Indexes every dependency of a crate graph into the package cache, one package after another,
 * telling how far it got, so that analyses find each package's items kept instead of reading its
 * sources: what the benchmark times; the editor runs the same steps one package per job on its
 * crate index's thread (`indexPackage`, see `lsp/dependencyIndexer.ts`).
 * `initAnalysis()` must have completed in this thread.
 */
import { keepPackageItems } from '../analysis/deps/crateModules';
import { initAnalysis } from '../analysis/engine';
import { noteRuntimeFailure } from '../analysis/syntax/parser';
import type { DependencyPackage } from '../analysis/deps/dependencySources';
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
    const failure = indexPackage(pkg);
    if (failure !== null) {
      failed.push(failure);
      // The next package gets a new parser runtime.
      await initAnalysis();
    }
    indexed++;
    onProgress({ indexed, total: packages.length, label: pkg.label });
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { indexed, total: packages.length, failed };
}

/**
 * Indexes one package into its package data, unless kept already. Null when it was; else why
 * not: a package that cannot be read (a parser trap) is left to be read when used, and the parser
 * runtime is marked for replacement (`initAnalysis()` gives a new one).
 */
export function indexPackage(pkg: DependencyPackage): string | null {
  try {
    keepPackageItems(pkg);
    return null;
  } catch (error) {
    noteRuntimeFailure(error);
    return `${pkg.label}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
