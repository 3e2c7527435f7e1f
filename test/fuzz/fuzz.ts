/**
 * Fuzzes the analysis and `fix` with mutated real Rust files and checks what must hold for every
 * input: no crash, no file the analysis gives up on as a whole, no size below 0 or beyond what a
 * number can hold exactly, no small file slower than 2 s, no hang, no runaway memory.
 *
 *   npm run fuzz -- [--files N] [--seconds S] [--seed N] [--jobs N] [--corpus DIR] [--out DIR]
 *   npm run fuzz -- FILE...      (replays reproducers as they are)
 *
 * Stops at N files or S seconds, whichever comes first. Seeds are the `.rs` files with `async` under
 * --corpus (default: the Debian registry, else the test fixtures). Every file that breaks an
 * invariant is written to --out with a JSON line saying why, so it can be replayed and kept as a test.
 * Exits 1 when any invariant broke.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { Worker } from 'worker_threads';
import type { DefectKind, FuzzJob, FuzzOutcome } from './fuzzWorker';
import { mutate, randomSource } from './mutate';
import { findUpwards } from '../support/repoPaths';

/** A file that takes longer than this is a hang: its worker is stopped and replaced. */
const HANG_MS = 20_000;
/** A worker's heap limit: more means the input made memory grow out of proportion. */
const WORKER_HEAP_MB = 1536;
const MAX_SEED_BYTES = 512 * 1024;

interface Options {
  files: number;
  seconds: number;
  seed: number;
  jobs: number;
  corpus: string[];
  out: string;
  /** Files to run as they are, instead of mutated seeds (reproducers of an earlier run). */
  replay: string[];
}

function readOptions(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      files: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '60' },
      seed: { type: 'string', default: '1' },
      jobs: { type: 'string', default: String(os.availableParallelism()) },
      corpus: { type: 'string', multiple: true },
      out: { type: 'string' },
    },
  });
  const count = (name: string, value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`--${name} must be a positive integer, not ${value}`);
    return n;
  };
  const seed = count('seed', values.seed!);
  return {
    files: count('files', values.files!),
    seconds: count('seconds', values.seconds!),
    seed,
    jobs: count('jobs', values.jobs!),
    corpus: values.corpus ?? defaultCorpus(),
    out: values.out ?? path.join(os.tmpdir(), `rust-future-size-fuzz-${seed}`),
    replay: positionals,
  };
}

function defaultCorpus(): string[] {
  const registry = process.env.RUST_FUTURE_SIZE_REGISTRY ?? '/usr/share/cargo/registry';
  const roots = fs.existsSync(registry) ? [registry] : [];
  const repo = findUpwards(__dirname, (dir) => fs.existsSync(path.join(dir, 'package.json')));
  return [...roots, ...(repo ? [path.join(repo, 'test', 'fixtures')] : [])];
}

function rustFilesWithAsync(dirs: string[]): { file: string; text: string }[] {
  const found: { file: string; text: string }[] = [];
  const visit = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'target') {
        visit(full);
      } else if (
        entry.isFile() &&
        entry.name.endsWith('.rs') &&
        fs.statSync(full).size <= MAX_SEED_BYTES
      ) {
        const text = fs.readFileSync(full, 'utf8');
        if (text.includes('async')) found.push({ file: full, text });
      }
    }
  };
  dirs.forEach(visit);
  return found.sort((a, b) => a.file.localeCompare(b.file));
}

interface Defect {
  kind: DefectKind;
  detail: string;
  seedFile: string;
  reproducer: string;
}

/** A worker thread with the job it is running, replaced when it dies or hangs. */
class Slot {
  private worker!: Worker;
  private ready!: Promise<void>;
  constructor(private readonly script: string) {
    this.start();
  }

  private start(): void {
    this.worker = new Worker(this.script, {
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('message', () => resolve());
      this.worker.once('error', reject);
    });
  }

  /** Runs one job; a hang, a thrown error or an exit of the worker is an outcome too. */
  async run(job: FuzzJob): Promise<FuzzOutcome> {
    await this.ready;
    const worker = this.worker;
    const failed = (kind: DefectKind, detail: string): FuzzOutcome => ({
      id: job.id,
      analysisMs: 0,
      fixMs: 0,
      futures: 0,
      defects: [{ kind, detail }],
    });
    const outcome = await new Promise<FuzzOutcome>((resolve) => {
      const timer = setTimeout(
        () => resolve(failed('hang', `no answer within ${HANG_MS / 1000} s`)),
        HANG_MS,
      );
      const settle = (result: FuzzOutcome) => {
        clearTimeout(timer);
        worker.removeAllListeners('message');
        worker.removeAllListeners('error');
        worker.removeAllListeners('exit');
        resolve(result);
      };
      worker.on('message', (message: FuzzOutcome) => settle(message));
      worker.on('error', (error: Error & { code?: string }) =>
        settle(
          failed(
            error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'crash',
            `worker died: ${error.message}`,
          ),
        ),
      );
      worker.on('exit', (code) => settle(failed('crash', `worker exited with ${code}`)));
      worker.postMessage(job);
    });
    if (
      outcome.defects.some(
        (d) => d.kind === 'hang' || d.kind === 'memory' || /^worker /.test(d.detail),
      )
    ) {
      await worker.terminate();
      this.start();
    }
    return outcome;
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2));
  const replaying = options.replay.length > 0;
  const seeds = replaying
    ? options.replay.map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }))
    : rustFilesWithAsync(options.corpus);
  if (seeds.length === 0)
    throw new Error(`no .rs file with \`async\` under ${options.corpus.join(', ')}`);
  fs.mkdirSync(options.out, { recursive: true });
  const random = randomSource(options.seed);
  const started = Date.now();
  const deadline = started + options.seconds * 1000;
  const slots = Array.from(
    { length: options.jobs },
    () => new Slot(path.join(__dirname, 'fuzzWorker.js')),
  );
  const defects: Defect[] = [];
  const times: number[] = [];
  let done = 0;
  let bytes = 0;
  let futures = 0;
  let next = 0;

  const drive = async (slot: Slot) => {
    while (replaying ? next < seeds.length : next < options.files && Date.now() < deadline) {
      const id = next++;
      const seed = replaying ? seeds[id]! : seeds[Math.floor(random() * seeds.length)]!;
      const text = replaying ? seed.text : mutate(seed.text, random);
      const outcome = await slot.run({ id, file: `fuzz-${id}.rs`, text });
      done++;
      bytes += text.length;
      futures += outcome.futures;
      times.push(outcome.analysisMs + outcome.fixMs);
      if (replaying) {
        console.log(
          `${seed.file}: analysis ${outcome.analysisMs.toFixed(0)} ms, fix ${outcome.fixMs.toFixed(0)} ms, ${outcome.futures} futures`,
        );
      }
      if (outcome.defects.length > 0) {
        const reproducer = replaying
          ? seed.file
          : path.join(options.out, `fuzz-${options.seed}-${id}.rs`);
        if (!replaying) fs.writeFileSync(reproducer, text);
        for (const defect of outcome.defects)
          defects.push({ ...defect, seedFile: seed.file, reproducer });
      }
    }
  };
  await Promise.all(slots.map(drive));
  await Promise.all(slots.map((slot) => slot.stop()));

  const seconds = (Date.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const byKind = new Map<DefectKind, number>();
  for (const defect of defects) byKind.set(defect.kind, (byKind.get(defect.kind) ?? 0) + 1);
  fs.writeFileSync(
    path.join(options.out, 'defects.jsonl'),
    defects.map((d) => JSON.stringify(d)).join('\n') + (defects.length ? '\n' : ''),
  );
  console.log(
    `fuzz: ${done} files (${(bytes / 2 ** 20).toFixed(1)} MiB, ${futures} futures) from ${seeds.length} seeds, seed ${options.seed}, ${options.jobs} workers, ${seconds.toFixed(0)} s; load average ${os.loadavg()[0]!.toFixed(2)}`,
  );
  console.log(
    `per file (analysis + fix): p50 ${quantile(times, 0.5).toFixed(1)} ms, p99 ${quantile(times, 0.99).toFixed(1)} ms, max ${(times[times.length - 1] ?? 0).toFixed(0)} ms`,
  );
  const kinds: DefectKind[] = [
    'crash',
    'whole-file failure',
    'impossible size',
    'slow',
    'hang',
    'memory',
  ];
  console.log(kinds.map((kind) => `${kind}: ${byKind.get(kind) ?? 0}`).join(', '));
  for (const defect of defects.slice(0, 20)) {
    console.log(
      `  ${defect.kind}: ${defect.detail.slice(0, 160)}\n    ${defect.reproducer} (from ${defect.seedFile})`,
    );
  }
  if (defects.length > 0) {
    console.log(`reproducers and defects.jsonl in ${options.out}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(`fuzz: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
});
