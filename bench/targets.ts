/**
 * The targets of issue 13 ("Incremental and bounded"), each measured as a row beside its target
 * and, where the issue asks for it, as a ratio against tree-sitter's parse of the same input in
 * the same run: typing into a file, crate-aware hints after one edit (and `cargo clippy` on the
 * same edit), the CLI on a whole crate, its peak memory, the server's memory with a large crate
 * indexed, and a scale table.
 *
 * The 1M-line rows take minutes: they run only with `--million`.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { fnsForLines, generateRust } from './generate';
import { ContentChange, LspClient } from './lspClient';
import { reparseTimes } from './reparseTimes';

type ParserModule = typeof import('../server/src/analysis/syntax/parser');
type SyntaxTreesModule = typeof import('../server/src/lsp/syntaxTrees');

export interface TargetRow {
  what: string;
  input: string;
  result: string;
  target: string;
}

export interface TargetOptions {
  repoRoot: string;
  serverBundle: string;
  cliBin: string;
  /** tokio's crate root (with Cargo.toml), or null when missing. */
  tokio: string | null;
  /** Include the 1M-line crate (CLI, scale table, server memory). */
  million: boolean;
  /** Only the CLI rows (tokio, the scale table, `--jobs 2`): no typing, clippy or server rows. */
  cliOnly?: boolean;
  /** Only the server's memory with the generated crate indexed (100k lines; 1M with `million`). */
  serverMemoryOnly?: boolean;
  log: (message: string) => void;
}

/** Characters typed per typing run, as the issue measures it. */
const TYPED_CHARS = 200;
const PACE_MS = 100;
/** Pairs of edits (add a space, take it away) timed for crate-aware hints and clippy. */
const CRATE_EDITS = 2;
const INDEX_TIMEOUT_MS = 600_000;
/**
 * The 1M-line crate's first index: 10 min was not enough at a load of 14-33 (twice timed out);
 * the row measures memory, which a slow machine does not change.
 */
const MILLION_INDEX_TIMEOUT_MS = 2_400_000;
const TYPED_TEXT = 'let buffered_len = data.len() + offset * 2; ';

const MiB = 2 ** 20;
/** The generated "1M-line" crate has 996,000 lines: whole files of about 1,000 each. */
const MILLION = 900_000;

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const median = (values: readonly number[]) => quantile(values, 0.5);
const ms = (value: number) => (value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`);
const seconds = (value: number) => `${(value / 1000).toFixed(2)} s`;
const ratio = (value: number) => `${value.toFixed(2)}×`;
const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

/** `uptime`'s load averages (1, 5, 15 minutes), as the README quotes them. */
export function loadAverage(): string {
  const uptime = spawnSync('uptime', { encoding: 'utf8' }).stdout?.trim();
  const match = uptime ? /load average:\s*(.*)$/.exec(uptime) : null;
  return match
    ? match[1]
    : os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(', ');
}

/** The `.rs` files under `dir`, in code-unit order (the same on every machine). */
export function rustFilesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      files.push(...rustFilesUnder(full));
    } else if (entry.isFile() && entry.name.endsWith('.rs')) {
      files.push(full);
    }
  }
  return files.sort();
}

function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------
// Inputs

/** A generated crate of about `lines` lines: `lib.rs` declaring files of ~1,000 lines each. */
interface GeneratedCrate {
  root: string;
  lines: number;
  files: string[];
}

function generateCrate(parent: string, lines: number): GeneratedCrate {
  const root = path.join(parent, `crate-${lines}`);
  const src = path.join(root, 'src');
  fs.mkdirSync(src, { recursive: true });
  fs.writeFileSync(
    path.join(root, 'Cargo.toml'),
    '[package]\nname = "generated"\nversion = "0.1.0"\nedition = "2021"\n',
  );
  const modules = Math.max(1, Math.round(lines / 1000));
  const files: string[] = [];
  let total = 0;
  for (let i = 0; i < modules; i++) {
    const file = path.join(src, `m${i}.rs`);
    const generated = generateRust(fnsForLines(1000), i + 1);
    fs.writeFileSync(file, generated.text);
    files.push(file);
    total += generated.lines;
  }
  const lib = Array.from({ length: modules }, (_, i) => `pub mod m${i};\n`).join('');
  fs.writeFileSync(path.join(src, 'lib.rs'), lib);
  files.push(path.join(src, 'lib.rs'));
  return { root, lines: total + modules, files };
}

function crateLabel(lines: number): string {
  return lines >= 1e6 ? `${(lines / 1e6).toFixed(1)}M` : `${Math.round(lines / 1000)}k`;
}

// ---------------------------------------------------------------------------------------------
// Parse times, the unit every ratio is in

/** Cost of a task: wall time, and CPU time (user and system, every thread of the process). */
interface Cost {
  ms: number;
  cpuMs: number;
}

/**
 * Median of three parses of every file (after one warm-up), in wall and CPU time: on a loaded
 * machine the wall time measures the other processes too, the CPU time only this work.
 */
function parseCost(parser: ParserModule, files: readonly string[]): Cost {
  const texts = files.map((f) => fs.readFileSync(f, 'utf8'));
  const once = (): Cost => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (const text of texts) {
      parser.parseRust(text, 60_000).delete();
    }
    const used = process.cpuUsage(cpu);
    return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
  };
  once();
  const runs = [once(), once(), once()];
  return { ms: median(runs.map((r) => r.ms)), cpuMs: median(runs.map((r) => r.cpuMs)) };
}

// ---------------------------------------------------------------------------------------------
// CLI: wall time and peak RSS (GNU time's %M), median of runs

interface CliRun {
  ms: number;
  /** User and system CPU time of the process (GNU time's %U + %S), median; null without it. */
  cpuMs: number | null;
  peakBytes: number | null;
  status: number | null;
  /** The 1-minute load average at each run's start, to tell how busy the machine was. */
  loads: number[];
}

function cliRun(cliBin: string, dir: string, jobs: number, runs: number): CliRun {
  const times: number[] = [];
  const cpuTimes: number[] = [];
  const peaks: number[] = [];
  let status: number | null = 0;
  const loads: number[] = [];
  const timeBin = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  for (let run = 0; run < runs; run++) {
    const args = [cliBin, '--format', 'json', '--jobs', String(jobs), dir];
    loads.push(os.loadavg()[0]);
    const started = performance.now();
    const result = timeBin
      ? spawnSync(timeBin, ['-f', 'maxrss-kb %M cpu-s %U %S', process.execPath, ...args], {
          stdio: ['ignore', 'ignore', 'pipe'],
          encoding: 'utf8',
          maxBuffer: 64 * MiB,
        })
      : spawnSync(process.execPath, args, { stdio: 'ignore' });
    times.push(performance.now() - started);
    status = result.status;
    const kb = /maxrss-kb (\d+)/.exec(String(result.stderr ?? ''))?.[1];
    if (kb) {
      peaks.push(Number(kb) * 1024);
    }
    const cpu = /cpu-s ([\d.]+) ([\d.]+)/.exec(String(result.stderr ?? ''));
    if (cpu) {
      cpuTimes.push((Number(cpu[1]) + Number(cpu[2])) * 1000);
    }
  }
  return {
    ms: median(times),
    cpuMs: cpuTimes.length ? median(cpuTimes) : null,
    peakBytes: peaks.length ? Math.max(...peaks) : null,
    status,
    loads,
  };
}

/**
 * `--jobs 2` against `--jobs 1` in CPU time too, with the load around the runs: the CLI splits a
 * crate only onto the cores other processes leave free in its first moments (`cli/freeCores.ts`,
 * `/proc/stat` less its own CPU time), so on a busy 2-core machine a `--jobs 2` run is one
 * thread. `RUST_FUTURE_SIZE_IDLE_CORES=2` in the environment splits a crate large enough for it.
 */
function jobsNote(two: CliRun, one: CliRun): string {
  const cpu =
    two.cpuMs === null || one.cpuMs === null
      ? ''
      : `; CPU ${ratio(two.cpuMs / one.cpuMs)} (${seconds(two.cpuMs)} vs ${seconds(one.cpuMs)})`;
  const cores = os.availableParallelism();
  const loads = two.loads.map((load) => load.toFixed(2)).join(', ');
  // Forced free cores split only a crate large enough for it (`MIN_WEIGHT_PER_SHARE`).
  const forced = process.env.RUST_FUTURE_SIZE_IDLE_CORES
    ? `; free cores forced (RUST_FUTURE_SIZE_IDLE_CORES=${process.env.RUST_FUTURE_SIZE_IDLE_CORES})`
    : '';
  return `${cpu}; load average ${loads} at the \`--jobs 2\` runs' starts on ${cores} cores${forced}`;
}

/** The same ratio in CPU time, which the machine's load does not change as much. */
const cpuNote = (run: CliRun, parse: Cost) =>
  run.cpuMs === null
    ? ''
    : `; in CPU time ${ratio(run.cpuMs / parse.cpuMs)} ` +
      `(${seconds(run.cpuMs)} vs ${ms(parse.cpuMs)})`;

const exitNote = (run: CliRun) => (run.status === 0 ? '' : `; exit status ${run.status}`);
const rss = (bytes: number | null) => (bytes === null ? 'n/a' : `${(bytes / MiB).toFixed(0)} MiB`);

// ---------------------------------------------------------------------------------------------
// Keystroke to hints: typing TYPED_CHARS characters at one place, paced or back to back

interface Typing {
  latencies: number[];
  parseFloor: number[];
}

/** Where to type: the end of the `{` line of the async fn nearest the middle of the file. */
function typingPosition(text: string): { line: number; character: number } {
  const lines = text.split('\n');
  const middle = Math.floor(lines.length / 2);
  let best = -1;
  lines.forEach((line, i) => {
    if (/\basync fn\b/.test(line) && (best < 0 || Math.abs(i - middle) < Math.abs(best - middle))) {
      best = i;
    }
  });
  for (let i = Math.max(0, best); i < lines.length; i++) {
    if (lines[i].trimEnd().endsWith('{')) {
      return { line: i, character: lines[i].length };
    }
  }
  return { line: 0, character: 0 };
}

export function typingChanges(text: string): ContentChange[] {
  const at = typingPosition(text);
  const typed = TYPED_TEXT.repeat(Math.ceil(TYPED_CHARS / TYPED_TEXT.length)).slice(0, TYPED_CHARS);
  return [...typed].map((ch, i) => {
    const position = { line: at.line, character: at.character + i };
    return { range: { start: position, end: position }, text: ch };
  });
}

async function typeInto(
  client: LspClient,
  file: string,
  text: string,
  paceMs: number,
): Promise<number[]> {
  const uri = pathToFileURL(file).toString();
  const lines = lineCount(text) + 1;
  await client.open(uri, text);
  await client.inlayHints(uri, lines);
  const latencies: number[] = [];
  try {
    for (const change of typingChanges(text)) {
      const started = performance.now();
      void client.change(uri, [change]);
      await client.inlayHints(uri, lines);
      const elapsed = performance.now() - started;
      latencies.push(elapsed);
      if (paceMs > elapsed) {
        await sleep(paceMs - elapsed);
      }
    }
  } finally {
    await client.close(uri);
  }
  return latencies;
}

function typingRow(input: string, pace: string, typing: Typing): TargetRow {
  const { latencies, parseFloor } = typing;
  const p95 = quantile(latencies, 0.95);
  const floor95 = quantile(parseFloor, 0.95);
  return {
    what: `Keystroke → hints, p50 / p95 / max (${latencies.length} keys typed, ${pace})`,
    input,
    result:
      `${ms(median(latencies))} / ${ms(p95)} / ${ms(Math.max(...latencies))} ` +
      `(incremental parse alone p50 / p95 ${ms(median(parseFloor))} / ${ms(floor95)}: ` +
      `p95 = ${ratio(p95 / floor95)} the parse)`,
    target: 'p95 ≤ 16 ms, max ≤ 50 ms',
  };
}

export async function typingRows(
  options: TargetOptions,
  syntaxTrees: SyntaxTreesModule,
  scratch: string,
): Promise<TargetRow[]> {
  const inputs: { file: string; label: string }[] = [];
  if (options.tokio) {
    const namedPipe = path.join(options.tokio, 'src', 'net', 'windows', 'named_pipe.rs');
    if (fs.existsSync(namedPipe)) {
      const lines = lineCount(fs.readFileSync(namedPipe, 'utf8'));
      inputs.push({ file: namedPipe, label: `tokio \`named_pipe.rs\` (${lines} lines)` });
    }
  }
  const generated = generateRust(250, 13);
  const generatedFile = path.join(scratch, 'typing', 'src', 'lib.rs');
  fs.mkdirSync(path.dirname(generatedFile), { recursive: true });
  fs.writeFileSync(
    path.join(scratch, 'typing', 'Cargo.toml'),
    '[package]\nname = "typing"\nversion = "0.1.0"\nedition = "2021"\n',
  );
  fs.writeFileSync(generatedFile, generated.text);
  inputs.push({
    file: generatedFile,
    label: `generated (${generated.lines.toLocaleString('en-US')} lines, 250 async fns)`,
  });
  const rows: TargetRow[] = [];
  for (const input of inputs) {
    const text = fs.readFileSync(input.file, 'utf8');
    const parseFloor = reparseTimes(syntaxTrees, text, typingChanges(text));
    for (const [pace, paceMs] of [
      [`one key per ${PACE_MS} ms`, PACE_MS],
      ['back to back', 0],
    ] as const) {
      options.log(`targets: typing ${TYPED_CHARS} characters into ${input.label}, ${pace}`);
      const client = new LspClient(options.serverBundle, options.repoRoot);
      try {
        await client.initialize(pathToFileURL(path.dirname(path.dirname(input.file))).toString());
        const latencies = await typeInto(client, input.file, text, paceMs);
        rows.push(typingRow(input.label, pace, { latencies, parseFloor }));
      } finally {
        await client.dispose();
      }
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Crate-aware hints after one edit, and cargo clippy on the same crate and edit

/** A space added to (then taken from) the end of the typing line: it changes no answer. */
function toggleSpace(text: string, add: boolean): ContentChange {
  const at = typingPosition(text);
  const start = { line: at.line, character: at.character };
  return add
    ? { range: { start, end: start }, text: ' ' }
    : { range: { start, end: { line: at.line, character: at.character + 1 } }, text: '' };
}

async function crateAwareTimes(options: TargetOptions, file: string): Promise<number[]> {
  const text = fs.readFileSync(file, 'utf8');
  const uri = pathToFileURL(file).toString();
  const lines = lineCount(text) + 2;
  const client = new LspClient(options.serverBundle, options.repoRoot);
  const times: number[] = [];
  try {
    await client.initialize(pathToFileURL(options.tokio!).toString(), true);
    const firstIndex = client.nextRefresh(INDEX_TIMEOUT_MS);
    await client.open(uri, text);
    await client.inlayHints(uri, lines);
    await firstIndex;
    for (let i = 0; i < CRATE_EDITS * 2; i++) {
      const indexed = client.nextRefresh(INDEX_TIMEOUT_MS);
      const started = performance.now();
      void client.change(uri, [toggleSpace(text, i % 2 === 0)]);
      await indexed;
      await client.inlayHints(uri, lines);
      times.push(performance.now() - started);
    }
  } finally {
    await client.dispose();
  }
  return times;
}

/** A copy of tokio that `cargo clippy` can check offline: Debian's registry as crates.io. */
function clippyCopy(tokio: string, scratch: string): string {
  const copy = path.join(scratch, 'clippy-tokio');
  fs.cpSync(tokio, copy, { recursive: true });
  const manifest = path.join(copy, 'Cargo.toml');
  // Dev-dependencies are resolved even when unused; Debian's registry does not carry them all.
  const kept: string[] = [];
  let devSection = false;
  for (const line of fs.readFileSync(manifest, 'utf8').split('\n')) {
    if (line.startsWith('[')) {
      devSection = line.includes('dev-dependencies');
    }
    if (!devSection) {
      kept.push(line);
    }
  }
  fs.writeFileSync(manifest, kept.join('\n'));
  fs.mkdirSync(path.join(copy, '.cargo'));
  fs.writeFileSync(
    path.join(copy, '.cargo', 'config.toml'),
    '[source.crates-io]\nreplace-with = "debian"\n' +
      `[source.debian]\ndirectory = "${path.dirname(tokio)}"\n[net]\noffline = true\n`,
  );
  return copy;
}

/** Median wall time of `cargo clippy` after the same one-space edits; why not, when it fails. */
function clippyAfterEdit(tokio: string, scratch: string, relative: string): number | string {
  const copy = clippyCopy(tokio, scratch);
  const clippy = () => {
    const started = performance.now();
    const result = spawnSync(
      'cargo',
      // tokio 1.24 trips a deny-by-default lint of today's clippy (`never_loop`): capped to a
      // warning, so clippy finishes and its time is the whole check.
      [
        ...['clippy', '--offline', '--quiet', '--features', 'full', '--'],
        ...['--cap-lints', 'warn', '-W', 'clippy::large_futures'],
      ],
      { cwd: copy, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 600_000 },
    );
    return { ms: performance.now() - started, result };
  };
  const first = clippy();
  if (first.result.error || first.result.status !== 0) {
    const detail =
      first.result.error?.message ?? first.result.stderr.trim().split('\n').pop() ?? '';
    return `cargo clippy failed offline: ${detail}`;
  }
  const file = path.join(copy, relative);
  const original = fs.readFileSync(file, 'utf8');
  const times: number[] = [];
  for (let i = 0; i < CRATE_EDITS * 2; i++) {
    const document = TextDocument.create('file:///x.rs', 'rust', 1, fs.readFileSync(file, 'utf8'));
    const edited = TextDocument.applyEdits(document, [
      { range: toggleSpace(original, i % 2 === 0).range!, newText: i % 2 === 0 ? ' ' : '' },
    ]);
    fs.writeFileSync(file, edited);
    times.push(clippy().ms);
  }
  return median(times);
}

async function crateAwareRows(
  options: TargetOptions,
  scratch: string,
  tokioParseMs: number,
): Promise<TargetRow[]> {
  const tokio = options.tokio!;
  // A file every build compiles (`named_pipe.rs` is Windows-only: clippy would not check it again).
  const relative = path.join('src', 'net', 'tcp', 'stream.rs');
  options.log(
    `targets: crate-aware hints after one edit in tokio ${relative}, ${CRATE_EDITS * 2} edits`,
  );
  const times = await crateAwareTimes(options, path.join(tokio, relative));
  const aware = median(times);
  options.log('targets: cargo clippy --features full on a copy of tokio, the same edits');
  const clippy = clippyAfterEdit(tokio, scratch, relative);
  const input = `${path.basename(tokio)}, an edit in \`${relative}\``;
  return [
    {
      what:
        'Crate-aware hints after one edit (didChange → refresh → hints; ' +
        `median of ${times.length}, max)`,
      input,
      result:
        `${ms(aware)} (max ${ms(Math.max(...times))}; ` +
        `${ratio(aware / tokioParseMs)} the crate's parse)`,
      target: '≤ 100 ms',
    },
    {
      what:
        '`cargo clippy --features full -W clippy::large_futures` after the same edit ' +
        '÷ crate-aware hints',
      input,
      result:
        typeof clippy === 'string'
          ? `n/a (${clippy})`
          : `${ratio(clippy / aware)} (clippy ${seconds(clippy)}, median of ${CRATE_EDITS * 2})`,
      target: '≥ 20×',
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// CLI on whole crates, and the scale table

function tokioCliRows(
  options: TargetOptions,
  parser: ParserModule,
): {
  rows: TargetRow[];
  parseMs: number;
} {
  const tokio = options.tokio!;
  const files = rustFilesUnder(path.join(tokio, 'src'));
  const parse = parseCost(parser, files);
  const parseMs = parse.ms;
  options.log('targets: CLI on the whole tokio crate, --jobs 1');
  // `src/`: the files the parse is timed on (the package folder adds tests and examples).
  const run = cliRun(options.cliBin, path.join(tokio, 'src'), 1, 3);
  return {
    parseMs,
    rows: [
      {
        what: 'CLI on a whole crate (its `src/`) ÷ parse time (`--jobs 1`, median of 3)',
        input: `${path.basename(tokio)} (${files.length} files)`,
        result:
          `${ratio(run.ms / parseMs)} ` +
          `(CLI ${seconds(run.ms)}, parse ${ms(parseMs)}${exitNote(run)})${cpuNote(run, parse)}`,
        target: '≤ 1.5×',
      },
      tokioJobsRow(options, tokio, run),
    ],
  };
}

/** The same crate on two workers: they split its files (each indexing the whole crate). */
function tokioJobsRow(options: TargetOptions, tokio: string, one: CliRun): TargetRow {
  options.log('targets: CLI on the whole tokio crate, --jobs 2');
  const two = cliRun(options.cliBin, path.join(tokio, 'src'), 2, 3);
  return {
    what: 'CLI `--jobs 2` ÷ `--jobs 1` wall time (median of 3)',
    input: `${path.basename(tokio)} \`src/\``,
    result:
      `${ratio(two.ms / one.ms)} ` +
      `(${seconds(two.ms)}, ${rss(two.peakBytes)} vs ${seconds(one.ms)}, ${rss(one.peakBytes)}` +
      `${exitNote(two)}${jobsNote(two, one)})`,
    target: '',
  };
}

interface ScalePoint {
  crate: GeneratedCrate;
  parseMs: number;
  parse: Cost;
  cli: CliRun;
}

function scalePoint(
  options: TargetOptions,
  parser: ParserModule,
  scratch: string,
  lines: number,
): ScalePoint {
  const crate = generateCrate(scratch, lines);
  options.log(`targets: CLI --jobs 1 on a generated ${crateLabel(crate.lines)}-line crate`);
  const parse = parseCost(parser, crate.files);
  const cli = cliRun(options.cliBin, crate.root, 1, lines >= 1e6 ? 1 : 3);
  return { crate, parseMs: parse.ms, parse, cli };
}

function scaleRows(points: ScalePoint[]): TargetRow[] {
  const first = points[0];
  return points.map((point) => {
    const growth = point.cli.ms / first.cli.ms / (point.crate.lines / first.crate.lines);
    return {
      what: 'Scale: CLI `--jobs 1` wall time, peak RSS, ÷ parse',
      input:
        `generated crate, ${point.crate.lines.toLocaleString('en-US')} lines ` +
        `(${point.crate.files.length} files)`,
      result:
        `${seconds(point.cli.ms)}, ${rss(point.cli.peakBytes)}, ` +
        `${ratio(point.cli.ms / point.parseMs)} the parse (${ms(point.parseMs)})` +
        `${cpuNote(point.cli, point.parse)}; ` +
        `time per line ${ratio(growth)} the 10k crate's${exitNote(point.cli)}`,
      target:
        point.crate.lines >= MILLION
          ? '≤ 2× parse; ≤ 500 MB; per-line time ≤ 1× 10k'
          : 'per-line time ≤ 1× 10k',
    };
  });
}

function jobsRow(options: TargetOptions, point: ScalePoint): TargetRow {
  options.log(`targets: CLI --jobs 2 on the ${crateLabel(point.crate.lines)}-line crate`);
  const two = cliRun(options.cliBin, point.crate.root, 2, 3);
  return {
    what: 'CLI `--jobs 2` ÷ `--jobs 1` wall time (median of 3)',
    input: `generated crate, ${point.crate.lines.toLocaleString('en-US')} lines`,
    result:
      `${ratio(two.ms / point.cli.ms)} ` +
      `(${seconds(two.ms)} vs ${seconds(point.cli.ms)}${exitNote(two)}` +
      `${jobsNote(two, point.cli)})`,
    target: '≤ 0.6×',
  };
}

/**
 * How much of the crate the server's index covers when the crate is above its cap (the first files
 * within `MAX_CRATE_FILES` and `MAX_CRATE_BYTES`, as `workspace.ts` takes them), else nothing.
 */
function cappedNote(options: TargetOptions, crate: GeneratedCrate): string {
  const workspace = require(
    path.join(options.repoRoot, 'server', 'out', 'lsp', 'workspace.js'),
  ) as { MAX_CRATE_FILES: number; MAX_CRATE_BYTES: number };
  let bytes = 0;
  let covered = 0;
  for (const file of crate.files) {
    const size = fs.statSync(file).size;
    if (covered >= workspace.MAX_CRATE_FILES || bytes + size > workspace.MAX_CRATE_BYTES) {
      break;
    }
    bytes += size;
    covered++;
  }
  return covered < crate.files.length
    ? ` (the index's cap: about ${covered} of ${crate.files.length} files indexed)`
    : '';
}

/** How long after the crate index's answer the server's RSS is read again. */
const SETTLE_MS = 30_000;

/** The server with one file of a crate open, once the crate index has answered. */
async function serverIndexedRow(options: TargetOptions, crate: GeneratedCrate): Promise<TargetRow> {
  options.log(`targets: server RSS with the ${crateLabel(crate.lines)}-line crate indexed`);
  const client = new LspClient(options.serverBundle, options.repoRoot);
  const file = crate.files[0];
  const text = fs.readFileSync(file, 'utf8');
  const uri = pathToFileURL(file).toString();
  try {
    await client.initialize(pathToFileURL(crate.root).toString(), true);
    const started = performance.now();
    const timeout = crate.lines >= MILLION ? MILLION_INDEX_TIMEOUT_MS : INDEX_TIMEOUT_MS;
    const indexed = client.nextRefresh(timeout);
    await client.open(uri, text);
    await client.inlayHints(uri, lineCount(text) + 1);
    await indexed;
    const elapsed = performance.now() - started;
    const memory = client.memory();
    // The index worker compacts its heap once it has answered, and V8 gives the freed pages back
    // later: the RSS the server then keeps (1M lines: 339 MiB after 5 s, 336 after 15, 197 after
    // 30 and 60).
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const settled = client.memory();
    return {
      what: `Server RSS, one file open and its crate indexed: peak / after / ${SETTLE_MS / 1000} s later`,
      input:
        `generated crate, ${crate.lines.toLocaleString('en-US')} lines` +
        cappedNote(options, crate),
      result: memory
        ? `${rss(memory.peak)} / ${rss(memory.current)} / ${rss(settled?.current ?? NaN)} ` +
          `(indexed in ${seconds(elapsed)})`
        : 'n/a (no /proc)',
      target: crate.lines >= MILLION ? '≤ 300 MB' : '',
    };
  } finally {
    await client.dispose();
  }
}

// ---------------------------------------------------------------------------------------------

export async function targetsSection(options: TargetOptions): Promise<TargetRow[]> {
  const parser = require(
    path.join(options.repoRoot, 'server', 'out', 'analysis', 'syntax', 'parser.js'),
  ) as ParserModule;
  const syntaxTrees = require(
    path.join(options.repoRoot, 'server', 'out', 'lsp', 'syntaxTrees.js'),
  ) as SyntaxTreesModule;
  const rows: TargetRow[] = [
    {
      what: 'Load average (1, 5, 15 min) before these rows',
      input: '',
      result: loadAverage(),
      target: '',
    },
  ];
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rust-future-size-targets-'));
  if (options.serverMemoryOnly) {
    try {
      const lines = options.million ? 1_000_000 : 100_000;
      rows.push(await serverIndexedRow(options, generateCrate(scratch, lines)));
      rows.push({ what: 'Load average after', input: '', result: loadAverage(), target: '' });
      return rows;
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
  try {
    const serverAvailable = !options.cliOnly && fs.existsSync(options.serverBundle);
    if (serverAvailable) {
      rows.push(...(await typingRows(options, syntaxTrees, scratch)));
    }
    if (options.tokio) {
      const tokio = tokioCliRows(options, parser);
      rows.push(...tokio.rows);
      if (serverAvailable) {
        rows.push(...(await crateAwareRows(options, scratch, tokio.parseMs)));
      }
    }
    const sizes = options.million ? [10_000, 100_000, 1_000_000] : [10_000, 100_000];
    const points = sizes.map((lines) => scalePoint(options, parser, scratch, lines));
    rows.push(...scaleRows(points));
    rows.push(jobsRow(options, points[1]));
    if (serverAvailable) {
      rows.push(await serverIndexedRow(options, points[points.length - 1].crate));
    }
    if (!options.million) {
      rows.push({
        what: '1M-line rows (CLI ÷ parse, CLI peak RSS, server RSS indexed)',
        input: '',
        result: 'not run: pass `-- --million` (several minutes)',
        target: '≤ 2×; ≤ 500 MB; ≤ 300 MB',
      });
    }
    rows.push({
      what: 'Load average (1, 5, 15 min) after these rows',
      input: '',
      result: loadAverage(),
      target: '',
    });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return rows;
}
