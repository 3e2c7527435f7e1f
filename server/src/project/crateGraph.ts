/**
 * The crate graph of a Cargo workspace from sources alone, without a build or the network: each
 * package with where its sources are on this machine, its edition, library target and enabled
 * features, and its dependency edges. Versions come from `Cargo.lock` when there is one, else
 * from what is available (see `versionSelection.ts`); sources from `packageSources.ts`; features
 * from `features.ts`. A dependency whose sources are not here is a node with `root: null` and
 * the reason, so the graph is always whole.
 */
import * as path from 'path';
import { pathToFileURL } from 'url';
import { Environment, readCargoConfig } from './cargoConfig';
import { satisfiesCargo } from './cargoVersions';
import {
  DEFAULT_FEATURE_OPTIONS,
  FeatureDependency,
  FeatureOptions,
  resolveFeatures,
} from './features';
import { LockedPackage, LockIndex, readLockfile } from './lockfile';
import { DependencyKind, readManifest } from './manifest';
import {
  dependencyFrom,
  describePackage,
  PackageDependency,
  PackageDescription,
} from './packageDescription';
import {
  CRATES_IO_SOURCE,
  isCratesIo,
  PackageLocation,
  SourceKind,
  SourceLocator,
} from './packageSources';
import { VersionSelector } from './versionSelection';
import { findWorkspace, Workspace } from './workspaceMembers';

export interface DependencyEdge {
  /** The crate name the dependent's code uses: the rename, else the library's name. */
  name: string;
  /** The package id it resolves to. */
  package: string;
  kind: DependencyKind;
  optional: boolean;
  /** `cfg(…)` or a target triple from `[target.X.dependencies]`; null on every target. */
  target: string | null;
}

export interface PackageNode {
  /** `SOURCE#NAME@VERSION`, as `cargo metadata` writes package ids. */
  id: string;
  name: string;
  /** Null when the sources are missing and no lock file says which version. */
  version: string | null;
  source: SourceKind;
  /** The package's folder (its Cargo.toml's); null when its sources are not on this machine. */
  root: string | null;
  /** Why `root` is null, in a phrase; null when the sources are here. */
  missing: string | null;
  edition: string | null;
  lib: { name: string; path: string; procMacro?: boolean } | null;
  /** Enabled features, sorted. */
  features: string[];
  dependencies: DependencyEdge[];
}

export interface CrateGraph {
  /** Unique to this load: a copy sent to another thread is told from a newer load by it. */
  loadId: string;
  packages: Map<string, PackageNode>;
  roots: string[];
  workspaceRoot: string;
  /** Whether versions came from `Cargo.lock`. */
  lockfile: 'used' | 'absent' | 'unusable';
  /** What could not be read or followed, each in a sentence. */
  warnings: string[];
}

export interface CrateGraphOptions extends FeatureOptions {
  /** Supplies `CARGO_HOME`/`HOME`; tests pass their own so the real home is never read. */
  env: Environment;
  /** Every workspace member as a root, not only the package holding the folder. */
  wholeWorkspace: boolean;
  /** Whether to read `Cargo.lock`; without it versions are picked as a fresh lock file would. */
  useLockfile: boolean;
}

const DEFAULT_OPTIONS: CrateGraphOptions = {
  ...DEFAULT_FEATURE_OPTIONS,
  env: process.env,
  wholeWorkspace: false,
  useLockfile: true,
};

/** Graphs loaded by this thread, for their `loadId`s (random too: threads count alike). */
let loads = 0;

/** Rounds of version selection before conflicting picks are accepted as they are. */
const MAX_SELECTION_ROUNDS = 8;

/** The graph of the workspace around `folder`; null when no Cargo.toml is at or above it. */
export function loadCrateGraph(
  folder: string,
  options: Partial<CrateGraphOptions> = {},
): CrateGraph | null {
  const settings = { ...DEFAULT_OPTIONS, ...options };
  const workspace = findWorkspace(folder);
  if (!workspace) {
    return null;
  }
  const config = readCargoConfig(folder, settings.env);
  const lock = settings.useLockfile ? readLockfile(workspace.root) : ({ kind: 'missing' } as const);
  const warnings = [...config.warnings, ...workspace.warnings];
  if (lock.kind === 'unusable') {
    warnings.push(lock.reason);
  }
  const locator = new SourceLocator(config, settings.env);
  const selector = new VersionSelector();
  const lockIndex = lock.kind === 'parsed' ? new LockIndex(lock.lockfile) : null;
  const patches = patchesOf(workspace.root, locator);
  const newBuilder = () => new GraphBuilder(locator, selector, lockIndex, patches);
  const build = (roots: string[], features: FeatureOptions) =>
    buildGraph(roots, features, newBuilder, selector);
  if (!lockIndex) {
    // Cargo writes a lock file for every member with all features on, then resolves features
    // with those versions: an optional dependency that is off still pins versions.
    build(workspace.members, { features: [], allFeatures: true, noDefaultFeatures: false });
    selector.keepChoices();
  }
  const builder = build(settings.wholeWorkspace ? workspace.members : workspace.selected, settings);
  const lockState =
    lock.kind === 'parsed' ? 'used' : lock.kind === 'missing' ? 'absent' : 'unusable';
  return builder.result(workspace, lockState, warnings);
}

/** Builds in rounds until version selection settles (or gives up after a few). */
function buildGraph(
  roots: string[],
  features: FeatureOptions,
  newBuilder: () => GraphBuilder,
  selector: VersionSelector,
): GraphBuilder {
  let builder: GraphBuilder;
  let rounds = 0;
  do {
    selector.nextRound();
    builder = newBuilder();
    builder.resolve(
      roots.map((root) => builder.addRoot(root)),
      features,
    );
  } while (selector.needsAnotherRound && ++rounds < MAX_SELECTION_ROUNDS);
  return builder;
}

/** Patched packages by source id and package name. */
type Patches = Map<string, Map<string, PackageDependency>>;

/**
 * The workspace root's `[patch.SOURCE]` tables for registry sources (`crates-io`, a registry's
 * name or its index URL); Cargo reads no other manifest's.
 */
function patchesOf(workspaceRoot: string, locator: SourceLocator): Patches {
  const patches: Patches = new Map();
  const read = readManifest(workspaceRoot);
  for (const { source, dependencies } of read.kind === 'parsed' ? read.manifest.patches : []) {
    const id = source.includes('://') ? `registry+${source}` : locator.registrySourceId(source);
    const byName = new Map<string, PackageDependency>();
    for (const spec of dependencies) {
      byName.set(spec.package, dependencyFrom(spec, workspaceRoot));
    }
    if (id !== null) {
      patches.set(isCratesIo(id) ? CRATES_IO_SOURCE : id, byName);
    }
  }
  return patches;
}

interface LoadedPackage {
  node: PackageNode;
  description: PackageDescription | null;
  locked: LockedPackage | null;
  /** Per dependency, the package it resolved to. */
  resolved: Map<FeatureDependency, string>;
}

/** Loads packages as features reach them, and turns the result into nodes and edges. */
class GraphBuilder {
  private readonly packages = new Map<string, LoadedPackage>();
  private readonly roots: string[] = [];
  private readonly warnings: string[] = [];
  private resolvedFeatures = new Map<string, Set<string>>();
  private active = new Map<string, { dependency: FeatureDependency; target: string }[]>();

  constructor(
    private readonly locator: SourceLocator,
    private readonly selector: VersionSelector,
    private readonly lock: LockIndex | null,
    private readonly patches: Patches,
  ) {}

  addRoot(directory: string): string {
    const id = this.loadPath(directory);
    this.roots.push(id);
    return id;
  }

  resolve(roots: string[], options: FeatureOptions): void {
    const resolution = resolveFeatures(roots, options, {
      featureTable: (id) => this.packages.get(id)!.description?.features ?? {},
      dependencies: (id) => this.packages.get(id)!.description?.dependencies ?? [],
      resolve: (id, dependency) => this.resolveDependency(id, dependency as PackageDependency),
      packageName: (id) => this.packages.get(id)!.node.name,
    });
    this.resolvedFeatures = resolution.features;
    this.active = resolution.activeDependencies;
    this.warnings.push(...resolution.warnings);
  }

  result(workspace: Workspace, lockfile: CrateGraph['lockfile'], warnings: string[]): CrateGraph {
    const packages = new Map<string, PackageNode>();
    for (const [id, loaded] of this.packages) {
      if (!this.resolvedFeatures.has(id)) {
        continue;
      }
      const node = loaded.node;
      node.features = [...this.resolvedFeatures.get(id)!].sort();
      // In declaration order, whatever order features switched them on in.
      const declared = loaded.description?.dependencies ?? [];
      node.dependencies = [...(this.active.get(id) ?? [])]
        .sort(
          (a, b) =>
            declared.indexOf(a.dependency as PackageDependency) -
            declared.indexOf(b.dependency as PackageDependency),
        )
        .map(({ dependency, target }) => this.edge(dependency as PackageDependency, target));
      packages.set(id, node);
      warnings.push(...(loaded.description?.warnings ?? []));
    }
    return {
      loadId: `${process.pid}.${++loads}.${Math.random().toString(36).slice(2)}`,
      packages,
      roots: [...new Set(this.roots)],
      workspaceRoot: workspace.root,
      lockfile,
      warnings: [...warnings, ...this.warnings],
    };
  }

  private edge(dependency: PackageDependency, target: string): DependencyEdge {
    const lib = this.packages.get(target)?.node.lib;
    const name = dependency.renamed ? dependency.name : (lib?.name ?? dependency.package);
    return {
      name: name.replace(/-/g, '_'),
      package: target,
      kind: dependency.kind,
      optional: dependency.optional,
      target: dependency.target,
    };
  }

  private resolveDependency(id: string, dependency: PackageDependency): string {
    const dependent = this.packages.get(id)!;
    const known = dependent.resolved.get(dependency);
    if (known !== undefined) {
      return known;
    }
    let target: string;
    if (dependency.path !== null) {
      target = this.loadPath(dependency.path);
    } else if (dependency.git !== null) {
      target = this.loadGit(dependent, dependency);
    } else {
      target = this.loadRegistry(dependent, dependency);
    }
    dependent.resolved.set(dependency, target);
    return target;
  }

  private loadPath(directory: string): string {
    const root = path.resolve(directory);
    const source = `path+${pathToFileURL(root).href}`;
    return this.load(source, { kind: 'path', root }, null, (d) =>
      this.lockEntry(d.name, d.version, null),
    );
  }

  private loadGit(dependent: LoadedPackage, dependency: PackageDependency): string {
    const git = dependency.git!;
    const repository = (url: string) =>
      url
        .replace(/^git\+/, '')
        .replace(/[?#].*$/, '')
        .replace(/(\.git)?\/*$/, '');
    const locked = this.lockedDependency(
      dependent,
      dependency,
      (s) => s.startsWith('git+') && repository(s) === repository(git.url),
    );
    const query = git.branch
      ? `?branch=${git.branch}`
      : git.tag
        ? `?tag=${git.tag}`
        : git.rev
          ? `?rev=${git.rev}`
          : '';
    const source = locked?.source ?? `git+${git.url}${query}`;
    const revision = locked?.source?.split('#')[1] ?? git.rev;
    const location = this.locator.locateGitPackage(git.url, revision, dependency.package);
    const fallback = { name: dependency.package, version: locked?.version ?? null };
    return this.load(source, location, fallback, () => locked);
  }

  private loadRegistry(dependent: LoadedPackage, dependency: PackageDependency): string {
    const source = this.locator.registrySourceId(dependency.registry);
    const name = dependency.package;
    if (source === null) {
      const location = {
        kind: 'registry' as const,
        root: null,
        missing: `no [registries.${dependency.registry}] in Cargo's config`,
      };
      return this.load(
        `registry+${dependency.registry}`,
        location,
        { name, version: null },
        () => null,
      );
    }
    const sameSource = (s: string) => s === source || (isCratesIo(s) && isCratesIo(source));
    const locked = this.lockedDependency(dependent, dependency, sameSource);
    const patch = this.loadPatch(dependent, source, name);
    let available = this.locator.availableVersions(source, name);
    if (patch) {
      this.selector.prefer(`${source}#${name}`, patch.version);
      available = [...available.filter((v) => v !== patch.version), patch.version];
    }
    const version =
      locked?.version ?? this.selector.choose(source, name, dependency.version, available);
    if (patch && version === patch.version && !locked) {
      return patch.target;
    }
    if (version === null) {
      const wanted = dependency.version ?? '*';
      const location = {
        kind: 'registry' as const,
        root: null,
        missing: `no version of ${name} matching ${wanted} is on this machine`,
      };
      return this.load(source, location, { name, version: null, requirement: wanted }, () => null);
    }
    const location = this.locator.locateRegistryPackage(source, name, version);
    return this.load(
      source,
      location,
      { name, version },
      () => locked ?? this.lockEntry(name, version, source),
    );
  }

  /** The package `[patch]` puts in place of a registry's `name`, loaded, with its version. */
  private loadPatch(
    dependent: LoadedPackage,
    source: string,
    name: string,
  ): { target: string; version: string } | null {
    const patch = this.patches.get(isCratesIo(source) ? CRATES_IO_SOURCE : source)?.get(name);
    if (!patch || (patch.path === null && patch.git === null)) {
      return null;
    }
    const target = patch.path !== null ? this.loadPath(patch.path) : this.loadGit(dependent, patch);
    const version = this.packages.get(target)?.node.version ?? null;
    return version === null ? null : { target, version };
  }

  /** The dependent's locked dependency that this declared one resolved to. */
  private lockedDependency(
    dependent: LoadedPackage,
    dependency: PackageDependency,
    fromSource: (source: string) => boolean,
  ): LockedPackage | null {
    if (!this.lock || !dependent.locked) {
      return null;
    }
    const candidates = this.lock
      .dependenciesOf(dependent.locked)
      .filter((p) => p.name === dependency.package && p.source !== null && fromSource(p.source))
      .filter((p) => satisfiesCargo(p.version, dependency.version));
    return candidates.length > 0 ? candidates[0] : null;
  }

  private lockEntry(
    name: string,
    version: string | null,
    source: string | null,
  ): LockedPackage | null {
    const entries = this.lock
      ?.named(name)
      .filter((p) => (version === null || p.version === version) && p.source === source);
    return entries?.length === 1 ? entries[0] : null;
  }

  /**
   * Loads the package at `location` (once per id). Without sources, `fallback` names the node;
   * `lockedFor` finds its lock entry once its description is known.
   */
  private load(
    source: string,
    location: PackageLocation,
    fallback: { name: string; version: string | null; requirement?: string } | null,
    lockedFor: (description: PackageDescription) => LockedPackage | null,
  ): string {
    const read = location.root === null ? null : readManifest(location.root);
    const description = read?.kind === 'parsed' ? describePackage(read.manifest) : null;
    const name = description?.name ?? fallback?.name ?? path.basename(location.root ?? '?');
    const version = description?.version ?? fallback?.version ?? null;
    const id = `${source}#${name}@${version ?? fallback?.requirement ?? '*'}`;
    if (this.packages.has(id)) {
      return id;
    }
    let missing = location.root === null ? location.missing : null;
    if (location.root !== null && !description) {
      missing =
        read?.kind === 'missing'
          ? `no Cargo.toml in ${location.root}`
          : `${location.root}/Cargo.toml cannot be read`;
    }
    const node: PackageNode = {
      id,
      name,
      version,
      source: location.kind,
      root: description ? location.root : null,
      missing,
      edition: description?.edition ?? null,
      lib: description?.lib ?? null,
      features: [],
      dependencies: [],
    };
    const locked = description ? lockedFor(description) : null;
    this.packages.set(id, { node, description, locked, resolved: new Map() });
    return id;
  }
}
