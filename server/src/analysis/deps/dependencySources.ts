/**
 * What the analysis needs to know about the crates the analysed one depends on: which crate each
 * extern name leads to, each package's features, and its library's files. Plain data and
 * callbacks: a loader outside `analysis/` (see `project/dependencyLoader.ts`) reads the disk.
 */

export interface DependencyFile {
  path: string;
  /** Module path in its crate (`src/net/tcp/mod.rs` → `["net", "tcp"]`). */
  modulePath: string[];
}

export interface DependencyPackage {
  /** The crate graph's package id (`SOURCE#NAME@VERSION`). */
  id: string;
  /** The package as a user names it: `tokio 1.24.2`. */
  label: string;
  /** Why the sources cannot be read (not on this machine, no library); null when they can. */
  missing: string | null;
  /** Its manifest's edition (`2021`); unset: not known, cargo's default (2015). */
  edition?: string;
  /** Its enabled features (its `cfg(feature = "..")`). */
  features: readonly string[];
  /** The crate names its code can use, renames included, with the package each leads to. */
  externs: ReadonlyMap<string, string>;
  /** Its library's source files, each with its module path; read when a path first leads here. */
  files(): readonly DependencyFile[];
  /** A file's text; null when it cannot be read. */
  read(file: string): string | null;
  /** Values kept for this package across runs (its indexed items, …); absent: none are kept. */
  data?: PackageData;
}

/**
 * Values computed once per package (its version, features, cfg and sources) and kept across runs
 * by the loader (`project/packageCache.ts`), each under a kind: `items`, `futures`, …
 */
export interface PackageData {
  /** The value kept under `kind`; else `compute`'s, kept for later. */
  get<T>(kind: string, compute: () => T): T;
  /** The value kept under `kind`, or undefined: nothing is computed. */
  peek<T>(kind: string): T | undefined;
  /**
   * Whether an analysis computes and keeps a value it does not find; false where a background
   * indexer fills them (the editor's), so an analysis never waits for a whole package.
   */
  fill: boolean;
}

export interface DependencyGraph {
  /** The analysed crate's extern crate names, with the package each leads to. */
  rootExterns: ReadonlyMap<string, string>;
  package(id: string): DependencyPackage | null;
}
