/**
 * clippy's configuration file, read as clippy reads it: `future-size-threshold` from `clippy.toml`
 * or `.clippy.toml` is the default `largeFutureThreshold`. No LSP imports.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseToml } from 'smol-toml';
import { findCrateRoot, readRegularFile } from '../project/crateLayout';

/** clippy looks for `.clippy.toml` first; when both exist it warns and uses that one. */
const CLIPPY_FILES = ['.clippy.toml', 'clippy.toml'];

export interface ClippyThreshold {
  value: number;
  /** The clippy.toml it comes from. */
  file: string;
}

/**
 * `future-size-threshold` from the clippy configuration that applies to a file: the first
 * `.clippy.toml` or `clippy.toml` found from its crate's root upwards, stopping at the workspace
 * folder that contains it (or at the file system root for crates outside every folder).
 */
export class ClippyConfig {
  private readonly byDir = new Map<string, ClippyThreshold | null>();
  private readonly warned = new Set<string>();
  /**
   * @param workspaceRoots the folders a search stops at, asked at each lookup: an editor knows
   *   them only once it has started (none for the CLI).
   */
  constructor(
    private readonly warn: (message: string) => void,
    private readonly workspaceRoots: () => readonly string[] = () => [],
  ) {}

  clear(): void {
    this.byDir.clear();
  }

  thresholdFor(file: string): ClippyThreshold | null {
    const start = findCrateRoot(file) ?? path.dirname(path.resolve(file));
    const cached = this.byDir.get(start);
    if (cached !== undefined) {
      return cached;
    }
    const stop = this.workspaceRoots()
      .map((r) => path.resolve(r))
      .filter((r) => start === r || start.startsWith(r + path.sep))
      .sort((a, b) => b.length - a.length)[0];
    let found: ClippyThreshold | null = null;
    for (let dir = start; ; dir = path.dirname(dir)) {
      const config = CLIPPY_FILES.map((name) => path.join(dir, name)).find(isFile);
      if (config) {
        found = this.read(config);
        break;
      }
      if (dir === stop || path.dirname(dir) === dir) {
        break;
      }
    }
    this.byDir.set(start, found);
    return found;
  }

  private read(file: string): ClippyThreshold | null {
    let value: unknown;
    try {
      const text = readRegularFile(file, 1024 * 1024);
      if (text === null) {
        this.warnOnce(
          `${file}: not a regular file or larger than 1 MB; its future-size-threshold is ignored`,
        );
        return null;
      }
      value = (parseToml(text) as Record<string, unknown>)['future-size-threshold'];
    } catch (error) {
      this.warnOnce(
        `${file}: does not parse (${firstLine(error)}); its future-size-threshold is ignored`,
      );
      return null;
    }
    if (value === undefined) {
      return null;
    }
    const n = typeof value === 'bigint' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
      this.warnOnce(
        `${file}: future-size-threshold must be a positive integer, ` +
          `not ${JSON.stringify(String(value))}; ignored`,
      );
      return null;
    }
    return { value: n, file };
  }

  private warnOnce(message: string): void {
    if (!this.warned.has(message)) {
      this.warned.add(message);
      this.warn(message);
    }
  }
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function firstLine(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}
