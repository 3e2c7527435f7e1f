#!/usr/bin/env node
'use strict';

const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const bundle = path.join(root, 'server', 'dist', 'cli', 'main.js');
const compiled = path.join(root, 'server', 'out', 'cli', 'main.js');

function modifiedAt(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

/**
 * The one-file bundle (`npm run bundle`) starts faster than the ~110 modules `tsc -b` writes, but
 * is used only when no `tsc -b` wrote code after it: a bundle older than the compiled tree would
 * run stale code.
 */
function entryPoint() {
  const bundled = modifiedAt(bundle);
  const compiledAt = modifiedAt(path.join(root, 'server', 'tsconfig.tsbuildinfo'));
  return bundled >= 0 && bundled >= compiledAt ? bundle : compiled;
}

const entry = entryPoint();
const argv = process.argv.slice(2);
let cli;
let saveCodeCache = () => undefined;
try {
  if (entry === bundle) {
    const { cacheFolderFor, requireCached } = require('./codeCache');
    const loaded = requireCached(entry, cacheFolderFor(argv, process.env, process.cwd()));
    cli = loaded.exports;
    saveCodeCache = loaded.save;
  } else {
    cli = require(entry);
  }
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes(entry)) {
    process.stderr.write('rust-future-size: error: not built yet; run `npm run build` first\n');
    process.exit(2);
  }
  throw error;
}

cli.main(argv).then((exitCode) => {
  process.exitCode = exitCode;
  // After the run: the cache then holds the functions it compiled, not only the bundle's top level.
  saveCodeCache();
});
