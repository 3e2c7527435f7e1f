/**
 * Finds the Rust edition of a source file the way Cargo does: from the package that owns it.
 */
import * as path from 'path';
import type { Edition } from '../analysis/engine';
import {
  CargoManifest,
  declaredEdition,
  MANIFEST_NAME,
  ManifestRead,
  readManifest,
} from './manifest';
import { displayPath } from './sourceFiles';

/** The editions rustc accepts. */
export const EDITIONS: readonly Edition[] = ['2015', '2018', '2021', '2024'];

/** Used when no Cargo.toml owns the file, or the one that does cannot be read. */
export const DEFAULT_EDITION: Edition = '2021';

/** Cargo's own default for a `[package]` without an `edition` key (kept for backward compatibility). */
export const CARGO_MISSING_EDITION: Edition = '2015';

/**
 * Resolves editions with two caches: one per directory (so a crate's files cost one walk) and one per
 * manifest (so a broken Cargo.toml is warned about once); the manifests come from `readManifest`.
 */
export class EditionResolver {
  private readonly editionByDirectory = new Map<string, Edition>();
  private readonly manifestByDirectory = new Map<string, ManifestRead>();

  /**
   * @param warn receives one-line warnings (unparsable Cargo.toml, unknown edition).
   * @param cwd paths in warnings are shown relative to it.
   */
  constructor(
    private readonly warn: (message: string) => void,
    private readonly cwd: string = process.cwd(),
  ) {}

  /** The edition for `file`: from the nearest Cargo.toml with a `[package]` above it, else the default. */
  async editionOf(file: string): Promise<Edition> {
    return this.editionOfDirectory(path.dirname(path.resolve(this.cwd, file)));
  }

  /** The edition of the package whose manifest is in `directory` (or of the one above it). */
  editionOfPackage(directory: string): Edition {
    return this.editionOfDirectory(path.resolve(this.cwd, directory));
  }

  private editionOfDirectory(directory: string): Edition {
    let edition = this.editionByDirectory.get(directory);
    if (!edition) {
      edition = this.resolveDirectory(directory);
      this.editionByDirectory.set(directory, edition);
    }
    return edition;
  }

  private resolveDirectory(directory: string): Edition {
    const read = this.manifestIn(directory);
    if (read.kind === 'unreadable' || read.kind === 'unparsable') {
      return DEFAULT_EDITION;
    }
    if (read.kind === 'parsed' && read.manifest.package) {
      return this.packageEdition(read.manifest);
    }
    // No manifest here, or a virtual workspace manifest, which owns no source files itself.
    const parent = path.dirname(directory);
    return parent === directory ? DEFAULT_EDITION : this.editionOfDirectory(parent);
  }

  private packageEdition(manifest: CargoManifest): Edition {
    const declared = declaredEdition(manifest, (directory) => this.manifestIn(directory));
    switch (declared.kind) {
      case 'absent':
        return CARGO_MISSING_EDITION;
      case 'declared':
        return this.checkedEdition(declared.value, declared.manifestDirectory);
      case 'no-workspace-root':
        this.warn(
          `${this.shown(manifest.directory)}: edition.workspace = true but no workspace root ` +
            'found; ' +
            `assuming edition ${DEFAULT_EDITION}`,
        );
        return DEFAULT_EDITION;
      case 'no-workspace-edition':
        this.warn(
          `${this.shown(declared.rootDirectory)}: [workspace.package] has no edition; ` +
            `assuming edition ${DEFAULT_EDITION}`,
        );
        return DEFAULT_EDITION;
    }
  }

  private checkedEdition(value: unknown, manifestDirectory: string): Edition {
    if (isEdition(value)) {
      return value;
    }
    this.warn(
      `${this.shown(manifestDirectory)}: unsupported edition ${JSON.stringify(value)}; assuming edition ${DEFAULT_EDITION}`,
    );
    return DEFAULT_EDITION;
  }

  /** The manifest in `directory`, warning once per resolver about one that cannot be used. */
  private manifestIn(directory: string): ManifestRead {
    let read = this.manifestByDirectory.get(directory);
    if (!read) {
      read = readManifest(directory);
      this.manifestByDirectory.set(directory, read);
      if (read.kind === 'unreadable') {
        this.warn(`${this.shown(directory)}: ${read.reason}; assuming edition ${DEFAULT_EDITION}`);
      } else if (read.kind === 'unparsable') {
        const reason = read.line === null ? read.message : `${read.message} at line ${read.line}`;
        const shown = this.shown(directory);
        this.warn(`${shown}: cannot parse (${reason}); assuming edition ${DEFAULT_EDITION}`);
      }
    }
    return read;
  }

  private shown(manifestDirectory: string): string {
    return displayPath(path.join(manifestDirectory, MANIFEST_NAME), this.cwd);
  }
}

export function isEdition(value: unknown): value is Edition {
  return typeof value === 'string' && (EDITIONS as readonly string[]).includes(value);
}
