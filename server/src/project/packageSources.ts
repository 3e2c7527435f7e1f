/**
 * Where a package's sources are on this machine, found the way Cargo keeps them, without a build
 * or the network: the folder a `path` names; a replacement `directory` source (`cargo vendor`,
 * Debian's `/usr/share/cargo/registry`), whose folders are `NAME-VERSION` or `NAME`;
 * `$CARGO_HOME/registry/src/*\/NAME-VERSION`; and, as a best effort,
 * `$CARGO_HOME/git/checkouts/REPO-*\/REV`. Folder listings are read once per locator.
 */
import * as fs from 'fs';
import * as path from 'path';
import semverValid = require('semver/functions/valid');
import { CargoConfig, cargoHome, Environment } from './cargoConfig';
import { readManifest } from './manifest';

export const CRATES_IO_INDEX = 'https://github.com/rust-lang/crates.io-index';
export const CRATES_IO_SOURCE = `registry+${CRATES_IO_INDEX}`;
const CRATES_IO_SPARSE = 'sparse+https://index.crates.io/';

/** How a package's sources reach the machine. */
export type SourceKind = 'path' | 'registry' | 'directory' | 'git';

/** Where a registry source's packages are unpacked, after source replacement. */
type RegistryStore =
  | { kind: 'directory'; folder: string }
  | { kind: 'local-registry'; folder: string }
  | { kind: 'cargo-home'; indexHosts: string[] }
  | { kind: 'unknown'; reason: string };

export type PackageLocation =
  { kind: SourceKind; root: string } | { kind: SourceKind; root: null; missing: string };

/** Whether a source id (`registry+…`, `sparse+…`) is crates.io's. */
export function isCratesIo(sourceId: string): boolean {
  return (
    sourceId === CRATES_IO_SOURCE ||
    sourceId === CRATES_IO_SPARSE ||
    sourceId === `sparse+${CRATES_IO_INDEX}`
  );
}

/** Finds packages' sources for one configuration; caches folder listings for its lifetime. */
export class SourceLocator {
  private readonly home: string;
  private readonly folderIndexes = new Map<string, Map<string, Map<string, string>>>();
  private readonly listings = new Map<string, string[]>();

  constructor(
    private readonly config: CargoConfig,
    env: Environment,
  ) {
    this.home = cargoHome(env);
  }

  /** The source id of a registry dependency: crates.io, or `registry = "NAME"`'s index. */
  registrySourceId(registryName: string | null): string | null {
    if (registryName === null || registryName === 'crates-io') {
      return CRATES_IO_SOURCE;
    }
    const index = this.config.registryIndexes.get(registryName);
    return index === undefined ? null : `registry+${index}`;
  }

  /** The versions of `name` a registry source has on this machine. */
  availableVersions(sourceId: string, name: string): string[] {
    const store = this.storeOf(sourceId);
    switch (store.kind) {
      case 'directory':
        return [...this.directoryPackages(store.folder, name).keys()];
      case 'local-registry':
        return this.versionsInNames(this.list(store.folder), name, '.crate');
      case 'cargo-home':
        return this.cargoHomeIndexes(store.indexHosts).flatMap((f) =>
          this.versionsInNames(this.list(f), name, ''),
        );
      default:
        return [];
    }
  }

  /** Where a registry package's sources are, or why they are not on this machine. */
  locateRegistryPackage(sourceId: string, name: string, version: string): PackageLocation {
    const store = this.storeOf(sourceId);
    switch (store.kind) {
      case 'directory': {
        const root = this.directoryPackages(store.folder, name).get(version);
        return root
          ? { kind: 'directory', root }
          : {
              kind: 'directory',
              root: null,
              missing: `${name} ${version} is not in ${store.folder}`,
            };
      }
      case 'local-registry':
        return {
          kind: 'directory',
          root: null,
          missing: `${name} ${version} is packed in the local registry ${store.folder}`,
        };
      case 'cargo-home': {
        const root = this.cargoHomeIndexes(store.indexHosts)
          .map((f) => path.join(f, `${name}-${version}`))
          .find(isDirectory);
        return root
          ? { kind: 'registry', root }
          : {
              kind: 'registry',
              root: null,
              missing: `${name} ${version} is not downloaded (${this.home})`,
            };
      }
      default:
        return { kind: 'registry', root: null, missing: store.reason };
    }
  }

  /**
   * A git package's checkout: `git/checkouts/REPO-HASH/REV`, REV a prefix of the locked commit
   * (else the newest checkout), then the folder inside whose manifest names the package.
   */
  locateGitPackage(url: string, revision: string | null, name: string): PackageLocation {
    const repository = url
      .replace(/[?#].*$/, '')
      .replace(/\/+$/, '')
      .replace(/\.git$/, '');
    const repositoryName = repository.slice(repository.lastIndexOf('/') + 1).toLowerCase();
    const checkouts = path.join(this.home, 'git', 'checkouts');
    const revisions = this.list(checkouts)
      .filter((entry) => entry.toLowerCase().startsWith(`${repositoryName}-`))
      .flatMap((entry) =>
        this.list(path.join(checkouts, entry)).map((rev) => path.join(checkouts, entry, rev)),
      )
      .filter((folder) => revision === null || revision.startsWith(path.basename(folder)))
      .sort((a, b) => modifiedTime(b) - modifiedTime(a));
    for (const checkout of revisions) {
      const root = findPackageFolder(checkout, name, 3);
      if (root) {
        return { kind: 'git', root };
      }
    }
    return {
      kind: 'git',
      root: null,
      missing: `${name} from ${url} is not checked out under ${checkouts}`,
    };
  }

  private storeOf(sourceId: string): RegistryStore {
    let name = isCratesIo(sourceId) ? 'crates-io' : this.sourceNameOf(sourceId);
    for (let hops = 0; name !== null && hops < 16; hops++) {
      const source = this.config.sources.get(name);
      if (!source) {
        break;
      }
      if (source.directory) {
        return { kind: 'directory', folder: source.directory };
      }
      if (source.localRegistry) {
        return { kind: 'local-registry', folder: source.localRegistry };
      }
      if (!source.replaceWith) {
        break;
      }
      name = source.replaceWith;
    }
    if (!sourceId.startsWith('registry+') && !sourceId.startsWith('sparse+')) {
      return { kind: 'unknown', reason: `unknown source ${sourceId}` };
    }
    return { kind: 'cargo-home', indexHosts: indexHostsOf(sourceId) };
  }

  /** The `[source.NAME]` whose `registry` is this source's index. */
  private sourceNameOf(sourceId: string): string | null {
    const url = sourceId.replace(/^(registry|sparse)\+/, '');
    for (const source of this.config.sources.values()) {
      if (source.registry === url || source.registry === sourceId) {
        return source.name;
      }
    }
    for (const [name, index] of this.config.registryIndexes) {
      if (index === url || index === sourceId) {
        return name;
      }
    }
    return null;
  }

  /** `registry/src/HOST-HASH/` folders of this registry (HASH is Cargo's own: any goes). */
  private cargoHomeIndexes(hosts: string[]): string[] {
    const unpacked = path.join(this.home, 'registry', 'src');
    return this.list(unpacked)
      .filter((entry) => hosts.some((host) => entry.startsWith(`${host}-`)))
      .map((entry) => path.join(unpacked, entry));
  }

  /**
   * A directory source's versions of `name`, each with its folder. Folder names are only a hint
   * (Debian keeps md-5 0.10.1 in `md-0.10.1`), as Cargo goes by the manifests: the hinted folders
   * are checked, and when that fails every manifest in the source is read, once.
   */
  private directoryPackages(folder: string, name: string): Map<string, string> {
    const hinted = this.folderIndex(folder, false).get(name);
    const confirmed =
      hinted !== undefined &&
      [...hinted].every(([version, root]) => {
        const named = manifestNameVersion(root);
        return named?.name === name && named.version === version;
      });
    return confirmed ? hinted : (this.folderIndex(folder, true).get(name) ?? new Map());
  }

  /** Folders by package name and version: from `NAME-VERSION` folder names, or every manifest. */
  private folderIndex(folder: string, byManifest: boolean): Map<string, Map<string, string>> {
    const key = `${byManifest ? 'manifests' : 'names'}:${folder}`;
    let index = this.folderIndexes.get(key);
    if (index) {
      return index;
    }
    index = new Map();
    for (const entry of this.list(folder)) {
      const root = path.join(folder, entry);
      const named = byManifest
        ? manifestNameVersion(root)
        : (splitNameVersion(entry) ?? manifestNameVersion(root));
      if (named) {
        const versions = index.get(named.name) ?? new Map<string, string>();
        versions.set(named.version, root);
        index.set(named.name, versions);
      }
    }
    this.folderIndexes.set(key, index);
    return index;
  }

  private versionsInNames(entries: string[], name: string, suffix: string): string[] {
    return entries
      .filter((entry) => entry.endsWith(suffix))
      .map((entry) => splitNameVersion(entry.slice(0, entry.length - suffix.length)))
      .filter((named) => named?.name === name)
      .map((named) => named!.version);
  }

  private list(folder: string): string[] {
    let entries = this.listings.get(folder);
    if (!entries) {
      try {
        entries = fs.readdirSync(folder).sort();
      } catch {
        entries = [];
      }
      this.listings.set(folder, entries);
    }
    return entries;
  }
}

/** `tokio-1.24.2` → tokio, 1.24.2; the first `-` followed by a valid version splits. */
export function splitNameVersion(folderName: string): { name: string; version: string } | null {
  for (let dash = folderName.indexOf('-'); dash > 0; dash = folderName.indexOf('-', dash + 1)) {
    const version = folderName.slice(dash + 1);
    if (/^\d/.test(version) && semverValid(version)) {
      return { name: folderName.slice(0, dash), version };
    }
  }
  return null;
}

function manifestNameVersion(root: string): { name: string; version: string } | null {
  const read = readManifest(root);
  if (read.kind !== 'parsed') {
    return null;
  }
  const name = read.manifest.package?.name;
  const version = read.manifest.packageVersion;
  return name && typeof version === 'string' ? { name, version } : null;
}

/** The index hosts a registry's unpacked folders start with; crates.io has had two. */
function indexHostsOf(sourceId: string): string[] {
  if (isCratesIo(sourceId)) {
    return ['index.crates.io', 'github.com'];
  }
  try {
    return [new URL(sourceId.replace(/^(registry|sparse)\+/, '')).hostname];
  } catch {
    return [];
  }
}

/** The folder at or below `folder` (up to `depth` levels) whose manifest's package is `name`. */
function findPackageFolder(folder: string, name: string, depth: number): string | null {
  const read = readManifest(folder);
  if (read.kind === 'parsed' && read.manifest.package?.name === name) {
    return folder;
  }
  if (depth === 0) {
    return null;
  }
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(folder, { withFileTypes: true });
  } catch {
    return null;
  }
  for (const entry of entries) {
    if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'target') {
      const found = findPackageFolder(path.join(folder, entry.name), name, depth - 1);
      if (found) {
        return found;
      }
    }
  }
  return null;
}

function isDirectory(folder: string): boolean {
  try {
    return fs.statSync(folder).isDirectory();
  } catch {
    return false;
  }
}

function modifiedTime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}
