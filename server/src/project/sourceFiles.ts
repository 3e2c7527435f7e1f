/**
 * Turns the paths on the command line into the list of Rust files to analyse.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from './errors';

/** Build output, VCS data and JS dependencies: never source we want to report on. */
export const SKIPPED_DIRECTORIES: ReadonlySet<string> = new Set(['target', '.git', 'node_modules']);

/**
 * Expands files and directories (relative to `cwd`) into absolute paths of `.rs` files.
 *
 * Arguments keep their order; each directory's files are sorted by path (code-unit order, not locale,
 * so the output is the same on every machine). A file named explicitly is taken whatever its extension.
 * Symlinked directories are not followed, which rules out cycles.
 * @throws UsageError when a path on the command line does not exist or cannot be read.
 */
export async function expandPaths(
  paths: readonly string[],
  cwd: string = process.cwd(),
): Promise<string[]> {
  const seen = new Set<string>();
  const files: string[] = [];
  for (const given of paths) {
    for (const file of await expandOne(given, path.resolve(cwd, given))) {
      if (!seen.has(file)) {
        seen.add(file);
        files.push(file);
      }
    }
  }
  return files;
}

/** `given` as typed (for messages), `resolved` absolute (for the file system). */
async function expandOne(given: string, resolved: string): Promise<string[]> {
  let stats: fs.Stats;
  try {
    stats = await fs.promises.stat(resolved);
  } catch (error) {
    throw new UsageError(`cannot read '${given}': ${describeFsError(error)}`);
  }
  if (stats.isDirectory()) {
    const found: string[] = [];
    await walk(resolved, given, found, true);
    return found.sort(byPath);
  }
  if (!stats.isFile()) {
    // Reading a FIFO or a device would block or never end.
    throw new UsageError(`cannot read '${given}': not a regular file`);
  }
  return [resolved];
}

async function walk(
  directory: string,
  given: string,
  found: string[],
  isRoot: boolean,
): Promise<void> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(directory, { withFileTypes: true });
  } catch (error) {
    if (isRoot) {
      throw new UsageError(`cannot read '${given}': ${describeFsError(error)}`);
    }
    // A nested unreadable directory should not hide every other result.
    return;
  }
  for (const entry of entries) {
    const entryPath = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name)) {
        await walk(entryPath, given, found, false);
      }
    } else if (
      entry.name.endsWith('.rs') &&
      (entry.isFile() || (await isFileBehindLink(entryPath)))
    ) {
      found.push(entryPath);
    }
  }
}

async function isFileBehindLink(entryPath: string): Promise<boolean> {
  try {
    return (await fs.promises.stat(entryPath)).isFile();
  } catch {
    return false; // dangling link
  }
}

function byPath(a: string, b: string): number {
  const left = toPosix(a);
  const right = toPosix(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * How a file is named in reports: relative to `cwd`, with `/` separators on every platform.
 */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  const relative = path.relative(cwd, path.resolve(cwd, file));
  return toPosix(relative === '' ? path.basename(file) : relative);
}

function toPosix(file: string): string {
  return file.split(path.sep).join('/');
}

/** `ENOENT` → "no such file or directory", keeping messages to one plain line. */
export function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'not a directory';
    case 'EISDIR':
      return 'is a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return error instanceof Error ? error.message.split('\n')[0] : String(error);
  }
}
