/**
 * A package's manifest as the crate graph needs it: version and edition with `workspace = true`
 * followed to the workspace root, its library target, its features with the implicit ones, and
 * its dependencies with `[workspace.dependencies]` inheritance applied and paths made absolute.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FeatureDependency, withImplicitFeatures } from './features';
import {
  CargoManifest,
  declaredEdition,
  DependencySpec,
  findWorkspaceRoot,
  GitReference,
  ManifestReader,
  readManifest,
} from './manifest';
import { normalizeTarget } from './targetCfg';

/** Cargo's edition for a package that declares none. */
export const DEFAULT_PACKAGE_EDITION = '2015';

/** A dependency ready to resolve: inherited fields filled in, `path` absolute. */
export interface PackageDependency extends FeatureDependency {
  package: string;
  renamed: boolean;
  target: string | null;
  version: string | null;
  path: string | null;
  git: GitReference | null;
  registry: string | null;
}

export interface PackageDescription {
  name: string;
  version: string;
  edition: string;
  /** The library target; null for a package with binaries only. */
  lib: { name: string; path: string; procMacro?: boolean } | null;
  features: Record<string, readonly string[]>;
  dependencies: PackageDependency[];
  /** What could not be followed (an inherited field without a workspace root, …). */
  warnings: string[];
}

/** Describes a package; null for a virtual manifest (no `[package]`). */
export function describePackage(
  manifest: CargoManifest,
  read: ManifestReader = readManifest,
): PackageDescription | null {
  const name = manifest.package?.name;
  if (!manifest.package || !name) {
    return null;
  }
  const warnings: string[] = [];
  let workspace: CargoManifest | null | undefined;
  const workspaceRoot = (field: string): CargoManifest | null => {
    workspace ??= findWorkspaceRoot(manifest, read) ?? null;
    if (!workspace) {
      warnings.push(`${manifest.file}: ${field}.workspace = true but no workspace root found`);
    }
    return workspace;
  };
  const dependencies = manifest.dependencySpecs.map((spec) =>
    spec.inheritsWorkspace
      ? inheritedDependency(spec, workspaceRoot(`dependencies.${spec.name}`), warnings)
      : dependencyFrom(spec, manifest.directory),
  );
  return {
    name,
    version: versionOf(manifest, () => workspaceRoot('version')),
    edition: editionOf(manifest, read),
    lib: libraryOf(manifest, name),
    features: withImplicitFeatures(manifest.features, dependencies),
    dependencies,
    warnings,
  };
}

function versionOf(manifest: CargoManifest, workspaceRoot: () => CargoManifest | null): string {
  let version = manifest.packageVersion;
  if (
    typeof version === 'object' &&
    version !== null &&
    (version as { workspace?: unknown }).workspace === true
  ) {
    version = workspaceRoot()?.workspace?.packageVersion;
  }
  // Cargo reads a package without a version as 0.0.0.
  return typeof version === 'string' ? version : '0.0.0';
}

function editionOf(manifest: CargoManifest, read: ManifestReader): string {
  const edition = declaredEdition(manifest, read);
  return edition.kind === 'declared' && typeof edition.value === 'string'
    ? edition.value
    : DEFAULT_PACKAGE_EDITION;
}

/** `[lib]`, else `src/lib.rs` if it exists; named `[lib] name` or the package's, `-` → `_`. */
function libraryOf(manifest: CargoManifest, packageName: string): PackageDescription['lib'] {
  const lib = manifest.targets.find((t) => t.kind === 'lib');
  const file = path.resolve(manifest.directory, lib?.path ?? path.join('src', 'lib.rs'));
  if (!lib && !isFile(file)) {
    return null;
  }
  const name = (lib?.name ?? packageName).replace(/-/g, '_');
  return lib?.procMacro ? { name, path: file, procMacro: true } : { name, path: file };
}

/** A dependency as written in the manifest in `directory`, its `path` made absolute. */
export function dependencyFrom(spec: DependencySpec, directory: string): PackageDependency {
  return {
    name: spec.name,
    package: spec.package,
    renamed: spec.renamed,
    kind: spec.kind,
    target: spec.target === null ? null : normalizeTarget(spec.target),
    optional: spec.optional,
    features: spec.features,
    defaultFeatures: spec.defaultFeatures,
    version: spec.version,
    path: spec.path === null ? null : path.resolve(directory, spec.path),
    git: spec.git,
    registry: spec.registry,
  };
}

/**
 * `dep = { workspace = true, … }`: source, version, renaming and default features come from the
 * workspace's entry (its `path` relative to the workspace root); features add up; `optional` is
 * the member's own.
 */
function inheritedDependency(
  spec: DependencySpec,
  root: CargoManifest | null,
  warnings: string[],
): PackageDependency {
  const inherited = root?.workspace?.dependencies.find((d) => d.name === spec.name);
  if (!root || !inherited) {
    if (root) {
      warnings.push(`${root.file}: no [workspace.dependencies] entry for ${spec.name}`);
    }
    return dependencyFrom(spec, '.');
  }
  const base = dependencyFrom(inherited, root.directory);
  return {
    ...base,
    name: spec.name,
    kind: spec.kind,
    target: spec.target === null ? null : normalizeTarget(spec.target),
    optional: spec.optional,
    features: [...new Set([...inherited.features, ...spec.features])],
  };
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
