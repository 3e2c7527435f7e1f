/**
 * The futures of one dependency's async fns, sized by the same engine as the analysed crate's
 * own: the package's library analysed as a crate, in its own context (its items, its features'
 * cfg, its own dependencies through `dependencies`). The result is plain JSON data, one record per
 * package and features, so a persistent cache can keep it.
 */
import type { CrateFile, Edition } from '../crateFile';
import type { CfgEnv } from '../syntax/cfg';
import type { FileReport, FutureReport } from '../report';
import type { Ty } from '../types/types';
import { packageCfg } from './crateModules';
import type { DependencyPackage } from './dependencySources';

/** One async fn's future, as the engine sized it in its own crate. */
export interface FutureSize {
  size: number;
  align: number;
  /** False: `size` is a lower bound, for `unknown`'s reasons. */
  exact: boolean;
  unknown: string[];
  /** Packages the size was read from, the fn's own first (`tokio 1.24.2`). */
  sources: string[];
}

export interface PackageFutures {
  /** The package as a user names it (`tokio 1.24.2`). */
  package: string;
  /**
   * By the fn's path as rustc names it (`net::tcp::stream::TcpStream::connect`); a string says
   * why the fn's future has no size (skipped, or two fns of that path).
   */
  futures: Record<string, FutureSize | string>;
  /**
   * False when a budget left some of the package's own dependencies' futures unsized (their
   * callers here are lower bounds): worth computing again with more budget.
   */
  complete: boolean;
  /** Why no fn of the package was sized, when its analysis failed as a whole. */
  failure?: string;
}

/**
 * A generic async fn to size for given type arguments, already read in its own crate (see
 * `instanceArguments`); the engine sets `report`.
 */
export interface InstanceRequest {
  path: string;
  subst: [string, Ty][];
  report?: FutureReport;
}

/** The engine's `analyzeCrate`, handed in so this module needs no engine at load time. */
export type CrateAnalyzer<D> = (
  files: CrateFile[],
  options: {
    edition: Edition;
    parseBudgetMs?: number;
    dependencies?: D;
    cfg?: CfgEnv;
    reportFiles?: ReadonlySet<string>;
    instances?: InstanceRequest[];
  },
) => FileReport[];

const EDITIONS: readonly string[] = ['2015', '2018', '2021', '2024'];

/** Parse budget per file of a dependency (as its type index allows: a batch can afford it). */
const PARSE_BUDGET_MS = 5000;

/**
 * Sizes every async fn future of the package's library. `dependencies` resolves the paths its
 * code writes into its own dependencies (and sizes their futures the same way, lazily).
 */
export function packageFutures<D extends { readonly futuresCut: boolean }>(
  pkg: DependencyPackage,
  analyze: CrateAnalyzer<D>,
  dependencies: D,
): PackageFutures {
  const futures: Record<string, FutureSize | string> = {};
  let reports: FileReport[];
  try {
    reports = analyze(filesOf(pkg), {
      edition: editionOf(pkg),
      parseBudgetMs: PARSE_BUDGET_MS,
      dependencies,
      cfg: packageCfg(pkg),
    });
  } catch (e) {
    // The engine guards each file; whatever still escapes leaves this package's futures unsized.
    return { package: pkg.label, futures, complete: true, failure: failureOf(e) };
  }
  const seen = new Set<string>();
  for (const report of reports) {
    for (const future of report.futures) {
      if (future.kind !== 'fn') {
        continue;
      }
      if (seen.has(future.name)) {
        // Which of the two a path names (per cfg, per impl) is not known here.
        futures[future.name] = 'defined more than once';
        continue;
      }
      seen.add(future.name);
      futures[future.name] = sizeOf(future, pkg.label);
    }
  }
  return { package: pkg.label, futures, complete: !dependencies.futuresCut };
}

/** The futures of some generic fns of the package, each for the type arguments one caller gave. */
export interface PackageInstances {
  /** By the request's key (`instanceKey`), as `PackageFutures.futures`. */
  futures: Record<string, FutureSize | string>;
  /** As `PackageFutures.complete`. */
  complete: boolean;
}

/**
 * Sizes generic async fns of the package for their callers' type arguments (`requests`, by key):
 * the package analysed again, walking only the files those fns and what they await are in.
 */
export function packageInstances<D extends { readonly futuresCut: boolean }>(
  pkg: DependencyPackage,
  analyze: CrateAnalyzer<D>,
  dependencies: D,
  requests: ReadonlyMap<string, { path: string; subst: [string, Ty][] }>,
): PackageInstances {
  const futures: Record<string, FutureSize | string> = {};
  const asked = [...requests].map(([key, r]): [string, InstanceRequest] => [key, { ...r }]);
  try {
    analyze(filesOf(pkg), {
      edition: editionOf(pkg),
      parseBudgetMs: PARSE_BUDGET_MS,
      dependencies,
      cfg: packageCfg(pkg),
      reportFiles: new Set(),
      instances: asked.map(([, r]) => r),
    });
  } catch (e) {
    const why = failureOf(e);
    asked.forEach(([key]) => (futures[key] = why));
    return { futures, complete: true };
  }
  for (const [key, request] of asked) {
    futures[key] = request.report
      ? sizeOf(request.report, pkg.label)
      : 'not found among its futures, or defined more than once';
  }
  return { futures, complete: !dependencies.futuresCut };
}

/** The package library's files that can be read. */
function filesOf(pkg: DependencyPackage): CrateFile[] {
  const files: CrateFile[] = [];
  for (const f of pkg.files()) {
    const text = pkg.read(f.path);
    if (text !== null) {
      files.push({ file: f.path, text, modulePath: f.modulePath });
    }
  }
  return files;
}

function failureOf(e: unknown): string {
  return `analysis failed: ${e instanceof Error ? e.message : String(e)}`;
}

function sizeOf(future: FutureReport, label: string): FutureSize | string {
  if (future.skipped !== undefined || future.size === null) {
    return `not analysed: ${future.skipped ?? 'too large'}`;
  }
  return {
    size: future.size,
    align: future.align,
    exact: future.exact,
    unknown: future.unknown,
    sources: [label, ...(future.sources ?? []).filter((s) => s !== label)],
  };
}

/** The package's edition (`edition` unset in its manifest: cargo's default, 2015). */
function editionOf(pkg: DependencyPackage): Edition {
  const edition = pkg.edition ?? '2015';
  return (EDITIONS.includes(edition) ? edition : '2015') as Edition;
}
