/**
 * Finds a crate's source files and the module path of each, by following `mod x;` declarations
 * from the crate root (`#[path]` included), as rustc does. Best effort: `cfg` is not evaluated,
 * so every declared module is included; files no `mod` reaches are still analysed, named by path.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseToml } from 'smol-toml';

export interface CrateSourceFile {
  path: string;
  modulePath: string[];
}

export interface CrateLayout {
  /** The folder with the crate's `Cargo.toml`. */
  root: string;
  name: string;
  edition: string | null;
  files: CrateSourceFile[];
  /** Problems found on the way (a `Cargo.toml` that does not parse, a missing module file). */
  warnings: string[];
}

const MOD_DECLARATION = /^[ \t]*(?:#\[path\s*=\s*"([^"]+)"\][ \t]*\n?[ \t]*)?(?:pub(?:\([^)]*\))?\s+)?mod\s+([A-Za-z_][A-Za-z0-9_]*)\s*;/gm;
const MAX_FILES = 5000;

/** The nearest folder at or above `start` whose `Cargo.toml` has a `[package]`. */
export function findCrateRoot(start: string): string | null {
  let dir = path.resolve(start);
  try {
    if (fs.statSync(dir).isFile()) {
      dir = path.dirname(dir);
    }
  } catch {
    return null;
  }
  for (;;) {
    const manifest = path.join(dir, 'Cargo.toml');
    if (fs.existsSync(manifest) && /^\s*\[package\]/m.test(safeRead(manifest) ?? '')) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      return null;
    }
    dir = parent;
  }
}

/** The crate at `root`: its library (or binary) root file and every module file reachable from it. */
export function readCrateLayout(root: string): CrateLayout {
  const warnings: string[] = [];
  const manifestPath = path.join(root, 'Cargo.toml');
  let manifest: Record<string, unknown> = {};
  try {
    manifest = parseToml(safeRead(manifestPath) ?? '') as Record<string, unknown>;
  } catch (e) {
    warnings.push(`${manifestPath}: does not parse (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
  const pkg = (manifest.package ?? {}) as Record<string, unknown>;
  const lib = (manifest.lib ?? {}) as Record<string, unknown>;
  const name = typeof pkg.name === 'string' ? pkg.name : path.basename(root);
  const edition = typeof pkg.edition === 'string' ? pkg.edition : null;
  const candidates = [typeof lib.path === 'string' ? lib.path : null, 'src/lib.rs', 'src/main.rs'].filter((c): c is string => !!c);
  const rootFile = candidates.map((c) => path.join(root, c)).find((c) => fs.existsSync(c));
  const files: CrateSourceFile[] = [];
  const seen = new Set<string>();
  if (rootFile) {
    followModules(rootFile, [], true, files, seen, warnings, root);
  }
  // Files under src/ that no `mod` declaration reaches (bins, examples of cfg'd modules) still count.
  for (const extra of listRustFiles(path.join(root, 'src'))) {
    if (!seen.has(extra) && files.length < MAX_FILES) {
      seen.add(extra);
      files.push({ path: extra, modulePath: modulePathFromFile(path.relative(path.join(root, 'src'), extra)) });
    }
  }
  return { root, name, edition, files, warnings };
}

function isRegularFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Whether `file`, with symlinks resolved, lies inside `root` (so `#[path]` cannot reach `/etc/passwd`). */
function isInside(file: string, root: string): boolean {
  try {
    const real = fs.realpathSync(file);
    const base = fs.realpathSync(root);
    return real === base || real.startsWith(base.endsWith(path.sep) ? base : base + path.sep);
  } catch {
    return false;
  }
}

function followModules(file: string, modulePath: string[], isRoot: boolean, files: CrateSourceFile[], seen: Set<string>, warnings: string[], crateRoot: string): void {
  const resolved = path.resolve(file);
  if (seen.has(resolved) || files.length >= MAX_FILES) {
    return;
  }
  seen.add(resolved);
  files.push({ path: resolved, modulePath });
  const text = safeRead(resolved);
  if (text === null) {
    return;
  }
  // Child modules of `a.rs` live in `a/`; of `lib.rs`, `main.rs` and `mod.rs`, beside them.
  const base = path.basename(resolved, '.rs');
  const dir = isRoot || base === 'mod' ? path.dirname(resolved) : path.join(path.dirname(resolved), base);
  for (const m of text.matchAll(MOD_DECLARATION)) {
    const [, explicitPath, name] = m;
    const candidates = explicitPath
      ? [path.resolve(path.dirname(resolved), explicitPath)]
      : [path.join(dir, `${name}.rs`), path.join(dir, name, 'mod.rs')];
    const found = candidates.find((c) => fs.existsSync(c));
    const regular = found !== undefined && isRegularFile(found);
    if (found && regular && isInside(found, crateRoot)) {
      followModules(found, [...modulePath, name], false, files, seen, warnings, crateRoot);
    } else if (found && !regular) {
      warnings.push(`${resolved}: module \`${name}\` is not a regular file (${found}): not read`);
    } else if (found) {
      warnings.push(`${resolved}: module \`${name}\` is outside the package (${found}): not read`);
    } else {
      warnings.push(`${resolved}: module \`${name}\` not found (looked for ${candidates.map((c) => path.relative(process.cwd(), c)).join(', ')})`);
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

/** Manifests and module files beyond this are not read (a hand-written one is far smaller). */
const MAX_READ_BYTES = 5 * 1024 * 1024;

/**
 * A regular file's text; null for anything else (a FIFO would block, `/dev/zero` never ends), for
 * a file over the size cap, and for one that cannot be read.
 */
export function readRegularFile(file: string, maxBytes = MAX_READ_BYTES): string | null {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile() || stat.size > maxBytes) {
      return null;
    }
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

const safeRead = readRegularFile;
