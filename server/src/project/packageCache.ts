/**
 * What is expensive to compute per dependency package (its indexed items, its async fns'
 * futures), kept on disk across runs: one JSON file per package, version, features, cfg, source
 * stamp and kind of value. Registry sources never change, so their values are kept as they are;
 * a path or git package is keyed by its files' stamps, so an edited one is computed again.
 *
 * The store is a cache in the strict sense: deleting it, a corrupt or half-written file, a missing
 * or read-only folder, all only cost a recomputation. Writes go to a temporary file renamed into
 * place, so a reader never sees half of one; the folder is kept under a size bound by evicting
 * the least recently used files.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Bumped when what is stored changes shape. The running tool's build stamp is part of every key
 * too, so values computed by another build of the analysis are never read back.
 */
export const PACKAGE_CACHE_FORMAT = 1;

/** The folder under the cache directory the values of this format live in. */
const FORMAT_FOLDER = `packages-v${PACKAGE_CACHE_FORMAT}`;

/** Default bound on the folder's size: a large graph's items are a few tens of MB. */
export const DEFAULT_MAX_CACHE_BYTES = 256 * 1024 * 1024;

export interface PackageCacheKey {
  /** The crate graph's package id (`SOURCE#NAME@VERSION`). */
  package: string;
  version: string | null;
  /** Where the sources are: two registries may hold the same name and version. */
  root: string;
  /** Enabled features, sorted. */
  features: readonly string[];
  /** The cfg the package's items are read in, as text (`HOST` and the edition, say). */
  cfg: string;
  /** The sources' stamp: '' for sources that never change (a registry's), else their files'. */
  sources: string;
  /** What is stored: `items`, `futures`, … (one file per kind). */
  kind: string;
}

export interface PackageCacheOptions {
  maxBytes?: number;
  /** The running tool's build; defaults to {@link toolStamp}. */
  toolStamp?: string;
}

interface StoredValue {
  key: string;
  value: unknown;
}

/** Values by package, on disk under `directory` (null: kept in memory for this process only). */
export class PackageCache {
  private readonly folder: string | null;
  private readonly maxBytes: number;
  private readonly tool: string;
  /** Bytes the folder holds, counted on the first write; null until then. */
  private bytes: number | null = null;
  /** Whether writing failed (a read-only folder): no further attempt this process. */
  private writable = true;
  /** Values that could not be written (no folder, a read-only one), by file name. */
  private readonly memory = new Map<string, unknown>();

  constructor(directory: string | null, options: PackageCacheOptions = {}) {
    this.folder = directory === null ? null : path.join(directory, FORMAT_FOLDER);
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_CACHE_BYTES;
    this.tool = options.toolStamp ?? toolStamp();
  }

  /** The value kept under `key`; else `compute`'s, kept for the next run. */
  get<T>(key: PackageCacheKey, compute: () => T): T {
    const name = this.fileName(key);
    const kept = this.read(name, key);
    if (kept !== undefined) {
      return kept as T;
    }
    const value = compute();
    if (!this.write(name, key, value)) {
      this.memory.set(name, value);
    }
    return value;
  }

  /** The value kept under `key`, or undefined; nothing is computed. */
  peek<T>(key: PackageCacheKey): T | undefined {
    return this.read(this.fileName(key), key) as T | undefined;
  }

  private keyText(key: PackageCacheKey): string {
    return JSON.stringify([
      PACKAGE_CACHE_FORMAT,
      this.tool,
      key.kind,
      key.package,
      key.version,
      key.root,
      [...key.features].sort(),
      key.cfg,
      key.sources,
    ]);
  }

  private fileName(key: PackageCacheKey): string {
    const digest = createHash('sha256').update(this.keyText(key)).digest('hex').slice(0, 40);
    const readable = `${path.basename(key.root)}-${key.kind}`.replace(/[^A-Za-z0-9._-]/g, '_');
    return `${readable}-${digest}.json`;
  }

  private read(name: string, key: PackageCacheKey): unknown {
    if (this.memory.has(name)) {
      return this.memory.get(name);
    }
    if (this.folder === null) {
      return undefined;
    }
    const file = path.join(this.folder, name);
    let stored: StoredValue;
    try {
      stored = JSON.parse(fs.readFileSync(file, 'utf8')) as StoredValue;
    } catch {
      // Missing, unreadable, half-written by a process that died: computed again.
      return undefined;
    }
    if (stored === null || typeof stored !== 'object' || stored.key !== this.keyText(key)) {
      return undefined;
    }
    this.touch(file);
    return stored.value;
  }

  /** Marks a file as used, so eviction takes the ones no run has read for longest. */
  private touch(file: string): void {
    if (!this.writable) {
      return;
    }
    try {
      const now = new Date();
      fs.utimesSync(file, now, now);
    } catch {
      // A read-only cache is still read.
    }
  }

  /** Whether the value was written. */
  private write(name: string, key: PackageCacheKey, value: unknown): boolean {
    if (this.folder === null || !this.writable) {
      return false;
    }
    const file = path.join(this.folder, name);
    const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      const text = JSON.stringify({ key: this.keyText(key), value } satisfies StoredValue);
      fs.mkdirSync(this.folder, { recursive: true });
      fs.writeFileSync(temporary, text);
      fs.renameSync(temporary, file);
      this.bytes = (this.bytes ?? this.folderBytes()) + Buffer.byteLength(text);
    } catch {
      this.writable = false;
      removeQuietly(temporary);
      return false;
    }
    if (this.bytes > this.maxBytes) {
      this.evict();
    }
    return true;
  }

  private folderBytes(): number {
    return this.entries().reduce((sum, entry) => sum + entry.size, 0);
  }

  private entries(): { file: string; size: number; used: number }[] {
    const found: { file: string; size: number; used: number }[] = [];
    let names: string[];
    try {
      names = fs.readdirSync(this.folder!);
    } catch {
      return found;
    }
    for (const name of names) {
      try {
        const stat = fs.statSync(path.join(this.folder!, name));
        found.push({ file: path.join(this.folder!, name), size: stat.size, used: stat.mtimeMs });
      } catch {
        // Removed meanwhile by another process.
      }
    }
    return found;
  }

  /** Removes the least recently used files until the folder holds three quarters of its bound. */
  private evict(): void {
    const entries = this.entries().sort((a, b) => a.used - b.used);
    let bytes = entries.reduce((sum, entry) => sum + entry.size, 0);
    for (const entry of entries) {
      if (bytes <= (this.maxBytes * 3) / 4) {
        break;
      }
      if (removeQuietly(entry.file)) {
        bytes -= entry.size;
      }
    }
    this.bytes = bytes;
  }
}

/** Whether the file is gone; a folder that cannot be written leaves it (and that is no error). */
function removeQuietly(file: string): boolean {
  try {
    fs.rmSync(file, { force: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * The user's cache folder for the tool: `$XDG_CACHE_HOME/rust-future-size`, else
 * `~/.cache/rust-future-size` (on Windows, `%LOCALAPPDATA%\rust-future-size`).
 */
export function defaultCacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_CACHE_HOME) {
    return path.join(env.XDG_CACHE_HOME, 'rust-future-size');
  }
  if (process.platform === 'win32' && env.LOCALAPPDATA) {
    return path.join(env.LOCALAPPDATA, 'rust-future-size');
  }
  return path.join(env.HOME ?? os.homedir(), '.cache', 'rust-future-size');
}

let stamp: string | undefined;

/**
 * The running build of the tool: the size and time of this module's file (in a bundle, the
 * bundle's) and of every file of the analysis beside it (the tests' compiled tree), so a value
 * computed by another build is never read back.
 */
export function toolStamp(): string {
  if (stamp === undefined) {
    const files = [__filename, ...filesUnder(path.join(__dirname, '..', 'analysis'))];
    const hash = createHash('sha256');
    for (const file of files) {
      try {
        const stat = fs.statSync(file);
        hash.update(`${file}\0${stat.size}\0${stat.mtimeMs}\n`);
      } catch {
        hash.update(`${file}\0missing\n`);
      }
    }
    stamp = hash.digest('hex').slice(0, 16);
  }
  return stamp;
}

function filesUnder(folder: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const file = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        return filesUnder(file);
      }
      return entry.isFile() && entry.name.endsWith('.js') ? [file] : [];
    });
}

/**
 * The stamp of a package's sources that may change (a path or git package): each file's path,
 * size and modification time, so an edit makes a new key.
 */
export function sourcesStamp(files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort()) {
    try {
      const stat = fs.statSync(file);
      hash.update(`${file}\0${stat.size}\0${stat.mtimeMs}\n`);
    } catch {
      hash.update(`${file}\0missing\n`);
    }
  }
  return hash.digest('hex').slice(0, 24);
}
