/**
 * Finds a crate's source files and the module path of each, by following `mod x;` declarations
 * from the crate root (`#[path]` included), as rustc does. Best effort: `cfg` is not evaluated,
 * so every declared module is included; files no `mod` reaches are still analysed, named by path.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  CargoManifest,
  declaredEdition,
  findPackageRoot,
  MANIFEST_NAME,
  readManifest,
} from './manifest';
import { readRegularFile } from './regularFile';

export { readRegularFile };

export interface CrateSourceFile {
  path: string;
  modulePath: string[];
}

export interface CrateLayout {
  /** The folder with the crate's `Cargo.toml`. */
  root: string;
  name: string;
  /** `package.edition` (from the workspace root for `edition.workspace = true`); null if unset. */
  edition: string | null;
  files: CrateSourceFile[];
  /** Problems found on the way (a `Cargo.toml` that does not parse, a missing module file). */
  warnings: string[];
}

const MOD_DECLARATION =
  /^[ \t]*(?:#\[path\s*=\s*"([^"]+)"\][ \t]*\n?[ \t]*)?(?:pub(?:\([^)]*\))?\s+)?mod\s+([A-Za-z_][A-Za-z0-9_]*)\s*;/gm;
const MAX_FILES = 5000;

/** The nearest folder at or above `start` whose `Cargo.toml` has a `[package]`. */
export function findCrateRoot(start: string): string | null {
  return findPackageRoot(start);
}

/**
 * The crate at `root`: its library (or binary) root file and every module file reachable from it.
 * A module file (through `#[path]` or a symlink) is read only inside the package, or inside one of
 * `readableRoots` (the editor's workspace folders); elsewhere it gets a warning and is not read.
 */
export function readCrateLayout(root: string, readableRoots: readonly string[] = []): CrateLayout {
  const warnings: string[] = [];
  const manifestPath = path.join(root, MANIFEST_NAME);
  const read = readManifest(root);
  if (read.kind === 'unparsable') {
    warnings.push(`${manifestPath}: does not parse (${read.message})`);
  } else if (read.kind === 'unreadable') {
    warnings.push(`${manifestPath}: ${read.reason}`);
  }
  const manifest = read.kind === 'parsed' ? read.manifest : null;
  const name = manifest?.package?.name ?? path.basename(root);
  const libPath = manifest?.targets.find((t) => t.kind === 'lib')?.path ?? null;
  const candidates = [libPath, 'src/lib.rs', 'src/main.rs'].filter((c): c is string => !!c);
  const rootFile = candidates.map((c) => path.join(root, c)).find((c) => fs.existsSync(c));
  const files: CrateSourceFile[] = [];
  const seen = new Set<string>();
  if (rootFile) {
    const realRoots = new Map<string, string | null>();
    const readable = { roots: [root, ...readableRoots], realRoots };
    followModules(rootFile, [], true, files, seen, warnings, readable);
  }
  // Files under src/ that no `mod` declaration reaches (bins, examples of cfg'd modules) still count.
  for (const extra of listRustFiles(path.join(root, 'src'))) {
    if (!seen.has(extra) && files.length < MAX_FILES) {
      seen.add(extra);
      files.push({
        path: extra,
        modulePath: modulePathFromFile(path.relative(path.join(root, 'src'), extra)),
      });
    }
  }
  return { root, name, edition: manifest ? editionOf(manifest, warnings) : null, files, warnings };
}

/** The edition as declared, `edition.workspace = true` followed to the workspace root. */
function editionOf(manifest: CargoManifest, warnings: string[]): string | null {
  const declared = declaredEdition(manifest);
  switch (declared.kind) {
    case 'declared':
      return typeof declared.value === 'string' ? declared.value : null;
    case 'no-workspace-root':
      warnings.push(`${manifest.file}: edition.workspace = true but no workspace root found`);
      return null;
    case 'no-workspace-edition':
      warnings.push(
        `${path.join(declared.rootDirectory, MANIFEST_NAME)}: [workspace.package] has no edition`,
      );
      return null;
    default:
      return null;
  }
}

function isRegularFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Whether `file`, with symlinks resolved, lies inside `root` (so `#[path]` cannot reach
 * `/etc/passwd`). `realRoots` keeps each root's real path for the layout being read: one
 * `realpath` call per module file instead of one per path component of both.
 */
function isInside(file: string, root: string, realRoots: Map<string, string | null>): boolean {
  try {
    let base = realRoots.get(root);
    if (base === undefined) {
      base = realPathOrNull(root);
      realRoots.set(root, base);
    }
    if (base === null) {
      return false;
    }
    const real = fs.realpathSync.native(file);
    return real === base || real.startsWith(base.endsWith(path.sep) ? base : base + path.sep);
  } catch {
    return false;
  }
}

function realPathOrNull(file: string): string | null {
  try {
    return fs.realpathSync.native(file);
  } catch {
    return null;
  }
}

function followModules(
  file: string,
  modulePath: string[],
  isRoot: boolean,
  files: CrateSourceFile[],
  seen: Set<string>,
  warnings: string[],
  /** Folders a module file may be read from (the package first), and their real paths. */
  readable: { roots: readonly string[]; realRoots: Map<string, string | null> },
): void {
  const resolved = path.resolve(file);
  if (seen.has(resolved) || files.length >= MAX_FILES) {
    return;
  }
  seen.add(resolved);
  files.push({ path: resolved, modulePath });
  const text = readRegularFile(resolved);
  if (text === null) {
    return;
  }
  // Child modules of `a.rs` live in `a/`; of `lib.rs`, `main.rs` and `mod.rs`, beside them.
  const base = path.basename(resolved, '.rs');
  const dir =
    isRoot || base === 'mod' ? path.dirname(resolved) : path.join(path.dirname(resolved), base);
  // Every declaration has `mod` and a space: most files have none, and the search for them is
  // far quicker than the declaration pattern tried at each line.
  const declarations = /\bmod\s/.test(text) ? text.matchAll(MOD_DECLARATION) : [];
  const readableFile = (found: string) =>
    readable.roots.some((root) => isInside(found, root, readable.realRoots));
  for (const m of declarations) {
    const [, explicitPath, name] = m;
    const candidates = explicitPath
      ? [path.resolve(path.dirname(resolved), explicitPath)]
      : [path.join(dir, `${name}.rs`), path.join(dir, name, 'mod.rs')];
    const found = candidates.find((c) => fs.existsSync(c));
    const regular = found !== undefined && isRegularFile(found);
    if (found && regular && readableFile(found)) {
      followModules(found, [...modulePath, name], false, files, seen, warnings, readable);
    } else if (found && !regular) {
      warnings.push(`${resolved}: module \`${name}\` is not a regular file (${found}): not read`);
    } else if (found) {
      const where = readable.roots.length > 1 ? 'the package and the workspace' : 'the package';
      warnings.push(`${resolved}: module \`${name}\` is outside ${where} (${found}): not read`);
    } else {
      warnings.push(
        `${resolved}: module \`${name}\` not found (looked for ${candidates.map((c) => path.relative(process.cwd(), c)).join(', ')})`,
      );
    }
  }
}

/** `net/tcp.rs` → `["net", "tcp"]`; `net/mod.rs` → `["net"]`; `lib.rs` → `[]`. */
export function modulePathFromFile(relative: string): string[] {
  const parts = relative.replace(/\\/g, '/').replace(/\.rs$/, '').split('/');
  if (parts[parts.length - 1] === 'mod') {
    parts.pop();
  }
  if (parts.length === 1 && (parts[0] === 'lib' || parts[0] === 'main')) {
    return [];
  }
  return parts;
}

function listRustFiles(dir: string): string[] {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length && out.length < MAX_FILES) {
    const d = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        stack.push(p);
      } else if (e.isFile() && e.name.endsWith('.rs')) {
        out.push(path.resolve(p));
      }
    }
  }
  return out.sort();
}
