/**
 * The one reader of `Cargo.toml`: each manifest is read once (regular files up to 1 MB only),
 * parsed with smol-toml, and kept until its modification time or size changes. Everything else
 * (editions, crate layouts, calibration, the server) asks here instead of reading TOML itself.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseToml } from 'smol-toml';
import { readRegularFileOrWhy } from './regularFile';
import { describeFsError } from './sourceFiles';

/** A Cargo.toml larger than this is not read (a hand-written one is a few KB). */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

export const MANIFEST_NAME = 'Cargo.toml';

export type TargetKind = 'lib' | 'bin' | 'test' | 'example' | 'bench';

/** A `[lib]`, `[[bin]]`, `[[test]]`, `[[example]]` or `[[bench]]` entry as written. */
export interface CargoTarget {
  kind: TargetKind;
  name: string | null;
  /** Relative to the manifest's folder; null when Cargo's default applies. */
  path: string | null;
  /** `proc-macro = true` (a `[lib]`'s): compiled for the host, its items never in a type. */
  procMacro?: boolean;
}

export interface CargoDependency {
  name: string;
  section: 'dependencies' | 'dev-dependencies' | 'build-dependencies';
  optional: boolean;
}

/** Which section a dependency is declared in: `[dependencies]`, `[dev-…]` or `[build-…]`. */
export type DependencyKind = 'normal' | 'dev' | 'build';

/** A `git = "…"` dependency's repository and the reference it asks for (at most one is set). */
export interface GitReference {
  url: string;
  branch: string | null;
  tag: string | null;
  rev: string | null;
}

/** A dependency with everything the crate graph needs, as written in the manifest. */
export interface DependencySpec {
  /** The key it is declared under: its crate name in the dependent's code (`-` read as `_`). */
  name: string;
  /** The package it names: `package = "…"` when renamed, else the key. */
  package: string;
  /**
   * Whether `package = "…"` is written: the crate is then known by the key, even when that is
   * the package's own name and its library is named otherwise.
   */
  renamed: boolean;
  kind: DependencyKind;
  /** The `X` of `[target.X.dependencies]` (`cfg(…)` or a target triple); null for all. */
  target: string | null;
  /** The version requirement as written (Cargo syntax); null when none is given. */
  version: string | null;
  /** `path = "…"` as written, relative to the manifest's folder. */
  path: string | null;
  git: GitReference | null;
  /** `registry = "…"`: an alternative registry's name. */
  registry: string | null;
  features: string[];
  defaultFeatures: boolean;
  optional: boolean;
  /** `workspace = true`: version, source and features come from `[workspace.dependencies]`. */
  inheritsWorkspace: boolean;
}

/** `[workspace]` beyond the edition: members and what members may inherit. */
export interface CargoWorkspace {
  /** `[workspace.package] edition` as written. */
  packageEdition: unknown;
  /** `[workspace.package] version` as written. */
  packageVersion: unknown;
  /** `members` and `exclude` as written: paths or globs relative to the workspace root. */
  members: string[];
  exclude: string[];
  /** `[workspace.dependencies]`, each with kind `normal` and no target. */
  dependencies: DependencySpec[];
}

export interface CargoPackage {
  name: string | null;
  /** `package.edition` as written: a string, `{ workspace = true }`, or undefined. */
  edition: unknown;
  /** `package.workspace`: the path of the workspace root, when given. */
  workspace: string | null;
}

export interface CargoManifest {
  file: string;
  /** The folder the manifest is in (the package's or the workspace's root). */
  directory: string;
  /** Null for a virtual workspace manifest, which owns no source files. */
  package: CargoPackage | null;
  /** `[workspace]`, with `[workspace.package] edition` as written; null when absent. */
  workspace: CargoWorkspace | null;
  targets: CargoTarget[];
  features: Record<string, string[]>;
  dependencies: CargoDependency[];
  /** `package.version` as written: a string, `{ workspace = true }`, or undefined. */
  packageVersion: unknown;
  /** Every dependency, target-specific ones included, with requirement, source and features. */
  dependencySpecs: DependencySpec[];
  /** `[patch.SOURCE]` tables (`crates-io`, a registry name or URL); only the root's count. */
  patches: { source: string; dependencies: DependencySpec[] }[];
}

/** A manifest on disk: parsed, absent, or present but not usable (`reason` says why). */
export type ManifestRead =
  | { kind: 'parsed'; manifest: CargoManifest }
  | { kind: 'missing' }
  | { kind: 'unreadable'; reason: string }
  | { kind: 'unparsable'; message: string; line: number | null };

type Table = Record<string, unknown>;

const cache = new Map<string, { mtimeMs: number; size: number; read: ManifestRead }>();

/** The `Cargo.toml` in `directory`, from the cache while the file on disk is unchanged. */
export function readManifest(directory: string): ManifestRead {
  const file = path.join(path.resolve(directory), MANIFEST_NAME);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    cache.delete(file);
    return code === 'ENOENT' || code === 'ENOTDIR' ? { kind: 'missing' } : unreadable(error);
  }
  const cached = cache.get(file);
  if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) {
    return cached.read;
  }
  const read = readUncached(file);
  cache.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, read });
  return read;
}

function readUncached(file: string): ManifestRead {
  const text = readRegularFileOrWhy(file, MAX_MANIFEST_BYTES);
  if (!text.ok) {
    switch (text.why) {
      case 'missing':
        return { kind: 'missing' };
      case 'too large':
        return { kind: 'unreadable', reason: 'Cargo.toml is larger than 1 MB: not read' };
      case 'not a regular file':
        // A FIFO would block.
        return { kind: 'unreadable', reason: 'Cargo.toml is not a regular file: not read' };
      default:
        return unreadable(text.error);
    }
  }
  let table: Table;
  try {
    table = parseToml(text.text) as Table;
  } catch (error) {
    // smol-toml's message continues with a code frame over several lines; the first one says
    // what is wrong.
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    const line = (error as { line?: unknown }).line;
    return { kind: 'unparsable', message, line: typeof line === 'number' ? line : null };
  }
  return { kind: 'parsed', manifest: manifestFrom(table, file) };
}

function unreadable(error: unknown): ManifestRead {
  return { kind: 'unreadable', reason: `cannot read (${describeFsError(error)})` };
}

function manifestFrom(table: Table, file: string): CargoManifest {
  const packageTable = asTable(table.package);
  const workspaceTable = asTable(table.workspace);
  return {
    file,
    directory: path.dirname(file),
    package: packageTable
      ? {
          name: stringOrNull(packageTable.name),
          edition: packageTable.edition,
          workspace: stringOrNull(packageTable.workspace),
        }
      : null,
    workspace: workspaceTable ? workspaceFrom(workspaceTable) : null,
    targets: targetsOf(table),
    features: featuresOf(asTable(table.features)),
    dependencies: dependenciesOf(table),
    packageVersion: packageTable?.version,
    dependencySpecs: dependencySpecsOf(table),
    patches: Object.entries(asTable(table.patch) ?? {}).map(([source, entries]) => ({
      source,
      dependencies: sectionSpecs(asTable(entries), 'normal', null),
    })),
  };
}

function workspaceFrom(table: Table): CargoWorkspace {
  const inheritable = asTable(table.package);
  return {
    packageEdition: inheritable?.edition,
    packageVersion: inheritable?.version,
    members: stringsOf(table.members),
    exclude: stringsOf(table.exclude),
    dependencies: sectionSpecs(asTable(table.dependencies), 'normal', null),
  };
}

const SPEC_SECTIONS = [
  ['dependencies', 'normal'],
  ['dev-dependencies', 'dev'],
  ['dev_dependencies', 'dev'],
  ['build-dependencies', 'build'],
  ['build_dependencies', 'build'],
] as const;

function dependencySpecsOf(table: Table): DependencySpec[] {
  const specs: DependencySpec[] = [];
  const collect = (owner: Table, target: string | null) => {
    for (const [section, kind] of SPEC_SECTIONS) {
      specs.push(...sectionSpecs(asTable(owner[section]), kind, target));
    }
  };
  collect(table, null);
  for (const [target, targetTable] of Object.entries(asTable(table.target) ?? {})) {
    const owner = asTable(targetTable);
    if (owner) {
      collect(owner, target);
    }
  }
  return specs;
}

function sectionSpecs(
  section: Table | undefined,
  kind: DependencyKind,
  target: string | null,
): DependencySpec[] {
  return Object.entries(section ?? {}).map(([name, spec]) => specFrom(name, spec, kind, target));
}

function specFrom(
  name: string,
  written: unknown,
  kind: DependencyKind,
  target: string | null,
): DependencySpec {
  // `dep = "1.0"` is short for `dep = { version = "1.0" }`.
  const spec = asTable(written) ?? { version: written };
  const git = stringOrNull(spec.git);
  const defaultFeatures = spec['default-features'] ?? spec.default_features;
  return {
    name,
    package: stringOrNull(spec.package) ?? name,
    renamed: typeof spec.package === 'string',
    kind,
    target,
    version: stringOrNull(spec.version),
    path: stringOrNull(spec.path),
    git: git === null ? null : gitReference(git, spec),
    registry: stringOrNull(spec.registry),
    features: stringsOf(spec.features),
    defaultFeatures: defaultFeatures !== false,
    optional: spec.optional === true,
    inheritsWorkspace: spec.workspace === true,
  };
}

function gitReference(url: string, spec: Table): GitReference {
  const text = (key: string) => stringOrNull(spec[key]);
  return { url, branch: text('branch'), tag: text('tag'), rev: text('rev') };
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((e): e is string => typeof e === 'string') : [];
}

function targetsOf(table: Table): CargoTarget[] {
  const targets: CargoTarget[] = [];
  const lib = asTable(table.lib);
  if (lib) {
    targets.push(targetFrom('lib', lib));
  }
  for (const kind of ['bin', 'test', 'example', 'bench'] as const) {
    const entries = table[kind];
    for (const entry of Array.isArray(entries) ? entries : []) {
      const target = asTable(entry);
      if (target) {
        targets.push(targetFrom(kind, target));
      }
    }
  }
  return targets;
}

function targetFrom(kind: TargetKind, table: Table): CargoTarget {
  const target = { kind, name: stringOrNull(table.name), path: stringOrNull(table.path) };
  const procMacro = table['proc-macro'] === true || table.proc_macro === true;
  return procMacro ? { ...target, procMacro } : target;
}

function featuresOf(table: Table | undefined): Record<string, string[]> {
  const features: Record<string, string[]> = {};
  for (const [name, enables] of Object.entries(table ?? {})) {
    features[name] = Array.isArray(enables)
      ? enables.filter((e): e is string => typeof e === 'string')
      : [];
  }
  return features;
}

function dependenciesOf(table: Table): CargoDependency[] {
  const dependencies: CargoDependency[] = [];
  for (const section of ['dependencies', 'dev-dependencies', 'build-dependencies'] as const) {
    for (const [name, spec] of Object.entries(asTable(table[section]) ?? {})) {
      dependencies.push({ name, section, optional: asTable(spec)?.optional === true });
    }
  }
  return dependencies;
}

/** The nearest folder at or above `start` (a file or folder) whose manifest has a `[package]`. */
export function findPackageRoot(start: string): string | null {
  let directory = path.resolve(start);
  try {
    if (fs.statSync(directory).isFile()) {
      directory = path.dirname(directory);
    }
  } catch {
    return null;
  }
  for (;;) {
    const read = readManifest(directory);
    // A manifest that does not parse (yet) is most likely the package's own, mid-edit: it still
    // owns its files, and its reader warns about it.
    if ((read.kind === 'parsed' && read.manifest.package) || read.kind === 'unparsable') {
      return directory;
    }
    const parent = path.dirname(directory);
    if (parent === directory) {
      return null;
    }
    directory = parent;
  }
}

/** Reads a manifest by folder; the edition reader passes one that warns about broken ones. */
export type ManifestReader = (directory: string) => ManifestRead;

/**
 * The workspace root of a package: the folder `package.workspace` names, else the nearest manifest
 * with `[workspace]` at or above the package's own.
 */
export function findWorkspaceRoot(
  member: CargoManifest,
  read: ManifestReader = readManifest,
): CargoManifest | undefined {
  const isRoot = (r: ManifestRead) =>
    r.kind === 'parsed' && r.manifest.workspace ? r.manifest : undefined;
  if (member.package?.workspace) {
    return isRoot(read(path.resolve(member.directory, member.package.workspace)));
  }
  for (let directory = member.directory; ;) {
    const root = isRoot(read(directory));
    if (root) {
      return root;
    }
    const parent = path.dirname(directory);
    if (parent === directory) {
      return undefined;
    }
    directory = parent;
  }
}

/** A package's `edition` as Cargo resolves it, `edition.workspace = true` followed to the root. */
export type DeclaredEdition =
  | { kind: 'absent' }
  | { kind: 'declared'; value: unknown; manifestDirectory: string }
  | { kind: 'no-workspace-root' }
  | { kind: 'no-workspace-edition'; rootDirectory: string };

export function declaredEdition(
  member: CargoManifest,
  read: ManifestReader = readManifest,
): DeclaredEdition {
  const edition = member.package?.edition;
  if (edition === undefined) {
    return { kind: 'absent' };
  }
  if (asTable(edition)?.workspace !== true) {
    return { kind: 'declared', value: edition, manifestDirectory: member.directory };
  }
  const root = findWorkspaceRoot(member, read);
  if (!root) {
    return { kind: 'no-workspace-root' };
  }
  const value = root.workspace?.packageEdition;
  return value === undefined
    ? { kind: 'no-workspace-edition', rootDirectory: root.directory }
    : { kind: 'declared', value, manifestDirectory: root.directory };
}

function asTable(value: unknown): Table | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Table)
    : undefined;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
