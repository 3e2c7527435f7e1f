// Bundles the extension with esbuild: client/dist/extension.js, server/dist/server.js and the crate
// index's worker server/dist/crateWorker.js, with the two tree-sitter wasm files copied beside the
// server bundle (analysis/syntax/parser.ts looks there first); and the CLI, server/dist/cli/main.js
// with its worker server/dist/cli/worker.js, which bin/rust-future-size.js prefers to the ~110
// modules of server/out (one file starts faster than resolving and reading each of them).
// `tsc -b` only typechecks and builds out/ for the tests; what ships is these bundles.
//   node scripts/build.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
  // parser.ts falls back to node_modules only when the wasm files are not beside the bundle.
  logOverride: { 'require-resolve-not-external': 'silent' },
  absWorkingDir: root,
};

const targets = [
  {
    ...common,
    entryPoints: ['client/src/extension.ts'],
    outfile: 'client/dist/extension.js',
    external: ['vscode'],
  },
  { ...common, entryPoints: ['server/src/server.ts'], outfile: 'server/dist/server.js' },
  // The crate index's worker thread (server/src/lsp/crateRunner.ts starts it from beside server.js).
  {
    ...common,
    entryPoints: ['server/src/lsp/crateWorker.ts'],
    outfile: 'server/dist/crateWorker.js',
  },
  // The CLI and its pool's worker, side by side as in server/out/cli (analyzeFiles.ts starts
  // `worker.js` from beside itself).
  {
    ...common,
    entryPoints: {
      'cli/main': 'server/src/cli/main.ts',
      'cli/worker': 'server/src/cli/worker.ts',
    },
    outdir: 'server/dist',
  },
];

const wasmFiles = [
  require.resolve('web-tree-sitter/web-tree-sitter.wasm'),
  require.resolve('tree-sitter-rust/tree-sitter-rust.wasm'),
  // A second copy of the library gives the parser a new runtime after one aborts (parser.ts).
  require.resolve('web-tree-sitter'),
];

function copyWasm() {
  for (const dist of [
    path.join(root, 'server', 'dist'),
    path.join(root, 'server', 'dist', 'cli'),
  ]) {
    fs.mkdirSync(dist, { recursive: true });
    for (const file of wasmFiles) {
      fs.copyFileSync(file, path.join(dist, path.basename(file)));
    }
  }
}

// A production build must not ship a stale source map from an earlier development build.
for (const dir of ['client/dist', 'server/dist']) {
  fs.rmSync(path.join(root, dir), { recursive: true, force: true });
}

const started = Date.now();
if (watch) {
  const report = {
    name: 'report',
    setup: (build) =>
      build.onEnd((r) => console.log(`[watch] build finished, ${r.errors.length} errors`)),
  };
  for (const options of targets) {
    const context = await esbuild.context({ ...options, plugins: [report] });
    await context.watch();
  }
  copyWasm();
  console.log('[watch] build started');
} else {
  await Promise.all(targets.map((options) => esbuild.build(options)));
  copyWasm();
  const sizes = [
    'client/dist/extension.js',
    'server/dist/server.js',
    'server/dist/crateWorker.js',
    'server/dist/cli/main.js',
  ].map((f) => `${f} ${(fs.statSync(path.join(root, f)).size / 1024).toFixed(0)} KiB`);
  console.log(
    `bundled${production ? ' (production)' : ''} in ${Date.now() - started} ms: ${sizes.join(', ')}`,
  );
}
