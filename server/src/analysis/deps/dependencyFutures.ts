/**
 * Sizes of the dependencies' async fn futures an analysis awaits or stores: each package's are
 * computed by `packageFutures` the first time one of its fns is needed, once per package and
 * features for the process, within budgets (how deep packages nest, how much source one analysis
 * may analyse for them, cycles) past which a future stays a lower bound that names its crate and
 * fn.
 */
import type { Layout } from '../types/layout';
import type { DependencyGraph, DependencyPackage } from './dependencySources';
import type { Ty } from '../types/types';
import { byItsLayout } from './instanceArguments';
import {
  CrateAnalyzer,
  FutureSize,
  PackageFutures,
  packageFutures,
  packageInstances,
} from './packageFutures';

/** Packages nested below the analysed crate whose futures are still sized (its own are 1). */
export const MAX_PACKAGE_DEPTH = 3;
/**
 * Source one analysis may analyse to size its dependencies' futures (characters of every
 * package's library, counted once per analysis of that package, nested ones included) before it
 * stops starting more. Work, not time: a busy machine gives the answers of an idle one.
 */
export const PACKAGE_FUTURES_BUDGET_CHARS = 256 * 1024 * 1024;
/** Packages' futures kept per process (each a few KB of plain data). */
const MAX_KEPT_PACKAGES = 400;

/** What a package's sized futures are kept under in its persistent data (`PackageData`). */
const FUTURES_KIND = 'futures';

/** Sized packages by id, features and dependencies, shared by every analysis of the process. */
const sizedPackages = new Map<string, PackageFutures>();
/**
 * Sized instances of generic fns by `instanceKey`, shared the same way. Kept for the process
 * only: a caller's type argument may be a type of a package the dependency's persistent key does
 * not cover.
 */
const sizedInstances = new Map<string, FutureSize | string>();
/** Instances kept per process (each a few hundred bytes). */
const MAX_KEPT_INSTANCES = 20_000;

/** Two workspaces may resolve one package's own dependencies to other versions. */
function packageKey(pkg: DependencyPackage): string {
  const externs = [...pkg.externs].map(([name, id]) => `${name}=${id}`).sort();
  return `${pkg.id}|${pkg.features.join(',')}|${externs.join(',')}`;
}

/**
 * Work spent sizing packages' futures by one analysis and the packages it nests into, which
 * share it: the characters of source each package analysis is given (what it parses, and the
 * most its walks can read), whatever the machine's speed or load.
 */
export class FutureBudget {
  private spent = 0;
  /** Packages being sized, by key: one reached again is a cycle. */
  readonly inProgress = new Set<string>();

  constructor(readonly limitChars: number = PACKAGE_FUTURES_BUDGET_CHARS) {}

  exhausted(): boolean {
    return this.spent > this.limitChars;
  }

  /** Forgets the work spent so far (not while a package is being sized). */
  restart(): void {
    if (this.inProgress.size === 0) {
      this.spent = 0;
    }
  }

  /** `analyze`, charging this budget with the source each call is given. */
  charging<D>(analyze: CrateAnalyzer<D>): CrateAnalyzer<D> {
    return (files, options) => {
      for (const file of files) {
        this.spent += file.text.length;
      }
      return analyze(files, options);
    };
  }

  /** Why a package is not sized once the budget is spent (a size's reason names it). */
  spentReason(): string {
    const megabytes = Math.round(this.limitChars / (1024 * 1024));
    return `the budget for dependencies' futures (${megabytes} MB of their source) is spent`;
  }
}

/** An awaited dependency future: whose fn it is, and how its type is labelled. */
export interface AwaitedFuture {
  pkg: string;
  path: string;
  label: string;
  /** The caller's type arguments, read in the fn's crate: the instance of a generic fn. */
  subst: [string, Ty][];
  /** The caller's type arguments the fn's crate cannot name, given by layout when sized. */
  byLayout: [string, Ty][];
}

/** `D`: the dependencies' types a package's own analysis reads (`DependencyTypes`). */
export class DependencyFutures<D extends { readonly futuresCut: boolean }> {
  /** Whether a budget left a needed package's futures unsized. */
  cut = false;
  private readonly awaited = new Map<string, AwaitedFuture>();
  /**
   * Sizes a budget cut short, kept for this analysis only: shared, they would make what a later
   * analysis shows depend on what ran before it.
   */
  private readonly cutPackages = new Map<string, PackageFutures>();
  private readonly cutInstances = new Map<string, FutureSize | string>();

  /**
   * `depth`: how far below the analysed crate the crate these futures are awaited from is (0:
   * the analysed crate). `nested` makes the types of a package's own crate context.
   */
  constructor(
    private readonly graph: DependencyGraph,
    private readonly depth: number,
    private readonly budget: FutureBudget,
    private readonly nested: (pkg: DependencyPackage) => D,
  ) {}

  /** A future of a package's fn was made, with id `id`. */
  note(id: string, awaited: AwaitedFuture): void {
    this.awaited.set(id, awaited);
  }

  /**
   * The layout of a dependency's future (an id `note` was given); null for any other. A future
   * that cannot be sized is a lower bound whose reason names its crate and fn.
   */
  layout(id: string, analyze: CrateAnalyzer<D>, callerLayout?: (ty: Ty) => Layout): Layout | null {
    const noted = this.awaited.get(id);
    if (!noted) {
      return null;
    }
    const awaited = withLayouts(noted, callerLayout);
    // An instance that could not be sized is the generic fn's future: a lower bound of it.
    const found =
      (awaited.subst.length > 0 ? this.instanceOf(awaited, analyze) : null) ??
      this.genericSize(awaited, analyze);
    if (typeof found === 'string') {
      return lowerBound(`${awaited.label} (not sized: ${found})`);
    }
    return {
      size: found.size,
      align: found.align,
      exact: found.exact,
      // Reasons from inside another crate (its `T`) are read with the fn they come from.
      unknown: found.exact ? [] : [`${awaited.label}: ${found.unknown.join(', ')}`],
      drop: true,
      copy: false,
      niche: null,
      sources: found.sources,
    };
  }

  /** The generic fn's future in its package's sizes, or why it has none. */
  private genericSize(awaited: AwaitedFuture, analyze: CrateAnalyzer<D>): FutureSize | string {
    const sized = this.futuresOf(awaited.pkg, analyze);
    return typeof sized === 'string' ? sized : sizeIn(sized, awaited.path);
  }

  /** The package's sized futures, or why they are not sized. */
  private futuresOf(id: string, analyze: CrateAnalyzer<D>): PackageFutures | string {
    const pkg = this.graph.package(id);
    if (!pkg || pkg.missing !== null) {
      return pkg?.missing ?? 'not in the crate graph';
    }
    const key = packageKey(pkg);
    const known =
      sizedPackages.get(key) ??
      this.cutPackages.get(key) ??
      pkg.data?.peek<PackageFutures>(FUTURES_KIND);
    if (known) {
      this.cut ||= !known.complete;
      this.keep(key, known);
      return known;
    }
    const why = this.budgetLeft(key);
    if (why !== null) {
      this.cut = true;
      return why;
    }
    this.budget.inProgress.add(key);
    try {
      const sized = packageFutures(pkg, this.budget.charging(analyze), this.nested(pkg));
      this.cut ||= !sized.complete;
      this.keep(key, sized);
      if (sized.complete) {
        // Kept across runs only when no budget cut it short: the same input gives the same sizes.
        pkg.data?.get(FUTURES_KIND, () => sized);
      }
      return sized;
    } finally {
      this.budget.inProgress.delete(key);
    }
  }

  /**
   * The instance's future, sized in its package with the caller's type arguments; null when it
   * cannot be (a budget, a cycle, no single fn of that path). Every instance of the package this
   * analysis made and none has sized yet is sized with it, in one analysis of the package.
   */
  private instanceOf(awaited: AwaitedFuture, analyze: CrateAnalyzer<D>): FutureSize | null {
    const pkg = this.graph.package(awaited.pkg);
    if (!pkg || pkg.missing !== null) {
      return null;
    }
    const packageId = packageKey(pkg);
    const key = instanceKey(packageId, awaited);
    if (!sizedInstances.has(key) && !this.cutInstances.has(key)) {
      this.sizeInstances(pkg, packageId, analyze, awaited);
    }
    const found = sizedInstances.get(key) ?? this.cutInstances.get(key);
    return typeof found === 'object' ? found : null;
  }

  private sizeInstances(
    pkg: DependencyPackage,
    packageId: string,
    analyze: CrateAnalyzer<D>,
    asked: AwaitedFuture,
  ): void {
    const batch = `${packageId}|instances`;
    if (this.budgetLeft(batch) !== null) {
      // The generic future stands in: a lower bound, which more budget may make the instance's.
      this.cut = true;
      return;
    }
    const requests = new Map<string, { path: string; subst: [string, Ty][] }>();
    // The others this analysis made whose arguments are all named (the layouts are the
    // caller's to give when each is sized).
    const named = [...this.awaited.values()].filter((a) => a.byLayout.length === 0);
    for (const awaited of [asked, ...named]) {
      const key = instanceKey(packageId, awaited);
      const sized = sizedInstances.has(key) || this.cutInstances.has(key);
      if (awaited.pkg === pkg.id && awaited.subst.length > 0 && !sized) {
        requests.set(key, { path: awaited.path, subst: awaited.subst });
      }
    }
    this.budget.inProgress.add(batch);
    try {
      const charged = this.budget.charging(analyze);
      const sized = packageInstances(pkg, charged, this.nested(pkg), requests);
      this.cut ||= !sized.complete;
      for (const [key, size] of Object.entries(sized.futures)) {
        if (sized.complete) {
          keepBounded(sizedInstances, key, size, MAX_KEPT_INSTANCES);
        } else {
          this.cutInstances.set(key, size);
        }
      }
    } finally {
      this.budget.inProgress.delete(batch);
    }
  }

  /** An analysis starts: what a budget cut short for the last one is sized again. */
  restart(): void {
    this.cutPackages.clear();
    this.cutInstances.clear();
  }

  private keep(key: string, sized: PackageFutures): void {
    if (!sized.complete) {
      this.cutPackages.set(key, sized);
      return;
    }
    if (!sizedPackages.has(key) && sizedPackages.size >= MAX_KEPT_PACKAGES) {
      sizedPackages.delete(sizedPackages.keys().next().value!);
    }
    sizedPackages.set(key, sized);
  }

  /** Null when the package may be sized now; else why not. */
  private budgetLeft(key: string): string | null {
    if (this.budget.inProgress.has(key)) {
      return 'its crate is being analysed (a cycle)';
    }
    if (this.depth + 1 > MAX_PACKAGE_DEPTH) {
      return `its crate is nested more than ${MAX_PACKAGE_DEPTH} dependencies deep`;
    }
    if (this.budget.exhausted()) {
      return this.budget.spentReason();
    }
    return null;
  }
}

/** The fn's future in its package's sizes, or why it has none. */
function sizeIn(sized: PackageFutures, path: string): PackageFutures['futures'][string] {
  if (Object.hasOwn(sized.futures, path)) {
    return sized.futures[path];
  }
  return sized.failure ?? 'not found among its futures';
}

/** Nothing known of the future but that it exists: counted as empty, with drop glue. */
function lowerBound(reason: string): Layout {
  const unknown = [reason];
  return { size: 0, align: 1, exact: false, unknown, drop: true, copy: false, niche: null };
}

/**
 * The future with the caller's types its crate cannot name given by their layout (those the
 * caller cannot lay out exactly stay generic).
 */
function withLayouts(awaited: AwaitedFuture, callerLayout?: (ty: Ty) => Layout): AwaitedFuture {
  if (awaited.byLayout.length === 0 || !callerLayout) {
    return awaited;
  }
  const given = awaited.byLayout.flatMap(([name, ty]): [string, Ty][] => {
    const read = byItsLayout(ty, callerLayout(ty));
    return read ? [[name, read]] : [];
  });
  const subst = [...awaited.subst, ...given].sort(([a], [b]) => a.localeCompare(b));
  return { ...awaited, subst };
}

/** An instance by its package (`packageKey`), fn and type arguments. */
function instanceKey(packageId: string, awaited: AwaitedFuture): string {
  return `${packageId}|${awaited.path}|${JSON.stringify(awaited.subst)}`;
}

function keepBounded<V>(map: Map<string, V>, key: string, value: V, limit: number): void {
  if (!map.has(key) && map.size >= limit) {
    map.delete(map.keys().next().value!);
  }
  map.set(key, value);
}

/** Forgets every package's sized futures (tests that change a package's sources on disk). */
export function forgetSizedPackages(): void {
  sizedPackages.clear();
  sizedInstances.clear();
}
