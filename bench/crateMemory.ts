/**
 * The crate index worker's memory on a generated crate, in this process: the job the server's
 * index sends its worker (`CrateJobs`, an `analyze` of every file, reports packed as the server
 * asks), then the heap, the memory outside it (WebAssembly's among it) and the RSS, at the end of
 * the analysis and at the peak. What the server row of `targets.ts` measures as one RSS, split.
 *
 *   node bench/out/crateMemory.js [--lines N] [--no-cap] [--snapshot FILE]
 *
 * `--no-cap`: every file, not only those within the index's 2,000-file/20 MB cap. `--snapshot`:
 * a heap snapshot after the analysis (and a full collection), for what holds the heap.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { getHeapStatistics, writeHeapSnapshot } from 'v8';
import { fnsForLines, generateRust } from './generate';
import { loadAverage } from './targets';

type CrateJobsModule = typeof import('../server/src/lsp/crateJobs');
type WorkspaceModule = typeof import('../server/src/lsp/workspace');

const repoRoot = path.resolve(__dirname, '..', '..');
const out = (...parts: string[]) => path.join(repoRoot, 'server', 'out', ...parts);
const MiB = 2 ** 20;

const { values: flags } = parseArgs({
  options: {
    lines: { type: 'string' },
    'no-cap': { type: 'boolean' },
    snapshot: { type: 'string' },
  },
});

/** The files the server's index takes, in the order it takes them (`workspace.ts`'s cap). */
function indexedFiles(
  dir: string,
  modules: number,
  cap: WorkspaceModule | null,
): { file: string; modulePath: string[]; text: string }[] {
  const files = [];
  let bytes = 0;
  for (let i = 0; i < modules; i++) {
    const text = fs.readFileSync(path.join(dir, `m${i}.rs`), 'utf8');
    if (cap && (files.length >= cap.MAX_CRATE_FILES || bytes + text.length > cap.MAX_CRATE_BYTES)) {
      break;
    }
    bytes += text.length;
    files.push({ file: path.join(dir, `m${i}.rs`), modulePath: [`m${i}`], text });
  }
  return files;
}

function memory(label: string): string {
  const used = process.memoryUsage();
  const heap = getHeapStatistics();
  const peak = process.resourceUsage().maxRSS * 1024;
  const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)}`;
  return (
    `${label}: heap used ${mib(heap.used_heap_size)} of ${mib(heap.total_heap_size)} MiB, ` +
    `outside the heap ${mib(used.external)} MiB (array buffers ${mib(used.arrayBuffers)}), ` +
    `RSS ${mib(used.rss)} MiB, peak RSS ${mib(peak)} MiB`
  );
}

async function main(): Promise<void> {
  const lines = Number(flags.lines ?? 1_000_000);
  const modules = Math.max(1, Math.round(lines / 1000));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-crate-memory-'));
  try {
    const src = path.join(root, 'src');
    fs.mkdirSync(src);
    for (let i = 0; i < modules; i++) {
      fs.writeFileSync(path.join(src, `m${i}.rs`), generateRust(fnsForLines(1000), i + 1).text);
    }
    const workspace = require(out('lsp', 'workspace.js')) as WorkspaceModule;
    const files = indexedFiles(src, modules, flags['no-cap'] ? null : workspace);
    const megabytes = files.reduce((sum, f) => sum + f.text.length, 0) / MiB;
    console.log(
      `${files.length} of ${modules} files (${megabytes.toFixed(1)} MB); load ${loadAverage()}`,
    );
    const { CrateJobs } = require(out('lsp', 'crateJobs.js')) as CrateJobsModule;
    // As in the index's worker, the jobs own this thread's parser.
    const jobs = new CrateJobs(undefined, [], null, true);
    const started = performance.now();
    const answer = await jobs.run({
      kind: 'analyze',
      root,
      files,
      edition: '2021',
      keepsReports: true,
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const count = Array.isArray(answer) ? answer.length : 0;
    console.log(`analysed in ${seconds} s (${count} reports); load ${loadAverage()}`);
    // The texts stay with the job's caller (the server), as in the worker.
    files.length = 0;
    console.log(memory('after the analysis'));
    // V8 gives back the pages a collection freed from other threads, a moment later.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    console.log(memory('a second later'));
    if (flags.snapshot) {
      writeHeapSnapshot(flags.snapshot);
      console.log(`heap snapshot: ${flags.snapshot}`);
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
