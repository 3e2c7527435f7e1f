/**
 * The analysed package's dependencies, from its crate graph (`crateGraph.ts`: Cargo.lock, cargo's
 * source replacement, unified features), as the analysis reads them (`analysis/deps`): each
 * package's extern crate names, features and library files, read from disk when first asked.
 */
import { createHash } from 'crypto';
import * as path from 'path';
import type {
  DependencyFile,
  DependencyGraph,
  DependencyPackage,
  PackageData,
} from '../analysis/deps/dependencySources';
import { attributeKeeps, HOST_CFG } from '../analysis/syntax/cfg';
import { CrateGraph, CrateGraphOptions, loadCrateGraph, PackageNode } from './crateGraph';
import { readCrateLayout } from './crateLayout';
import { DEFAULT_FEATURE_OPTIONS, FeatureOptions } from './features';
import { PackageCache, PackageCacheKey, sourcesStamp } from './packageCache';
import { readRegularFile } from './regularFile';

export interface LoadedDependencies {
  graph: DependencyGraph;
  /** The packages the analysed one depends on whose sources are not on this machine, with why. */
  missing: { label: string; why: string }[];
  /** The analysed package's own enabled features. */
  features: string[];
}

/** Where the packages' indexed items are kept across runs (see `packageCache.ts`). */
export interface PackageStore {
  cache: PackageCache;
  /** Whether an analysis computes and keeps what is not kept yet (see `PackageData.fill`). */
  fill: boolean;
}

/**
 * The dependencies of the package at `packageRoot` (its folder with Cargo.toml), with cargo's
 * feature switches; null when it is in no Cargo workspace. Its tests and examples see its
 * dev-dependencies and its own library too.
 */
export function loadDependencies(
  packageRoot: string,
  features: FeatureOptions = DEFAULT_FEATURE_OPTIONS,
  options: Partial<Omit<CrateGraphOptions, keyof FeatureOptions>> = {},
  store?: PackageStore,
): LoadedDependencies | null {
  const graph = loadCrateGraph(packageRoot, { ...options, ...features });
  return graph && dependenciesFromGraph(graph, packageRoot, store);
}

/**
 * The dependencies of the package at `packageRoot` in a crate graph already loaded (the one its
 * cfg came from: one load serves both); null when the graph has no such package.
 */
export function dependenciesFromGraph(
  graph: CrateGraph,
  packageRoot: string,
  store?: PackageStore,
): LoadedDependencies | null {
  const root = rootNode(graph, packageRoot);
  if (!root) {
    return null;
  }
  const externs = externsOf(root, true);
  if (root.lib) {
    externs.set(root.lib.name.replace(/-/g, '_'), root.id);
  }
  const packages = new Map<string, DependencyPackage | null>();
  const packageOf = (id: string): DependencyPackage | null => {
    if (!packages.has(id)) {
      const node = graph.packages.get(id);
      packages.set(id, node ? dependencyPackage(graph, node, store) : null);
    }
    return packages.get(id)!;
  };
  const missing = root.dependencies
    .map((edge) => graph.packages.get(edge.package))
    .filter((node): node is PackageNode => !!node && node.root === null)
    .map((node) => ({ label: labelOf(node), why: node.missing ?? 'sources not found' }));
  return {
    graph: { rootExterns: externs, package: packageOf },
    missing,
    features: root.features,
  };
}

function rootNode(graph: CrateGraph, packageRoot: string): PackageNode | null {
  const wanted = path.resolve(packageRoot);
  for (const id of graph.roots) {
    const node = graph.packages.get(id);
    if (node?.root && path.resolve(node.root) === wanted) {
      return node;
    }
  }
  return null;
}

function labelOf(node: PackageNode): string {
  return node.version ? `${node.name} ${node.version}` : node.name;
}

/** The crate names a package's code can use: its normal dependencies (and dev ones for a root). */
function externsOf(node: PackageNode, withDev: boolean): Map<string, string> {
  const externs = new Map<string, string>();
  for (const edge of node.dependencies) {
    if (edge.kind === 'normal' || (withDev && edge.kind === 'dev')) {
      if (!externs.has(edge.name)) {
        externs.set(edge.name, edge.package);
      }
    }
  }
  return externs;
}

/**
 * The dependencies whose items an analysis of the graph's roots may read, nearest first: those
 * reached by normal edges (and the roots' dev ones) that the host's cfg keeps, with sources and
 * a library. Build dependencies, procedural macros and what only they use are left out: they
 * are compiled for the build, never part of a type.
 */
export function dependencyPackages(graph: CrateGraph, store?: PackageStore): DependencyPackage[] {
  const roots = new Set(graph.roots);
  const reached = new Set<string>(graph.roots);
  const queue = [...graph.roots];
  const found: DependencyPackage[] = [];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const node = graph.packages.get(next);
    for (const edge of node?.dependencies ?? []) {
      const target = graph.packages.get(edge.package);
      const followed = edge.kind === 'normal' || (edge.kind === 'dev' && roots.has(next));
      if (!target || reached.has(target.id) || !followed || !onHost(edge.target)) {
        continue;
      }
      reached.add(target.id);
      if (target.root !== null && target.lib !== null && !target.lib.procMacro) {
        found.push(dependencyPackage(graph, target, store));
        queue.push(target.id);
      }
    }
  }
  return found;
}

/** Whether a `[target.X.dependencies]` condition holds on the host the analysis models. */
function onHost(target: string | null): boolean {
  if (target === null) {
    return true;
  }
  if (target.startsWith('cfg(')) {
    return attributeKeeps(`#[${target}]`, HOST_CFG);
  }
  // A target triple: the host's is Linux on x86-64 (see `HOST_CFG`).
  return /^x86_64-.*-linux(-|$)/.test(target);
}

function dependencyPackage(
  graph: CrateGraph,
  node: PackageNode,
  store?: PackageStore,
): DependencyPackage {
  let files: DependencyFile[] | null = null;
  const missing = node.root === null ? (node.missing ?? 'sources not found') : null;
  const filesOf = () => {
    files ??= node.root ? readCrateLayout(node.root).files : [];
    return files;
  };
  return {
    id: node.id,
    label: labelOf(node),
    missing: missing ?? (node.lib ? null : 'no library target'),
    edition: node.edition ?? undefined,
    features: node.features,
    externs: externsOf(node, false),
    files: filesOf,
    read: (file) => readRegularFile(file),
    data:
      store && node.root !== null ? packageData(graph, node, node.root, store, filesOf) : undefined,
  };
}

/**
 * The package's values in the store, keyed by what they are computed from: its own sources for
 * its items; for what is computed with its dependencies' types too (its futures), also every
 * package below it, so a future is never served with another version's or an edited path
 * dependency's layouts.
 */
function packageData(
  graph: CrateGraph,
  node: PackageNode,
  root: string,
  store: PackageStore,
  files: () => readonly DependencyFile[],
): PackageData {
  let sources: string | undefined;
  let below: string | undefined;
  const keyOf = (kind: string): PackageCacheKey => {
    sources ??= sourcesKey(node, root, files);
    if (kind !== 'items') {
      below ??= dependenciesKey(graph, node);
    }
    return {
      package: node.id,
      version: node.version,
      root,
      features: node.features,
      // A dependency is read in the host's cfg (without `cfg(test)`) and its features.
      cfg: 'host',
      sources: kind === 'items' ? sources : `${sources}|${below}`,
      kind,
    };
  };
  return {
    get: (kind, compute) => store.cache.get(keyOf(kind), compute),
    peek: (kind) => store.cache.peek(keyOf(kind)),
    fill: store.fill,
  };
}

/** Every package `node`'s library builds on (normal edges, transitively), with its features and sources. */
function dependenciesKey(graph: CrateGraph, node: PackageNode): string {
  const seen = new Set<string>([node.id]);
  const queue = [node];
  const parts: string[] = [];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const edge of next.dependencies) {
      const target = graph.packages.get(edge.package);
      if (edge.kind !== 'normal' || !target || seen.has(target.id)) {
        continue;
      }
      seen.add(target.id);
      queue.push(target);
      const root = target.root;
      const stamp = root ? sourcesKey(target, root, () => readCrateLayout(root).files) : 'missing';
      parts.push(`${target.id}|${target.features.join(',')}|${stamp}`);
    }
  }
  return createHash('sha256').update(parts.sort().join('\n')).digest('hex').slice(0, 24);
}

/**
 * What a package's sources are stamped by: nothing for a registry's (a version's sources never
 * change there), the checksum file for a vendored one (editing it is what cargo asks of an edit),
 * every file for a path or git package, so an edited one is never served stale.
 */
function sourcesKey(
  node: PackageNode,
  root: string,
  files: () => readonly DependencyFile[],
): string {
  const manifest = path.join(root, 'Cargo.toml');
  switch (node.source) {
    case 'registry':
      return '';
    case 'directory':
      return sourcesStamp([manifest, path.join(root, '.cargo-checksum.json')]);
    default:
      return sourcesStamp([manifest, ...files().map((f) => f.path)]);
  }
}
