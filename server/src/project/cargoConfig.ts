/**
 * Cargo's configuration files, as far as they say where sources come from: `[source.*]` (source
 * replacement, as `cargo vendor` and Debian's registry use) and `[registries.*]`. Files are found
 * and merged the way Cargo does: `.cargo/config.toml` (or legacy `.cargo/config`) in the folder
 * and every folder above it, then `$CARGO_HOME/config.toml`; a nearer file wins per key.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse as parseToml } from 'smol-toml';
import { readRegularFileOrWhy } from './regularFile';
import { describeFsError } from './sourceFiles';

/** A config file larger than this is not read (a hand-written one is a few KB). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** The environment variables the project model reads; tests pass their own. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** One `[source.NAME]` after merging; paths are absolute. */
export interface SourceDefinition {
  name: string;
  replaceWith: string | null;
  directory: string | null;
  localRegistry: string | null;
  /** `registry = "URL"`: the index this source name stands for. */
  registry: string | null;
  git: string | null;
}

export interface CargoConfig {
  /** The files read, nearest first. */
  files: string[];
  sources: Map<string, SourceDefinition>;
  /** `[registries.NAME] index`: alternative registries by name. */
  registryIndexes: Map<string, string>;
  /** Files that could not be read or parsed, each in a sentence. */
  warnings: string[];
}

/** `$CARGO_HOME`, else `~/.cargo` (home from `HOME`/`USERPROFILE`, else the OS). */
export function cargoHome(env: Environment): string {
  if (env.CARGO_HOME) {
    return path.resolve(env.CARGO_HOME);
  }
  return path.join(env.HOME ?? env.USERPROFILE ?? os.homedir(), '.cargo');
}

/** The config files Cargo reads for a command run in `start`, nearest first. */
export function configFiles(start: string, env: Environment): string[] {
  const files: string[] = [];
  const seen = new Set<string>();
  const add = (folder: string) => {
    const file = configFileIn(folder);
    if (file && !seen.has(file)) {
      seen.add(file);
      files.push(file);
    }
  };
  for (let directory = path.resolve(start); ; directory = path.dirname(directory)) {
    add(path.join(directory, '.cargo'));
    if (path.dirname(directory) === directory) {
      break;
    }
  }
  add(cargoHome(env));
  return files;
}

/** `config` wins over `config.toml` when a folder has both, as in Cargo (which warns). */
function configFileIn(folder: string): string | null {
  for (const name of ['config', 'config.toml']) {
    const file = path.join(folder, name);
    if (isRegularFile(file)) {
      return file;
    }
  }
  return null;
}

function isRegularFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

type Table = Record<string, unknown>;

/** The merged configuration for a command run in `start`. */
export function readCargoConfig(start: string, env: Environment): CargoConfig {
  const config: CargoConfig = {
    files: [],
    sources: new Map(),
    registryIndexes: new Map(),
    warnings: [],
  };
  for (const file of configFiles(start, env)) {
    const table = parseConfigFile(file, config.warnings);
    if (!table) {
      continue;
    }
    config.files.push(file);
    // Cargo resolves relative paths in a config against the folder that holds its `.cargo`.
    const base = path.dirname(path.dirname(file));
    for (const [name, value] of Object.entries(asTable(table.source) ?? {})) {
      mergeSource(config.sources, name, asTable(value) ?? {}, base);
    }
    for (const [name, value] of Object.entries(asTable(table.registries) ?? {})) {
      const index = asTable(value)?.index;
      if (typeof index === 'string' && !config.registryIndexes.has(name)) {
        config.registryIndexes.set(name, index);
      }
    }
  }
  return config;
}

function parseConfigFile(file: string, warnings: string[]): Table | null {
  const text = readRegularFileOrWhy(file, MAX_CONFIG_BYTES);
  if (!text.ok) {
    const why = text.why === 'unreadable' ? describeFsError(text.error) : text.why;
    warnings.push(`${file}: not read (${why})`);
    return null;
  }
  try {
    return parseToml(text.text) as Table;
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    warnings.push(`${file}: not valid TOML (${message})`);
    return null;
  }
}

/** Files come nearest first, so a key already set stays. */
function mergeSource(
  sources: Map<string, SourceDefinition>,
  name: string,
  table: Table,
  base: string,
): void {
  const source = sources.get(name) ?? {
    name,
    replaceWith: null,
    directory: null,
    localRegistry: null,
    registry: null,
    git: null,
  };
  const text = (key: string) => (typeof table[key] === 'string' ? (table[key] as string) : null);
  const folder = (key: string) => {
    const value = text(key);
    return value === null ? null : path.resolve(base, value);
  };
  source.replaceWith ??= text('replace-with');
  source.directory ??= folder('directory');
  source.localRegistry ??= folder('local-registry');
  source.registry ??= text('registry');
  source.git ??= text('git');
  sources.set(name, source);
}

function asTable(value: unknown): Table | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Table)
    : undefined;
}
