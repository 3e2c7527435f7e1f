'use strict';
/**
 * Loads the CLI's one-file bundle through a V8 code cache: V8 otherwise parses and compiles the
 * bundle's 1 MB again in every process, and compiles each function lazily the first time it runs.
 * The cache is written once per build, after the first run has finished, so it also holds the
 * functions that run compiled; later runs start from it.
 *
 * The cache is only ever an optimisation: a missing, unreadable, corrupt or foreign cache file
 * (another Node, V8 flags or build) is ignored or rejected by V8, and the bundle compiles from
 * source as it would without one. Its files are named by a hash of the bundle's text and of the
 * Node that made them; writing one removes the same install's older files beside it.
 */

const crypto = require('crypto');
const fs = require('fs');
const Module = require('module');
const path = require('path');
const vm = require('vm');

const FOLDER = 'code-cache';

/**
 * The folder the CLI keeps its cache in, as `--cache-dir` / `--no-cache` and the environment
 * give it (`cacheDirectoryOf` in cli/main.ts, `defaultCacheDirectory` in project/packageCache.ts);
 * null when nothing may be kept.
 */
function cacheFolderFor(argv, env, cwd) {
  let parsed;
  try {
    parsed = require('util').parseArgs({
      args: argv,
      options: { 'cache-dir': { type: 'string' }, 'no-cache': { type: 'boolean' } },
      strict: false,
      allowPositionals: true,
    }).values;
  } catch {
    return null;
  }
  if (parsed['no-cache'] === true) {
    return null;
  }
  if (typeof parsed['cache-dir'] === 'string') {
    return parsed['cache-dir'] === '' ? null : path.resolve(cwd, parsed['cache-dir']);
  }
  if (env.XDG_CACHE_HOME) {
    return path.join(env.XDG_CACHE_HOME, 'rust-future-size');
  }
  if (process.platform === 'win32' && env.LOCALAPPDATA) {
    return path.join(env.LOCALAPPDATA, 'rust-future-size');
  }
  return env.HOME ? path.join(env.HOME, '.cache', 'rust-future-size') : null;
}

/**
 * `require(file)` for a CommonJS `file`, compiled with the code cache kept under `cacheFolder`
 * (none: a plain `require`). Returns the module's exports and `save`, to call once the run is over:
 * it writes the cache when there was none or V8 rejected it, and never throws.
 */
function requireCached(file, cacheFolder) {
  const loader = vm.constants && vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  if (!cacheFolder || !loader) {
    return { exports: require(file), save: () => undefined };
  }
  const source = fs.readFileSync(file, 'utf8');
  const cacheFile = cacheFileFor(file, source, cacheFolder);
  const cachedData = readOrUndefined(cacheFile);
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    cachedData,
    importModuleDynamically: loader,
  });
  const loaded = new Module(file, module);
  loaded.filename = file;
  loaded.paths = Module._nodeModulePaths(path.dirname(file));
  const wrapper = script.runInThisContext();
  const requireFromFile = Module.createRequire(file);
  wrapper.call(loaded.exports, loaded.exports, requireFromFile, loaded, file, path.dirname(file));
  loaded.loaded = true;
  const stale = cachedData === undefined || script.cachedDataRejected === true;
  const save = () => (stale ? writeCache(script, cacheFile) : undefined);
  return { exports: loaded.exports, save };
}

/**
 * `main-PLACE-BUILD.bin`: PLACE hashes where the bundle is installed, so that two installs (two
 * checkouts, a global and a local one) sharing the cache folder do not remove each other's file;
 * BUILD hashes the bundle's text and the Node running it.
 */
function cacheFileFor(file, source, cacheFolder) {
  const digest = (...parts) => {
    const hash = crypto.createHash('sha256');
    parts.forEach((part) => hash.update(`${part}\0`));
    return hash.digest('hex');
  };
  const place = digest(path.resolve(file)).slice(0, 12);
  const build = digest(process.version, process.arch, process.execArgv.join(' '), source);
  const name = `${path.basename(file, '.js')}-${place}-${build.slice(0, 24)}.bin`;
  return path.join(cacheFolder, FOLDER, name);
}

function readOrUndefined(file) {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Writes the cache through a temporary file (a concurrent run reads a whole one or none). */
function writeCache(script, cacheFile) {
  try {
    const data = script.createCachedData();
    const folder = path.dirname(cacheFile);
    fs.mkdirSync(folder, { recursive: true });
    const temporary = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, data);
    fs.renameSync(temporary, cacheFile);
    removeOlderBuilds(folder, path.basename(cacheFile));
  } catch {
    // A cache that cannot be written costs the next run its compile, nothing else.
  }
}

/** The same install's files of other builds (or Nodes), which no run will read again. */
function removeOlderBuilds(folder, kept) {
  const prefix = kept.slice(0, kept.lastIndexOf('-') + 1);
  for (const name of fs.readdirSync(folder)) {
    if (name !== kept && name.startsWith(prefix) && name.endsWith('.bin')) {
      fs.rmSync(path.join(folder, name), { force: true });
    }
  }
}

module.exports = { cacheFolderFor, requireCached };
