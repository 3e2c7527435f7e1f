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
}

export interface DependencyGraph {
  /** The analysed crate's extern crate names, with the package each leads to. */
  rootExterns: ReadonlyMap<string, string>;
  package(id: string): DependencyPackage | null;
}
