/**
 * Cargo's feature resolution over a dependency graph: default features plus what dependents ask
 * for, unified per package; `dep:NAME`, `NAME/FEATURE` and weak `NAME?/FEATURE` entries;
 * optional dependencies switched on by features, with their implicit features when no `dep:`
 * names them; and `--features`, `--all-features`, `--no-default-features` for the roots.
 *
 * One feature set per package, over normal and build dependencies and the roots'
 * dev-dependencies, on every target platform: what `cargo metadata` reports. (Resolver 2 keeps
 * build and dev dependencies' features apart when it builds; that split is not made here.)
 */
import { DependencyKind } from './manifest';

/** A dependency as the feature resolver sees it. */
export interface FeatureDependency {
  /** The key it is declared under, which features refer to it by. */
  name: string;
  kind: DependencyKind;
  optional: boolean;
  features: readonly string[];
  defaultFeatures: boolean;
}

/** The packages, loaded as the resolver reaches them. */
export interface FeatureGraph<Id> {
  /** The package's `[features]` with its implicit features (see `withImplicitFeatures`). */
  featureTable(pkg: Id): Readonly<Record<string, readonly string[]>>;
  dependencies(pkg: Id): readonly FeatureDependency[];
  /** The package a dependency resolves to; asked once per package and dependency. */
  resolve(pkg: Id, dependency: FeatureDependency): Id;
  /** The package's name, for `--features member/feature`; without it `a/b` is a dependency's. */
  packageName?(pkg: Id): string;
}

export interface FeatureOptions {
  /**
   * `--features`: feature names or `dep/feature`, for every root that has them; `member/feature`
   * for the root of that name only, as cargo reads them in a workspace.
   */
  features: readonly string[];
  allFeatures: boolean;
  noDefaultFeatures: boolean;
}

/** A `--features` entry as cargo accepts one: `FEATURE` or `PACKAGE/FEATURE`. */
export const FEATURE_REQUEST = /^(?:[A-Za-z0-9_][A-Za-z0-9_+.-]*\/)?[A-Za-z0-9_][A-Za-z0-9_+.-]*$/;

export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = {
  features: [],
  allFeatures: false,
  noDefaultFeatures: false,
};

export interface ActiveDependency<Id> {
  dependency: FeatureDependency;
  target: Id;
}

export interface FeatureResolution<Id> {
  /** Every package reached, with its enabled features. */
  features: Map<Id, Set<string>>;
  /** The dependencies that are on (non-optional, or optional and enabled), per package. */
  activeDependencies: Map<Id, ActiveDependency<Id>[]>;
  /** Features asked for that the package does not have, each in a sentence. */
  warnings: string[];
}

/**
 * A `[features]` table with Cargo's implicit features: an optional dependency that no `dep:`
 * entry names is also a feature of its own name that enables it.
 */
export function withImplicitFeatures(
  table: Readonly<Record<string, readonly string[]>>,
  dependencies: readonly FeatureDependency[],
): Record<string, readonly string[]> {
  const named = new Set(
    Object.values(table).flatMap((values) => values.filter((v) => v.startsWith('dep:'))),
  );
  const result: Record<string, readonly string[]> = { ...table };
  const implicit = new Set<string>();
  for (const dependency of dependencies) {
    if (
      dependency.optional &&
      !named.has(`dep:${dependency.name}`) &&
      !(dependency.name in result)
    ) {
      result[dependency.name] = [`dep:${dependency.name}`];
      implicit.add(dependency.name);
    }
  }
  implicitFeatures.set(result, implicit);
  return result;
}

/** The implicit features of each table `withImplicitFeatures` made. */
const implicitFeatures = new WeakMap<object, Set<string>>();

interface PackageState<Id> {
  isRoot: boolean;
  features: Set<string>;
  /** Optional dependencies switched on, by key. */
  enabledOptional: Set<string>;
  /** Features asked of a dependency (`key/feature`, also weak ones), by key. */
  dependencyFeatures: Map<string, Set<string>>;
  active: ActiveDependency<Id>[];
}

/** Resolves features from the roots outwards; reaching a package loads it through `graph`. */
export function resolveFeatures<Id>(
  roots: readonly Id[],
  options: FeatureOptions,
  graph: FeatureGraph<Id>,
): FeatureResolution<Id> {
  return new FeatureResolver(graph).run(roots, options);
}

class FeatureResolver<Id> {
  private readonly states = new Map<Id, PackageState<Id>>();
  private readonly warnings: string[] = [];

  constructor(private readonly graph: FeatureGraph<Id>) {}

  run(roots: readonly Id[], options: FeatureOptions): FeatureResolution<Id> {
    for (const root of roots) {
      this.reach(root, true);
    }
    for (const root of roots) {
      const table = this.graph.featureTable(root);
      if (options.allFeatures) {
        Object.keys(table).forEach((feature) => this.enable(root, feature));
      } else if (!options.noDefaultFeatures) {
        this.enable(root, 'default');
      }
      for (const request of options.features) {
        this.request(root, request, roots);
      }
    }
    const features = new Map<Id, Set<string>>();
    const activeDependencies = new Map<Id, ActiveDependency<Id>[]>();
    for (const [id, state] of this.states) {
      features.set(id, state.features);
      activeDependencies.set(id, state.active);
    }
    return { features, activeDependencies, warnings: this.warnings };
  }

  /** One `--features` entry for one root: its own, its dependency's, or another member's. */
  private request(root: Id, request: string, roots: readonly Id[]): void {
    const table = this.graph.featureTable(root);
    const slash = request.indexOf('/');
    const key = request.slice(0, Math.max(slash, 0)).replace(/\?$/, '');
    const packageName = this.graph.packageName?.bind(this.graph);
    if (slash > 0 && packageName && roots.some((r) => packageName(r) === key)) {
      if (packageName(root) === key) {
        this.enable(root, request.slice(slash + 1));
      }
      return;
    }
    const ofDependency = slash > 0 && this.graph.dependencies(root).some((d) => d.name === key);
    if (request in table || ofDependency) {
      this.apply(root, request);
    }
  }

  private state(pkg: Id): PackageState<Id> {
    return this.states.get(pkg)!;
  }

  /** A package is in the graph: its non-optional dependencies are too (dev ones for roots only). */
  private reach(pkg: Id, isRoot: boolean): void {
    const known = this.states.get(pkg);
    if (known) {
      return;
    }
    this.states.set(pkg, {
      isRoot,
      features: new Set(),
      enabledOptional: new Set(),
      dependencyFeatures: new Map(),
      active: [],
    });
    for (const dependency of this.graph.dependencies(pkg)) {
      if (!dependency.optional && (dependency.kind !== 'dev' || isRoot)) {
        this.activate(pkg, dependency);
      }
    }
  }

  private activate(pkg: Id, dependency: FeatureDependency): void {
    const target = this.graph.resolve(pkg, dependency);
    const state = this.state(pkg);
    state.active.push({ dependency, target });
    this.reach(target, false);
    if (dependency.defaultFeatures) {
      this.enable(target, 'default');
    }
    dependency.features.forEach((feature) => this.apply(target, feature));
    this.state(pkg)
      .dependencyFeatures.get(dependency.name)
      ?.forEach((feature) => this.apply(target, feature));
  }

  private enable(pkg: Id, feature: string): void {
    const state = this.state(pkg);
    if (state.features.has(feature)) {
      return;
    }
    const table = this.graph.featureTable(pkg);
    const values = Object.prototype.hasOwnProperty.call(table, feature)
      ? table[feature]
      : undefined;
    if (values === undefined) {
      // Asking for the defaults of a package without a `default` feature is no error.
      if (feature !== 'default') {
        this.warnings.push(`${String(pkg)} has no feature \`${feature}\``);
      }
      return;
    }
    state.features.add(feature);
    values.forEach((value) => this.apply(pkg, value));
  }

  /** One entry of a feature's list (or of `--features`). */
  private apply(pkg: Id, value: string): void {
    if (value.startsWith('dep:')) {
      this.enableOptional(pkg, value.slice(4));
      return;
    }
    const slash = value.indexOf('/');
    if (slash < 0) {
      this.enable(pkg, value);
      return;
    }
    const weak = value[slash - 1] === '?';
    const key = value.slice(0, weak ? slash - 1 : slash);
    const feature = value.slice(slash + 1);
    const state = this.state(pkg);
    const asked = state.dependencyFeatures.get(key) ?? new Set<string>();
    state.dependencyFeatures.set(key, asked);
    if (!asked.has(feature)) {
      asked.add(feature);
      for (const active of [...state.active]) {
        if (active.dependency.name === key) {
          this.apply(active.target, feature);
        }
      }
    }
    if (!weak) {
      // `dep/feature` switches an optional `dep` on, through its implicit feature when it has one.
      if (implicitFeatures.get(this.graph.featureTable(pkg))?.has(key)) {
        this.enable(pkg, key);
      } else {
        this.enableOptional(pkg, key);
      }
    }
  }

  private enableOptional(pkg: Id, key: string): void {
    const state = this.state(pkg);
    if (state.enabledOptional.has(key)) {
      return;
    }
    state.enabledOptional.add(key);
    for (const dependency of this.graph.dependencies(pkg)) {
      if (
        dependency.optional &&
        dependency.name === key &&
        (dependency.kind !== 'dev' || state.isRoot)
      ) {
        this.activate(pkg, dependency);
      }
    }
  }
}
