/**
 * Finds the Rust edition of a source file the way Cargo does: from the package that owns it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseToml } from 'smol-toml';
import type { Edition } from '../analysis/engine';
import { describeFsError, displayPath } from './sourceFiles';

/** A Cargo.toml larger than this is not read (a hand-written one is a few KB). */
const MAX_MANIFEST_BYTES = 1024 * 1024;

/** The editions rustc accepts. */
export const EDITIONS: readonly Edition[] = ['2015', '2018', '2021', '2024'];

/** Used when no Cargo.toml owns the file, or the one that does cannot be read. */
export const DEFAULT_EDITION: Edition = '2021';

/** Cargo's own default for a `[package]` without an `edition` key (kept for backward compatibility). */
export const CARGO_MISSING_EDITION: Edition = '2015';

type Table = Record<string, unknown>;

/** A Cargo.toml on disk: parsed, or known to be broken (already warned about). */
type Manifest = { kind: 'parsed'; table: Table } | { kind: 'broken' };

/**
 * Resolves editions with two caches: one per directory (so a crate's files cost one walk) and one per
 * manifest (so a broken Cargo.toml is read, and warned about, once).
 */
export class EditionResolver {
  private readonly editionByDirectory = new Map<string, Promise<Edition>>();
  private readonly manifestByDirectory = new Map<string, Promise<Manifest | undefined>>();

  /**
   * @param warn receives one-line warnings (unparsable Cargo.toml, unknown edition).
   * @param cwd paths in warnings are shown relative to it.
   */
  constructor(
    private readonly warn: (message: string) => void,
    private readonly cwd: string = process.cwd(),
  ) {}

  /** The edition for `file`: from the nearest Cargo.toml with a `[package]` above it, else the default. */
  editionOf(file: string): Promise<Edition> {
    return this.editionOfDirectory(path.dirname(path.resolve(this.cwd, file)));
  }

  private editionOfDirectory(directory: string): Promise<Edition> {
    let edition = this.editionByDirectory.get(directory);
    if (!edition) {
      edition = this.resolveDirectory(directory);
      this.editionByDirectory.set(directory, edition);
    }
    return edition;
  }

  private async resolveDirectory(directory: string): Promise<Edition> {
    const manifest = await this.manifestIn(directory);
    if (manifest?.kind === 'broken') {
      return DEFAULT_EDITION;
    }
    const packageTable = manifest && asTable(manifest.table.package);
    if (manifest && packageTable) {
      return this.packageEdition(packageTable, directory);
    }
    // No manifest here, or a virtual workspace manifest, which owns no source files itself.
    const parent = path.dirname(directory);
    return parent === directory ? DEFAULT_EDITION : this.editionOfDirectory(parent);
  }

  private async packageEdition(packageTable: Table, packageDirectory: string): Promise<Edition> {
    const edition = packageTable.edition;
    if (edition === undefined) {
      return CARGO_MISSING_EDITION;
    }
    if (asTable(edition)?.workspace === true) {
      return this.workspaceEdition(packageTable, packageDirectory);
    }
    return this.checkedEdition(edition, packageDirectory);
  }

  /** `edition.workspace = true`: the edition comes from the workspace root's `[workspace.package]`. */
  private async workspaceEdition(packageTable: Table, packageDirectory: string): Promise<Edition> {
    const root = await this.workspaceRoot(packageTable, packageDirectory);
    if (!root) {
      this.warn(`${this.shown(packageDirectory)}: edition.workspace = true but no workspace root found; assuming edition ${DEFAULT_EDITION}`);
      return DEFAULT_EDITION;
    }
    const workspacePackage = asTable(asTable(root.table.workspace)?.package);
    if (workspacePackage?.edition === undefined) {
      this.warn(`${this.shown(root.directory)}: [workspace.package] has no edition; assuming edition ${DEFAULT_EDITION}`);
      return DEFAULT_EDITION;
    }
    return this.checkedEdition(workspacePackage.edition, root.directory);
  }

  /** `package.workspace = "path"` names the root; otherwise it is the nearest manifest with `[workspace]`, this one included. */
  private async workspaceRoot(packageTable: Table, packageDirectory: string): Promise<{ table: Table; directory: string } | undefined> {
    if (typeof packageTable.workspace === 'string') {
      const directory = path.resolve(packageDirectory, packageTable.workspace);
      const manifest = await this.manifestIn(directory);
      return manifest?.kind === 'parsed' && asTable(manifest.table.workspace) ? { table: manifest.table, directory } : undefined;
    }
    for (let directory = packageDirectory; ; ) {
      const manifest = await this.manifestIn(directory);
      if (manifest?.kind === 'parsed' && asTable(manifest.table.workspace)) {
        return { table: manifest.table, directory };
      }
      const parent = path.dirname(directory);
      if (parent === directory) {
        return undefined;
      }
      directory = parent;
    }
  }

  private checkedEdition(value: unknown, manifestDirectory: string): Edition {
    if (typeof value === 'string' && (EDITIONS as readonly string[]).includes(value)) {
      return value as Edition;
    }
    this.warn(`${this.shown(manifestDirectory)}: unsupported edition ${JSON.stringify(value)}; assuming edition ${DEFAULT_EDITION}`);
    return DEFAULT_EDITION;
  }

  private manifestIn(directory: string): Promise<Manifest | undefined> {
    let manifest = this.manifestByDirectory.get(directory);
    if (!manifest) {
      manifest = this.readManifest(directory);
      this.manifestByDirectory.set(directory, manifest);
    }
    return manifest;
  }

  private async readManifest(directory: string): Promise<Manifest | undefined> {
    let text: string;
    try {
      const file = path.join(directory, 'Cargo.toml');
      const stat = await fs.promises.stat(file);
      if (!stat.isFile() || stat.size > MAX_MANIFEST_BYTES) {
        // A FIFO would block, and a manifest of megabytes is not hand-written.
        this.warn(`${this.shown(directory)}: Cargo.toml is ${stat.isFile() ? 'larger than 1 MB' : 'not a regular file'}: not read; assuming edition ${DEFAULT_EDITION}`);
        return { kind: 'broken' };
      }
      text = await fs.promises.readFile(file, 'utf8');
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        return undefined;
      }
      this.warn(`${this.shown(directory)}: cannot read (${describeFsError(error)}); assuming edition ${DEFAULT_EDITION}`);
      return { kind: 'broken' };
    }
    try {
      return { kind: 'parsed', table: parseToml(text) as Table };
    } catch (error) {
      // smol-toml's message continues with a code frame over several lines; the first one says what is wrong.
      const firstLine = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      const line = (error as { line?: unknown }).line;
      const reason = typeof line === 'number' ? `${firstLine} at line ${line}` : firstLine;
      this.warn(`${this.shown(directory)}: cannot parse (${reason}); assuming edition ${DEFAULT_EDITION}`);
      return { kind: 'broken' };
    }
  }

  private shown(manifestDirectory: string): string {
    return displayPath(path.join(manifestDirectory, 'Cargo.toml'), this.cwd);
  }
}

function asTable(value: unknown): Table | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Table) : undefined;
}
