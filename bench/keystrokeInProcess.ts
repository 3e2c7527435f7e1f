/**
 * The server's per-keystroke work replayed in this process, as `documents.ts` and `inlayHints.ts`
 * run it: the incremental re-parse, `analyzeSource` with the document's walk cache, and the hints
 * of the whole file. Times each key (p50 / p95 / max), optionally profiles them (`--profile`:
 * inclusive time per function), and with `--check` compares every key's report with a fresh
 * analysis of the same text.
 *
 *   node bench/out/keystrokeInProcess.js [--profile] [--check] [--keys N] [--input pipe|generated]
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { generateRust } from './generate';
import { CpuProfile, profile, summarise } from './profile';
import { typingChanges } from './targets';

type EngineModule = typeof import('../server/src/analysis/engine');
type SyntaxTreesModule = typeof import('../server/src/lsp/syntaxTrees');

const repoRoot = path.resolve(__dirname, '..', '..');
/** `ENGINE_ROOT=DIR`: the server build of another checkout, to compare two builds alike. */
const engineRoot = process.env.ENGINE_ROOT ?? repoRoot;
const out = (...parts: string[]) => path.join(engineRoot, 'server', 'out', ...parts);
const engine = require(out('analysis', 'engine.js')) as EngineModule;
const syntaxTrees = require(out('lsp', 'syntaxTrees.js')) as SyntaxTreesModule;
const NAMED_PIPE = '/usr/share/cargo/registry/tokio-1.24.2/src/net/windows/named_pipe.rs';

const { values: flags } = parseArgs({
  options: {
    profile: { type: 'boolean' },
    check: { type: 'boolean' },
    keys: { type: 'string' },
    input: { type: 'string' },
    rounds: { type: 'string' },
  },
});

interface Input {
  label: string;
  file: string;
  text: string;
}

function inputs(): Input[] {
  const all: Input[] = [];
  if (fs.existsSync(NAMED_PIPE)) {
    all.push({ label: 'pipe', file: NAMED_PIPE, text: fs.readFileSync(NAMED_PIPE, 'utf8') });
  }
  all.push({
    label: 'generated',
    file: '/tmp/typing/src/lib.rs',
    text: generateRust(250, 13).text,
  });
  return all.filter((i) => !flags.input || i.label === flags.input);
}

/** Types the bench's keys into `input`; returns each key's time after the first 10. */
function typeKeys(input: Input, keys: number, check: boolean): number[] {
  cpuTimes = [];
  const trees = new syntaxTrees.SyntaxTrees();
  const cache = new engine.WalkCache();
  let document = TextDocument.create(`file://${input.file}`, 'rust', 1, input.text);
  const analyse = () => {
    const tree = trees.treeFor(document, 1000);
    const report = engine.analyzeSource(document.getText(), {
      file: input.file,
      edition: '2021',
      parseBudgetMs: 1000,
      walkCache: cache,
      tree,
    });
    cache.sweep();
    return report;
  };
  analyse();
  const times: number[] = [];
  let cpuMicros = 0;
  const changes = typingChanges(input.text).slice(0, keys + 10);
  try {
    for (const [i, change] of changes.entries()) {
      trees.recordChanges(document, [change]);
      document = TextDocument.update(document, [change], document.version + 1);
      const started = performance.now();
      const cpu = process.cpuUsage();
      const report = analyse();
      if (i >= 10) {
        times.push(performance.now() - started);
        const used = process.cpuUsage(cpu);
        cpuMicros += used.user + used.system;
        cpuTimes.push((used.user + used.system) / 1000);
      }
      if (check) {
        const fresh = engine.analyzeSource(document.getText(), {
          file: input.file,
          edition: '2021',
          parseBudgetMs: 1000,
        });
        if (JSON.stringify(fresh) !== JSON.stringify(report)) {
          throw new Error(`key ${i}: the report differs from a fresh analysis`);
        }
      }
    }
  } finally {
    trees.forget(document.uri);
    cache.dispose();
  }
  cpuPerKey = cpuMicros / 1000 / times.length;
  return times;
}

/** CPU time of the process per key in the last typing (threads included), in milliseconds. */
let cpuPerKey = 0;
/** Each key's CPU time in the last typing (threads included), in milliseconds. */
let cpuTimes: number[] = [];

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

/** Inclusive time per function (each sample counted once per distinct function on its stack). */
function inclusive(cpu: CpuProfile): [string, number][] {
  const byId = new Map(cpu.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of cpu.nodes) {
    for (const c of n.children ?? []) {
      parent.set(c, n.id);
    }
  }
  const totals = new Map<string, number>();
  let total = 0;
  cpu.samples.forEach((id, i) => {
    const us = cpu.timeDeltas[i + 1] ?? 0;
    if (byId.get(id)?.callFrame.functionName === '(idle)') {
      return;
    }
    total += us;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      const where = `${path.basename(frame.url)}:${frame.lineNumber + 1}`;
      const label = `${frame.functionName || '(anon)'} ${where}`;
      if (!seen.has(label)) {
        seen.add(label);
        totals.set(label, (totals.get(label) ?? 0) + us);
      }
    }
  });
  return [...totals]
    .map(([l, us]) => [l, us / total] as [string, number])
    .sort((a, b) => b[1] - a[1]);
}

async function main(): Promise<void> {
  await engine.initAnalysis();
  const keys = Number(flags.keys ?? 200);
  const rounds = Number(flags.rounds ?? 1);
  for (const input of inputs()) {
    for (let round = 0; round < rounds; round++) {
      let times: number[] = [];
      const work = () => {
        times = typeKeys(input, keys, flags.check ?? false);
      };
      if (flags.profile) {
        const cpu = await profile(work, 500);
        console.log(`${input.label}: inclusive share of busy time`);
        for (const [label, share] of inclusive(cpu).slice(0, 60)) {
          console.log(`  ${(share * 100).toFixed(1).padStart(5)}%  ${label}`);
        }
        const summary = summarise(cpu, repoRoot);
        console.log(`${input.label}: self time, charged to the server's own callers`);
        for (const f of summary.byOwnCaller.slice(0, 45)) {
          console.log(`  ${((f.ms / summary.totalMs) * 100).toFixed(1).padStart(5)}%  ${f.label}`);
        }
      } else {
        work();
      }
      const sum = times.reduce((a, b) => a + b, 0);
      console.log(
        `${input.label}: ${times.length} keys, p50 ${quantile(times, 0.5).toFixed(2)} ms, ` +
          `p95 ${quantile(times, 0.95).toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms, ` +
          `mean ${(sum / times.length).toFixed(2)} ms, CPU ${cpuPerKey.toFixed(2)} ms per key ` +
          `(p50 ${quantile(cpuTimes, 0.5).toFixed(2)}, p95 ${quantile(cpuTimes, 0.95).toFixed(2)}, ` +
          `max ${Math.max(...cpuTimes).toFixed(2)})`,
      );
    }
  }
}

void main();
