/**
 * Only the keystroke rows of issue 13's targets (`targets.ts`): typing into tokio's `named_pipe.rs`
 * and a generated 5,000-line file through the bundled server, paced and back to back.
 *
 *   node scripts/build.mjs && npx tsc -b && node bench/out/typing.js [--rounds N] [--server FILE]
 *                                                                  [--generated-only]
 *
 * `--server`: another build's server bundle, to compare two builds in the same conditions;
 * `--generated-only`: the generated file's rows alone.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { loadAverage, typingRows } from './targets';

type SyntaxTreesModule = typeof import('../server/src/lsp/syntaxTrees');
type EngineModule = typeof import('../server/src/analysis/engine');

const repoRoot = path.resolve(__dirname, '..', '..');
const TOKIO = '/usr/share/cargo/registry/tokio-1.24.2';
const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string' },
    server: { type: 'string' },
    'generated-only': { type: 'boolean' },
  },
});

async function main(): Promise<void> {
  const out = (...parts: string[]) => path.join(repoRoot, 'server', 'out', ...parts);
  await (require(out('analysis', 'engine.js')) as EngineModule).initAnalysis();
  const syntaxTrees = require(out('lsp', 'syntaxTrees.js')) as SyntaxTreesModule;
  for (let round = 0; round < Number(flags.rounds ?? 1); round++) {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rust-future-size-typing-'));
    try {
      console.log(`load average before: ${loadAverage()}`);
      const rows = await typingRows(
        {
          repoRoot,
          serverBundle: flags.server ?? path.join(repoRoot, 'server', 'dist', 'server.js'),
          cliBin: path.join(repoRoot, 'bin', 'rust-future-size.js'),
          tokio: !flags['generated-only'] && fs.existsSync(TOKIO) ? TOKIO : null,
          million: false,
          log: () => undefined,
        },
        syntaxTrees,
        scratch,
      );
      for (const row of rows) {
        console.log(`${row.input} | ${row.what} | ${row.result}`);
      }
      console.log(`load average after: ${loadAverage()}`);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
}

void main();
