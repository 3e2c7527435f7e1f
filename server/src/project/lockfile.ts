/**
 * `Cargo.lock`: which version of each package, from which source, the workspace was resolved to.
 * Versions 3 and 4 (and the older formats, which write dependencies the same way) are read;
 * a dependency entry is `"name"`, `"name version"` or `"name version (source)"`, saying only as
 * much as it takes to tell the lock file's packages apart.
 */
import * as path from 'path';
import { parse as parseToml } from 'smol-toml';
import { readRegularFileOrWhy } from './regularFile';
import { describeFsError } from './sourceFiles';

/** A lock file beyond this is not read (one for a thousand packages is a few hundred KB). */
export const MAX_LOCKFILE_BYTES = 16 * 1024 * 1024;

export const LOCKFILE_NAME = 'Cargo.lock';

/** A dependency entry of a locked package: as much as the lock file wrote. */
export interface LockReference {
  name: string;
  version: string | null;
  source: string | null;
}

export interface LockedPackage {
  name: string;
  version: string;
  /** `registry+URL`, `sparse+URL`, `git+URL?…#rev`; null for path packages. */
  source: string | null;
  dependencies: LockReference[];
}

export interface Lockfile {
  /** The `version = N` line; null in the oldest format, which has none. */
  formatVersion: number | null;
  packages: LockedPackage[];
}

export type LockfileRead =
  | { kind: 'parsed'; lockfile: Lockfile }
  | { kind: 'missing' }
  | { kind: 'unusable'; reason: string };

type Table = Record<string, unknown>;

/** The `Cargo.lock` in `directory` (the workspace root). */
export function readLockfile(directory: string): LockfileRead {
  const file = path.join(directory, LOCKFILE_NAME);
  const text = readRegularFileOrWhy(file, MAX_LOCKFILE_BYTES);
  if (!text.ok) {
    if (text.why === 'missing') {
      return { kind: 'missing' };
    }
    const why = text.why === 'unreadable' ? describeFsError(text.error) : text.why;
    return { kind: 'unusable', reason: `${file}: not read (${why})` };
  }
  try {
    return { kind: 'parsed', lockfile: parseLockfile(text.text) };
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    return { kind: 'unusable', reason: `${file}: not valid TOML (${message})` };
  }
}

/** Parses a lock file's text; throws on invalid TOML, skips entries without name or version. */
export function parseLockfile(text: string): Lockfile {
  const table = parseToml(text) as Table;
  const packages: LockedPackage[] = [];
  for (const entry of Array.isArray(table.package) ? table.package : []) {
    const { name, version, source, dependencies } = (entry ?? {}) as Table;
    if (typeof name !== 'string' || typeof version !== 'string') {
      continue;
    }
    packages.push({
      name,
      version,
      source: typeof source === 'string' ? source : null,
      dependencies: (Array.isArray(dependencies) ? dependencies : [])
        .filter((d): d is string => typeof d === 'string')
        .map(parseLockReference),
    });
  }
  return { formatVersion: typeof table.version === 'number' ? table.version : null, packages };
}

const REFERENCE = /^(\S+)(?: (\S+))?(?: \((.+)\))?$/;

/** `"name"`, `"name version"` or `"name version (source)"`. */
export function parseLockReference(entry: string): LockReference {
  const match = REFERENCE.exec(entry.trim());
  if (!match) {
    return { name: entry.trim(), version: null, source: null };
  }
  return { name: match[1], version: match[2] ?? null, source: match[3] ?? null };
}

/** Finds locked packages by reference: the one package a reference names, when it is unique. */
export class LockIndex {
  private readonly byName = new Map<string, LockedPackage[]>();

  constructor(readonly lockfile: Lockfile) {
    for (const locked of lockfile.packages) {
      const same = this.byName.get(locked.name) ?? [];
      same.push(locked);
      this.byName.set(locked.name, same);
    }
  }

  /** Every locked package with this name. */
  named(name: string): readonly LockedPackage[] {
    return this.byName.get(name) ?? [];
  }

  /** The package the reference names; null when none or several match. */
  find(reference: LockReference): LockedPackage | null {
    const matching = this.named(reference.name).filter(
      (p) =>
        (reference.version === null || p.version === reference.version) &&
        (reference.source === null || p.source === reference.source),
    );
    return matching.length === 1 ? matching[0] : null;
  }

  /** A locked package's dependencies, each resolved to its entry (unresolvable ones left out). */
  dependenciesOf(locked: LockedPackage): LockedPackage[] {
    return locked.dependencies
      .map((r) => this.find(r))
      .filter((p): p is LockedPackage => p !== null);
  }
}
