/**
 * `npm run bench`: how fast the analysis is next to tree-sitter's own parse, how quickly the language
 * server answers after a keystroke or an open, how much memory it needs, and how long the CLI takes.
 * Prints a Markdown table (and, when the analysis costs more than the parse, a profile of it).
 * There is no pass/fail: the numbers are for people and for review.
 *
 *   npm run bench [-- --profile] [-- --no-profile] [-- --edits N] [-- --rounds N] [-- --million]
 *                 [-- --targets-only] [-- --dependencies-only] [-- --cli-only]
 *                 [-- --server-memory-only]
 *
 * The rows of issue 13's targets (targets.ts) come next to last; `--million` adds their 1M-line
 * rows (minutes), `--targets-only` prints only them and issue 14's dependency rows
 * (dependencies.ts), which come last; `--dependencies-only` prints only those, `--cli-only`
 * only the CLI rows of issue 13's targets, `--server-memory-only` only the server's RSS with the
 * generated 100k-line crate indexed (1M lines with `--million`).
 *
 * Inputs: tokio 1.24's `src/` from Debian's librust-tokio-dev (installed with apt-get when missing),
 * and files made by generate.ts. Progress goes to stderr, results to stdout.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { parseArgs } from 'util';
import { fnsForLines, generateRust, random } from './generate';
import { fixCostRows } from './fixCost';
import { measureSection } from './measure';
import { ContentChange, LspClient } from './lspClient';
import { reparseTimes } from './reparseTimes';
import { profile, ProfileSummary, summarise } from './profile';
import { rustFilesUnder, targetsSection } from './targets';
import { dependencyRows } from './dependencies';

type EngineModule = typeof import('../server/src/analysis/engine');
type ParserModule = typeof import('../server/src/analysis/syntax/parser');
type SyntaxTreesModule = typeof import('../server/src/lsp/syntaxTrees');
type NodeFlagsModule = typeof import('../server/src/nodeFlags');

/** bench/out/run.js → the repository. */
const repoRoot = path.resolve(__dirname, '..', '..');
const engine = require(
  path.join(repoRoot, 'server', 'out', 'analysis', 'engine.js'),
) as EngineModule;
const parser = require(
  path.join(repoRoot, 'server', 'out', 'analysis', 'syntax', 'parser.js'),
) as ParserModule;
const syntaxTrees = require(
  path.join(repoRoot, 'server', 'out', 'lsp', 'syntaxTrees.js'),
) as SyntaxTreesModule;
const nodeFlags = require(path.join(repoRoot, 'server', 'out', 'nodeFlags.js')) as NodeFlagsModule;
const serverBundle = path.join(repoRoot, 'server', 'dist', 'server.js');
const cliBin = path.join(repoRoot, 'bin', 'rust-future-size.js');
const CARGO_REGISTRY = '/usr/share/cargo/registry';
const BUNDLE_MISSING = 'n/a (server bundle missing: run npm run bundle)';

const { values: flags } = parseArgs({
  options: {
    profile: { type: 'boolean' },
    'no-profile': { type: 'boolean' },
    edits: { type: 'string' },
    rounds: { type: 'string' },
    million: { type: 'boolean' },
    'targets-only': { type: 'boolean' },
    'dependencies-only': { type: 'boolean' },
    'cli-only': { type: 'boolean' },
    'server-memory-only': { type: 'boolean' },
  },
});
const EDITS = Number(flags.edits ?? 200);
const ROUNDS = Number(flags.rounds ?? 5);
/** Unmeasured edits first, so the numbers are not about the JIT warming up. */
const WARMUP_EDITS = 10;
/** Measured edits after which the server's JIT has compiled the incremental path (reported separately, not instead). */
const STEADY_AFTER = 50;
const CLI_RUNS = 3;
const REOPENS = 5;
const FRESH_STARTS = 5;

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

interface Source {
  /** Shown in the table. */
  name: string;
  path: string;
  text: string;
}

interface Row {
  what: string;
  input: string;
  result: string;
  target: string;
}

// ---------------------------------------------------------------------------------------------
// Inputs

/** tokio-1.x.y under the Cargo registry, newest first; null when none is installed. */
function findTokio(): string | null {
  let entries: string[];
  try {
    entries = fs.readdirSync(CARGO_REGISTRY);
  } catch {
    return null;
  }
  const versions = entries
    .map((name) => /^tokio-(1)\.(\d+)\.(\d+)$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .sort((a, b) => Number(b[2]) - Number(a[2]) || Number(b[3]) - Number(a[3]));
  return versions.length > 0 ? path.join(CARGO_REGISTRY, versions[0][0]) : null;
}

/** tokio's sources, installing Debian's librust-tokio-dev when missing; a reason string when impossible. */
function ensureTokio(): string | { reason: string } {
  const found = findTokio();
  if (found) {
    return found;
  }
  log('tokio sources not found; installing librust-tokio-dev with apt-get (apt-get update first)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update'],
    ['install', '-y', '--no-install-recommends', 'librust-tokio-dev'],
  ]) {
    const result = spawnSync('apt-get', args, {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
    if (result.error || result.status !== 0) {
      const detail =
        result.error?.message ?? result.stderr.trim().split('\n').pop() ?? `exit ${result.status}`;
      return { reason: `apt-get ${args[0]} failed: ${detail}` };
    }
  }
  return (
    findTokio() ?? { reason: `librust-tokio-dev installed no tokio-1.* under ${CARGO_REGISTRY}` }
  );
}

function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function bytesOf(sources: readonly Source[]): number {
  return sources.reduce((sum, source) => sum + Buffer.byteLength(source.text), 0);
}

// ---------------------------------------------------------------------------------------------
// Statistics and formatting

function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Nearest-rank quantile. */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function ms(value: number): string {
  return value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(2)} MB`;
}

function seconds(value: number): string {
  return `${(value / 1000).toFixed(2)} s`;
}

function thousands(n: number): string {
  return n.toLocaleString('en-US');
}

// ---------------------------------------------------------------------------------------------
// Engine: parse vs parse + analysis, in this process

interface Split {
  parseMs: number;
  fullMs: number;
  futures: number;
  skipped: number;
}

/** Median over `rounds` of: parsing every source, and analysing every source (which parses too). */
function measureSplit(sources: readonly Source[], rounds: number): Split {
  const parseOnly = () => {
    const started = performance.now();
    for (const source of sources) {
      parser.parseRust(source.text, 10_000).delete();
    }
    return performance.now() - started;
  };
  let futures = 0;
  let skipped = 0;
  const full = () => {
    futures = 0;
    skipped = 0;
    const started = performance.now();
    for (const source of sources) {
      const report = engine.analyzeSource(source.text, {
        file: source.name,
        edition: '2021',
        parseBudgetMs: 10_000,
      });
      futures += report.futures.length;
      skipped +=
        report.futures.filter((future) => future.skipped).length +
        report.notices.filter((n) => /skipped/.test(n)).length;
    }
    return performance.now() - started;
  };
  // Warm-up: the JIT, and the parser's first allocations.
  parseOnly();
  full();
  const parseTimes: number[] = [];
  const fullTimes: number[] = [];
  for (let round = 0; round < rounds; round++) {
    parseTimes.push(parseOnly());
    fullTimes.push(full());
  }
  return { parseMs: median(parseTimes), fullMs: median(fullTimes), futures, skipped };
}

function splitRows(
  label: string,
  sources: readonly Source[],
  split: Split,
  target: boolean,
): Row[] {
  const bytes = bytesOf(sources);
  const analysis = split.fullMs - split.parseMs;
  const perSecond = (time: number) => `${(bytes / 1e6 / (time / 1000)).toFixed(2)} MB/s`;
  return [
    {
      what: 'Parse only (tree-sitter)',
      input: label,
      result: `${ms(split.parseMs)} (${perSecond(split.parseMs)})`,
      target: '',
    },
    {
      what: 'Parse + analysis (`analyzeSource`)',
      input: label,
      result: `${ms(split.fullMs)} (${perSecond(split.fullMs)}; ${thousands(split.futures)} futures${split.skipped ? `, ${split.skipped} skipped` : ''})`,
      target: '',
    },
    {
      what: 'Analysis time ÷ parse time',
      input: label,
      result: `${(analysis / split.parseMs).toFixed(2)}× (analysis ${ms(analysis)})`,
      target: target ? '≤ 1×' : '',
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Language server, through the protocol

interface Keystrokes {
  latencies: number[];
  medianHints: number;
  emptyAnswers: number;
}

/**
 * `edits` single-character edits at random places (after `WARMUP_EDITS` unmeasured ones), in pairs:
 * type `x`, then delete it again, so the file stays the one being measured instead of decaying into
 * noise. The same seed gives the same edits to the server and to the parse-only replay.
 */
function editSequence(text: string, edits: number, seed: number): ContentChange[] {
  const lines = text.split('\n');
  const next = random(seed);
  const changes: ContentChange[] = [];
  for (let i = 0; i < WARMUP_EDITS + edits; i += 2) {
    const line = Math.floor(next() * lines.length);
    const character = Math.floor(next() * (lines[line].length + 1));
    const at = { line, character };
    changes.push(
      { range: { start: at, end: at }, text: 'x' },
      { range: { start: at, end: { line, character: character + 1 } }, text: '' },
    );
  }
  return changes;
}

/** Each edit followed by an inlay-hint request for the whole file, timed from sending the change to receiving the hints. */
async function keystrokes(
  client: LspClient,
  uri: string,
  text: string,
  edits: number,
  seed: number,
): Promise<Keystrokes> {
  const lineCount = text.split('\n').length;
  await client.open(uri, text);
  await client.inlayHints(uri, lineCount);
  const latencies: number[] = [];
  const hintCounts: number[] = [];
  let emptyAnswers = 0;
  for (const [i, change] of editSequence(text, edits, seed).entries()) {
    const started = performance.now();
    void client.change(uri, [change]);
    const hints = await client.inlayHints(uri, lineCount);
    const elapsed = performance.now() - started;
    if (i >= WARMUP_EDITS) {
      latencies.push(elapsed);
      hintCounts.push(hints?.length ?? 0);
      emptyAnswers += hints && hints.length > 0 ? 0 : 1;
    }
  }
  await client.close(uri);
  return { latencies, medianHints: median(hintCounts), emptyAnswers };
}

/** The server's memory once its peak has not grown for `quietMs` (at most `maxMs`). */
async function settledMemory(
  client: LspClient,
  quietMs = 3000,
  maxMs = 60_000,
): Promise<{ peak: number; current: number } | null> {
  const started = performance.now();
  let last = client.memory();
  let stableSince = performance.now();
  while (last && performance.now() - stableSince < quietMs && performance.now() - started < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = client.memory();
    if (!now) {
      break;
    }
    if (now.peak !== last.peak) {
      stableSince = performance.now();
    }
    last = now;
  }
  return last;
}

async function startServer(rootDir: string | null): Promise<LspClient> {
  const client = new LspClient(serverBundle, repoRoot);
  await client.initialize(rootDir ? pathToFileURL(rootDir).toString() : null);
  return client;
}

/** Median time of `analyzeSource` on `text` in this process: the part of a keystroke that is the engine's. */
function engineTime(text: string): number {
  const times: number[] = [];
  for (let i = 0; i < 11; i++) {
    const started = performance.now();
    engine.analyzeSource(text, { file: 'edited.rs', edition: '2021', parseBudgetMs: 10_000 });
    times.push(performance.now() - started);
  }
  return median(times.slice(1));
}

function keystrokeRow(
  input: string,
  result: Keystrokes,
  text: string,
  seed: number,
  target: string,
): Row {
  const { latencies } = result;
  const empty = result.emptyAnswers > 0 ? `; ${result.emptyAnswers} answers without hints` : '';
  const floor = reparseTimes(
    syntaxTrees,
    text,
    editSequence(text, latencies.length, seed),
    WARMUP_EDITS,
  );
  // The server's JIT is still compiling the incremental path over the first few dozen edits.
  const steady = latencies.slice(STEADY_AFTER);
  return {
    what: `Keystroke → inlay hints, p50 / p95 / max (${latencies.length} edits)`,
    input,
    result:
      `${ms(median(latencies))} / ${ms(quantile(latencies, 0.95))} / ${ms(Math.max(...latencies))} ` +
      `(${result.medianHints} hints${empty}; after the first ${STEADY_AFTER} edits: ${ms(median(steady))} / ${ms(quantile(steady, 0.95))} / ${ms(Math.max(...steady))}; ` +
      `incremental parse alone: ${ms(median(floor))} / ${ms(quantile(floor, 0.95))} / ${ms(Math.max(...floor))}; ` +
      `whole-file \`analyzeSource\`: ${ms(engineTime(text))})`,
    target,
  };
}

// ---------------------------------------------------------------------------------------------
// CLI

function cliWallTime(dir: string, jobs: number): { ms: number; status: number | null } {
  const times: number[] = [];
  let status: number | null = 0;
  for (let run = 0; run < CLI_RUNS; run++) {
    const started = performance.now();
    const result = spawnSync(
      process.execPath,
      [cliBin, '--format', 'json', '--jobs', String(jobs), dir],
      { stdio: 'ignore' },
    );
    times.push(performance.now() - started);
    status = result.status;
  }
  return { ms: median(times), status };
}

// ---------------------------------------------------------------------------------------------
// Profile

function profileSection(title: string, summary: ProfileSummary, top = 15): string {
  const share = (value: number) => `${((100 * value) / summary.totalMs).toFixed(1)}%`;
  const table = (header: string, rows: { label: string; ms: number }[]) =>
    [
      `| ${header} | ms | share |`,
      '| --- | ---: | ---: |',
      ...rows.map(
        (row) => `| ${row.label.replace(/\|/g, '\\|')} | ${row.ms.toFixed(0)} | ${share(row.ms)} |`,
      ),
    ].join('\n');
  return [
    `### ${title} (${ms(summary.totalMs)} sampled)`,
    '',
    table('Self time, by function', summary.functions.slice(0, top)),
    '',
    table(
      'Self time, by file or library',
      summary.files.slice(0, 10).map((f) => ({ label: f.file, ms: f.ms })),
    ),
    '',
    table(
      'Time charged to the innermost engine function (own code + the tree-sitter calls it makes)',
      summary.byOwnCaller.slice(0, top),
    ),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

function describeMachine(loadAtStart: number[]): string[] {
  const version = (pkg: string) => {
    try {
      return (
        JSON.parse(
          fs.readFileSync(path.join(repoRoot, 'node_modules', pkg, 'package.json'), 'utf8'),
        ) as { version: string }
      ).version;
    } catch {
      return '?';
    }
  };
  const git = (args: string[]) =>
    spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).stdout?.trim() ?? '';
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain']) !== '';
  const bundle = fs.existsSync(serverBundle)
    ? `built ${fs.statSync(serverBundle).mtime.toISOString().slice(0, 16).replace('T', ' ')} UTC`
    : 'missing';
  return [
    `Date: ${new Date().toISOString().slice(0, 10)}; commit ${commit || '?'}${dirty ? ' + local changes' : ''}; server bundle ${bundle}`,
    `Machine: ${os.cpus()[0]?.model.trim() ?? '?'}, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
      `1-minute load average ${loadAtStart[0].toFixed(2)} at start, ${os.loadavg()[0].toFixed(2)} at end`,
    `Node ${process.version}, web-tree-sitter ${version('web-tree-sitter')}, tree-sitter-rust ${version('tree-sitter-rust')}`,
  ];
}

/** What every section measures on: tokio's sources (when found) and two generated files. */
interface BenchInputs {
  tokio: string | null;
  tokioMissing: string;
  tokioSources: Source[];
  tokioLabel: string;
  largest: Source | null;
  largestLabel: string;
  bigSource: Source;
  bigLabel: string;
  editFile: GeneratedRust;
  editLabel: string;
}

type GeneratedRust = ReturnType<typeof generateRust>;

function benchInputs(): BenchInputs {
  const tokioRoot = ensureTokio();
  const tokio = typeof tokioRoot === 'string' ? tokioRoot : null;
  const tokioSources: Source[] = tokio
    ? rustFilesUnder(path.join(tokio, 'src')).map((file) => ({
        name: path.relative(tokio, file),
        path: file,
        text: fs.readFileSync(file, 'utf8'),
      }))
    : [];
  const tokioLabel = tokio
    ? `${path.basename(tokio)} \`src/\` (${tokioSources.length} files, ${thousands(tokioSources.reduce((n, s) => n + lineCount(s.text), 0))} lines, ${mb(bytesOf(tokioSources))})`
    : 'tokio';
  const largest = tokioSources.reduce<Source | null>(
    (best, s) => (!best || s.text.length > best.text.length ? s : best),
    null,
  );
  const big = generateRust(500);
  const editFile = generateRust(fnsForLines(2500), 7);
  return {
    tokio,
    tokioMissing: typeof tokioRoot === 'string' ? '' : `n/a (${tokioRoot.reason})`,
    tokioSources,
    tokioLabel,
    largest,
    largestLabel: largest
      ? `tokio \`${largest.name}\` (${thousands(lineCount(largest.text))} lines)`
      : 'tokio largest file',
    bigSource: { name: 'generated.rs', path: '', text: big.text },
    bigLabel: `generated (${thousands(big.lines)} lines, ${big.asyncFns} async fns)`,
    editFile,
    editLabel: `generated (${thousands(editFile.lines)} lines, ${editFile.asyncFns} async fns)`,
  };
}

/** Parse vs parse + analysis; returns analysis ÷ parse on tokio and on the generated file. */
function engineSection(inputs: BenchInputs, rows: Row[]): { tokioRatio: number; bigRatio: number } {
  const { tokio, tokioSources, tokioLabel, largest, largestLabel, bigSource, bigLabel } = inputs;
  let tokioRatio = 0;
  if (tokio) {
    log(`engine: parse vs analysis on ${tokioLabel}, ${ROUNDS} rounds`);
    const split = measureSplit(tokioSources, ROUNDS);
    tokioRatio = (split.fullMs - split.parseMs) / split.parseMs;
    rows.push(...splitRows(tokioLabel, tokioSources, split, true));
    const one = measureSplit([largest!], ROUNDS * 2);
    rows.push({
      what: 'Parse only / parse + analysis, one file',
      input: largestLabel,
      result: `${ms(one.parseMs)} / ${ms(one.fullMs)} (analysis ÷ parse: ${((one.fullMs - one.parseMs) / one.parseMs).toFixed(2)}×)`,
      target: '',
    });
  } else {
    rows.push({
      what: 'Parse vs parse + analysis',
      input: 'tokio',
      result: inputs.tokioMissing,
      target: '≤ 1×',
    });
  }
  log(`engine: parse vs analysis on ${bigLabel}`);
  const bigSplit = measureSplit([bigSource], ROUNDS);
  rows.push(...splitRows(bigLabel, [bigSource], bigSplit, false));
  return { tokioRatio, bigRatio: (bigSplit.fullMs - bigSplit.parseMs) / bigSplit.parseMs };
}

/** CPU profiles of analyzeSource, as markdown sections. */
async function profileSections(inputs: BenchInputs): Promise<string[]> {
  const runs: [string, Source[]][] = [];
  if (inputs.tokio) {
    runs.push([`Profile: analyzeSource over ${inputs.tokioLabel}, 2 rounds`, inputs.tokioSources]);
  }
  runs.push([`Profile: analyzeSource over ${inputs.bigLabel}, 2 rounds`, [inputs.bigSource]]);
  const sections: string[] = [];
  for (const [title, sources] of runs) {
    log(title.toLowerCase());
    const cpuProfile = await profile(() => {
      for (let round = 0; round < 2; round++) {
        for (const source of sources) {
          engine.analyzeSource(source.text, {
            file: source.name,
            edition: '2021',
            parseBudgetMs: 10_000,
          });
        }
      }
    });
    sections.push(profileSection(title, summarise(cpuProfile, repoRoot)));
  }
  return sections;
}

/** Keystrokes in the generated file and in tokio's largest file, on one server. */
async function keystrokeRows(inputs: BenchInputs, scratch: string): Promise<Row[]> {
  const { editFile, editLabel, largest, largestLabel } = inputs;
  log(`server: ${EDITS} keystrokes in ${editLabel}`);
  const editPath = path.join(scratch, 'src', 'edited.rs');
  fs.mkdirSync(path.dirname(editPath), { recursive: true });
  fs.writeFileSync(
    path.join(scratch, 'Cargo.toml'),
    '[package]\nname = "bench"\nversion = "0.1.0"\nedition = "2021"\n',
  );
  fs.writeFileSync(editPath, editFile.text);
  const rows: Row[] = [];
  const client = await startServer(scratch);
  try {
    rows.push(
      keystrokeRow(
        editLabel,
        await keystrokes(client, pathToFileURL(editPath).toString(), editFile.text, EDITS, 42),
        editFile.text,
        42,
        'p95 ≤ 16 ms',
      ),
    );
    if (largest) {
      log(`server: ${EDITS} keystrokes in ${largestLabel}`);
      rows.push(
        keystrokeRow(
          largestLabel,
          await keystrokes(client, pathToFileURL(largest.path).toString(), largest.text, EDITS, 43),
          largest.text,
          43,
          '',
        ),
      );
    }
  } finally {
    await client.dispose();
  }
  return rows;
}

/** Open → first hints on tokio's largest file: fresh servers, then reopens on one server. */
async function openRow(tokio: string, largest: Source, largestLabel: string): Promise<Row> {
  log(`server: open → first hints for ${largestLabel}, ${FRESH_STARTS} fresh servers`);
  const uri = pathToFileURL(largest.path).toString();
  const lines = lineCount(largest.text) + 1;
  const openOnce = async (server: LspClient) => {
    const openedAt = performance.now();
    void server.open(uri, largest.text);
    const hints = await server.inlayHints(uri, lines);
    const elapsed = performance.now() - openedAt;
    await server.close(uri);
    return { elapsed, hints: hints?.length ?? 0 };
  };
  // A fresh server's first answer pays for loading the parser and for the JIT: it varies
  // run to run, so it is the median of several servers, each opening the file right after `initialized`.
  const fresh: number[] = [];
  let hintCount = 0;
  for (let i = 0; i < FRESH_STARTS; i++) {
    const client = await startServer(tokio);
    try {
      const first = await openOnce(client);
      fresh.push(first.elapsed);
      hintCount = first.hints;
    } finally {
      await client.dispose();
    }
  }
  const client = await startServer(tokio);
  try {
    await openOnce(client);
    const warm: number[] = [];
    for (let i = 0; i < REOPENS; i++) {
      warm.push((await openOnce(client)).elapsed);
    }
    return {
      what: `Open → first inlay hints: fresh server (median of ${FRESH_STARTS}, max) / median of reopens`,
      input: largestLabel,
      result: `${ms(median(fresh))} (max ${ms(Math.max(...fresh))}) / ${ms(median(warm))} (${hintCount} hints)`,
      target: '≤ 100 ms',
    };
  } finally {
    await client.dispose();
  }
}

/** Every tokio file opened on one server: latency per file, then the server's peak memory. */
async function openAllRows(
  tokio: string,
  tokioSources: Source[],
  tokioLabel: string,
): Promise<Row[]> {
  log(`server: opening all ${tokioSources.length} tokio sources`);
  const client = await startServer(tokio);
  try {
    const latencies: number[] = [];
    for (const source of tokioSources) {
      const fileUri = pathToFileURL(source.path).toString();
      const openedAt = performance.now();
      void client.open(fileUri, source.text);
      await client.inlayHints(fileUri, lineCount(source.text) + 1);
      latencies.push(performance.now() - openedAt);
    }
    // The crate index starts indexing the whole crate (on a worker thread) once files are open:
    // the peak counts only once it has finished, i.e. when the peak stops growing.
    const memory = await settledMemory(client);
    return [
      {
        what: 'Open → first inlay hints, p50 / p95 / max over every file',
        input: tokioLabel,
        result: `${ms(median(latencies))} / ${ms(quantile(latencies, 0.95))} / ${ms(Math.max(...latencies))}`,
        target: '',
      },
      {
        what: 'Server peak RSS, every file open (their hints computed, and the crate indexed)',
        input: tokioLabel,
        result: memory
          ? `${(memory.peak / 2 ** 20).toFixed(0)} MiB (now ${(memory.current / 2 ** 20).toFixed(0)} MiB)`
          : 'n/a (no /proc)',
        target: '≤ 250 MB',
      },
    ];
  } finally {
    await client.dispose();
  }
}

/** The bundled language server over stdio. */
async function serverSection(inputs: BenchInputs): Promise<Row[]> {
  const { tokio, largest, tokioMissing } = inputs;
  if (!fs.existsSync(serverBundle)) {
    return [
      {
        what: 'Keystroke → inlay hints, p50 / p95 / max',
        input: inputs.editLabel,
        result: BUNDLE_MISSING,
        target: 'p95 ≤ 16 ms',
      },
      {
        what: 'Open → first inlay hints',
        input: inputs.largestLabel,
        result: BUNDLE_MISSING,
        target: '≤ 100 ms',
      },
      {
        what: 'Server peak RSS, every file open',
        input: inputs.tokioLabel,
        result: BUNDLE_MISSING,
        target: '≤ 250 MB',
      },
    ];
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rust-future-size-bench-'));
  try {
    const rows = await keystrokeRows(inputs, scratch);
    if (largest && tokio) {
      rows.push(await openRow(tokio, largest, inputs.largestLabel));
      rows.push(...(await openAllRows(tokio, inputs.tokioSources, inputs.tokioLabel)));
    } else {
      rows.push({
        what: 'Open → first inlay hints',
        input: 'tokio',
        result: tokioMissing,
        target: '≤ 100 ms',
      });
      rows.push({
        what: 'Server peak RSS, every file open',
        input: 'tokio',
        result: tokioMissing,
        target: '≤ 250 MB',
      });
    }
    return rows;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The CLI on tokio's sources, one job and every core. */
function cliSection(inputs: BenchInputs): Row[] {
  const { tokio } = inputs;
  if (!tokio) {
    return [
      { what: 'CLI wall time', input: 'tokio', result: inputs.tokioMissing, target: '≤ 3 s' },
    ];
  }
  const src = path.join(tokio, 'src');
  return [1, os.availableParallelism()].map((jobs) => {
    log(`cli: --jobs ${jobs} on tokio src/, ${CLI_RUNS} runs`);
    const run = cliWallTime(src, jobs);
    return {
      what: `CLI wall time, \`--jobs ${jobs}\` (median of ${CLI_RUNS})`,
      input: `${path.basename(tokio)} \`src/\``,
      result: `${seconds(run.ms)}${run.status === 0 ? '' : ` (exit status ${run.status})`}`,
      target: '≤ 3 s',
    };
  });
}

const NOTES = [
  `Parse and analysis times are medians of ${ROUNDS} rounds after a warm-up round, in one process (\`parseRust\` alone vs \`analyzeSource\`, which parses too; the difference is the analysis).`,
  `Keystrokes: the bundled server over stdio; each edit is one \`didChange\` (type \`x\` at a random place, then delete it) followed at once by \`textDocument/inlayHint\` for the whole file, timed until the answer; ${WARMUP_EDITS} unmeasured edits first. "Incremental parse alone" replays the same edits in the bench's process and times only tree-sitter's re-parse from the previous tree: the floor under each keystroke.`,
  `Open → first hints: \`didOpen\` then \`textDocument/inlayHint\`, timed until the answer; "fresh server" is the first file a new server opens, right after \`initialized\` (the median of ${FRESH_STARTS} servers).`,
  'The bench client declares the inlay-hint capabilities VS Code does: tooltips come on `inlayHint/resolve`, when a hint is pointed at, not with every answer.',
  'Measure Exact Sizes: `calibrateCrate` on copies of the crates, right after a `cargo build` of each (the dependencies a user has built); "second run" follows a one-line edit of `src/lib.rs`. Both include the mapping of rustc\'s output to the source.',
  'Issue 13\'s rows (`bench/targets.ts`): typing inserts 200 characters one by one at the end of the `{` line of the async fn nearest the middle of the file, each key a `didChange` then `textDocument/inlayHint`, paced one key per 100 ms or back to back, on a fresh server each; "incremental parse alone" replays the same keys in process. Crate-aware hints: a server declaring `workspace.inlayHint.refreshSupport`, timed from the `didChange` (a space added or taken away) to the hints asked for after the server\'s `workspace/inlayHint/refresh`. Clippy: `cargo clippy --offline --features full -- --cap-lints warn -W clippy::large_futures` on a copy of tokio with Debian\'s registry as crates.io, after the same edits (dependencies already checked). CLI rows: wall time of `bin/rust-future-size.js --format json` on the crate root (tokio: its `src/`), peak RSS from GNU time; "parse" is `parseRust` over the same files in the bench\'s process. Generated crates: `lib.rs` declaring modules of about 1,000 lines each from `bench/generate.ts` (one style, dense in async fns; the generator has no "real-like" style).',
  `The server runs with the Node flags the VS Code client starts it with (\`server/src/nodeFlags.ts\`; here \`${nodeFlags.serverNodeFlags(os.availableParallelism()).join(' ')}\`).`,
];

async function main(): Promise<void> {
  const started = performance.now();
  const loadAtStart = os.loadavg();
  await engine.initAnalysis();
  const inputs = benchInputs();
  const rows: Row[] = [];
  let profiles: string[] = [];
  const memoryOnly = !!flags['server-memory-only'];
  const only = flags['targets-only'] || flags['dependencies-only'] || flags['cli-only'];
  if (!only && !memoryOnly) {
    const { tokioRatio, bigRatio } = engineSection(inputs, rows);
    // Profiles only when the analysis costs more than the parse (or when asked).
    profiles =
      !flags['no-profile'] && (flags.profile || tokioRatio > 1 || bigRatio > 1)
        ? await profileSections(inputs)
        : [];
    rows.push(...(await serverSection(inputs)));
    rows.push(...cliSection(inputs));
    rows.push(...fixCostRows(repoRoot, CARGO_REGISTRY, inputs.tokio, log));
    rows.push(...(await measureSection(repoRoot, CARGO_REGISTRY, log)));
  }
  if (!flags['dependencies-only']) {
    rows.push(
      ...(await targetsSection({
        repoRoot,
        serverBundle,
        cliBin,
        tokio: inputs.tokio,
        million: !!flags.million,
        cliOnly: !!flags['cli-only'],
        serverMemoryOnly: memoryOnly,
        log,
      })),
    );
  }
  if (!flags['cli-only'] && !memoryOnly) {
    rows.push(...(await dependencyRows({ repoRoot, serverBundle, registry: CARGO_REGISTRY, log })));
  }

  const out: string[] = [
    ...describeMachine(loadAtStart).map((line) => `${line}  `),
    '',
    '| Measurement | Input | Result | Target |',
    '| --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    out.push(`| ${row.what} | ${row.input} | ${row.result} | ${row.target} |`);
  }
  out.push('', ...NOTES.map((note) => `- ${note}`), '', ...profiles);
  process.stdout.write(`${out.join('\n')}\n`);
  log(`done in ${seconds(performance.now() - started)}`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
