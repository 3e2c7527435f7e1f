/**
 * The Cargo workspace around a folder: its root (where `Cargo.lock` lives), its members
 * (`[workspace] members` globs minus `exclude`, plus the root package), and the package that
 * holds the folder. `*`, `?` and `[…]` in member globs match within one path segment.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CargoManifest, findPackageRoot, findWorkspaceRoot, readManifest } from './manifest';

export interface Workspace {
  /** The workspace root's folder; a package outside any workspace is its own root. */
  root: string;
  /** Every member package's folder. */
  members: string[];
  /** The package holding the folder asked about; all members when it is outside any package. */
  selected: string[];
  warnings: string[];
}

/** The workspace around `folder`; null when no Cargo.toml is at or above it. */
export function findWorkspace(folder: string): Workspace | null {
  const packageRoot = findPackageRoot(folder);
  const packageRead = packageRoot === null ? null : readManifest(packageRoot);
  const packageManifest = packageRead?.kind === 'parsed' ? packageRead.manifest : null;
  const rootManifest = packageManifest
    ? (findWorkspaceRoot(packageManifest) ?? packageManifest)
    : nearestWorkspaceManifest(folder);
  if (!rootManifest) {
    return null;
  }
  const warnings: string[] = [];
  const members = membersOf(rootManifest, warnings);
  if (packageManifest && !members.includes(packageManifest.directory)) {
    members.push(packageManifest.directory);
  }
  return {
    root: rootManifest.directory,
    members,
    selected: packageManifest ? [packageManifest.directory] : members,
    warnings,
  };
}

function nearestWorkspaceManifest(folder: string): CargoManifest | null {
  for (let directory = path.resolve(folder); ; directory = path.dirname(directory)) {
    const read = readManifest(directory);
    if (read.kind === 'parsed' && read.manifest.workspace) {
      return read.manifest;
    }
    if (path.dirname(directory) === directory) {
      return null;
    }
  }
}

function membersOf(root: CargoManifest, warnings: string[]): string[] {
  const members: string[] = root.package ? [root.directory] : [];
  if (!root.workspace) {
    return members;
  }
  const excluded = new Set(root.workspace.exclude.map((e) => path.resolve(root.directory, e)));
  for (const pattern of root.workspace.members) {
    const matches = expandGlob(root.directory, pattern);
    if (matches.length === 0) {
      warnings.push(`${root.file}: workspace member ${pattern} matches no folder`);
    }
    for (const directory of matches) {
      const read = readManifest(directory);
      if (
        read.kind === 'parsed' &&
        read.manifest.package &&
        !excluded.has(directory) &&
        !members.includes(directory)
      ) {
        members.push(directory);
      }
    }
  }
  return members;
}

/** The folders a members pattern names, relative to `base`. */
export function expandGlob(base: string, pattern: string): string[] {
  let folders = [path.resolve(base)];
  for (const segment of pattern.split(/[\\/]+/).filter((s) => s !== '' && s !== '.')) {
    if (!/[*?[]/.test(segment)) {
      folders = folders.map((f) => path.join(f, segment)).filter(isDirectory);
      continue;
    }
    const matcher = segmentMatcher(segment);
    folders = folders.flatMap((folder) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(folder, { withFileTypes: true });
      } catch {
        return [];
      }
      return entries
        .filter((e) => e.isDirectory() && !e.name.startsWith('.') && matcher.test(e.name))
        .map((e) => path.join(folder, e.name))
        .sort();
    });
  }
  return folders;
}

function segmentMatcher(segment: string): RegExp {
  let source = '';
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i];
    if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '[' && segment.indexOf(']', i + 1) > i + 1) {
      const end = segment.indexOf(']', i + 1);
      source += `[${segment
        .slice(i + 1, end)
        .replace(/^!/, '^')
        .replace(/\\/g, '\\\\')}]`;
      i = end;
    } else {
      source += char.replace(/[.+^${}()|\\\]]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

function isDirectory(folder: string): boolean {
  try {
    return fs.statSync(folder).isDirectory();
  } catch {
    return false;
  }
}
