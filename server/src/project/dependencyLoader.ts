/**
 * The analysed package's dependencies, from its crate graph (`crateGraph.ts`: Cargo.lock, cargo's
 * source replacement, unified features), as the analysis reads them (`analysis/deps`): each
 * package's extern crate names, features and library files, read from disk when first asked.
 */
import * as path from 'path';
import type {
  DependencyFile,
  DependencyGraph,
  DependencyPackage,
} from '../analysis/deps/dependencySources';
import { CrateGraph, CrateGraphOptions, loadCrateGraph, PackageNode } from './crateGraph';
import { readCrateLayout } from './crateLayout';
import { DEFAULT_FEATURE_OPTIONS, FeatureOptions } from './features';
import { readRegularFile } from './regularFile';

export interface LoadedDependencies {
  graph: DependencyGraph;
  /** The packages the analysed one depends on whose sources are not on this machine, with why. */
  missing: { label: string; why: string }[];
  /** The analysed package's own enabled features. */
  features: string[];
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
): LoadedDependencies | null {
  const graph = loadCrateGraph(packageRoot, { ...options, ...features });
  const root = graph && rootNode(graph, packageRoot);
  if (!graph || !root) {
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
      packages.set(id, node ? dependencyPackage(node) : null);
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

function dependencyPackage(node: PackageNode): DependencyPackage {
  let files: DependencyFile[] | null = null;
  const missing = node.root === null ? (node.missing ?? 'sources not found') : null;
  return {
    id: node.id,
    label: labelOf(node),
    missing: missing ?? (node.lib ? null : 'no library target'),
    edition: node.edition ?? undefined,
    features: node.features,
    externs: externsOf(node, false),
    files: () => {
      files ??= node.root ? readCrateLayout(node.root).files : [];
      return files;
    },
    read: (file) => readRegularFile(file),
  };
}
