/**
 * Differential testing against the compiler: writes random well-typed async fns
 * (`asyncProgram.ts`), compiles them with `rustc -Zprint-type-sizes` and compares every future's
 * size with the engine's. What must hold: every size shown as exact is rustc's, and no lower
 * bound is above rustc's size. Held names and exact share are printed, not required.
 *
 *   npm run fuzz:rustc -- [--seed N] [--files N] [--fns N] [--edition E] [--extended]
 *                         [--operands] [--jobs N] [--out DIR]
 *
 * Each file is one seed (`--seed`, `--seed + 1`, ...), so a failure is replayed by its seed. Every
 * fn that breaks a rule is printed with its source; `--out` keeps the generated files.
 * Exits 1 when any rule broke.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { aggregate, describeMismatch, FileComparison, FutureScore } from '../support/compare';
import { isInvalidBound, isWrongExactClaim } from '../support/ratchet';
import { compareCorpus, requireRustc } from '../support/rustcCorpus';
import { generateProgram } from './asyncProgram';

export interface DifferentialOptions {
  seed: number;
  files: number;
  fnsPerFile: number;
  edition: string;
  /** Also async blocks, closures, partial moves, early returns and more (`generateProgram`). */
  extended?: boolean;
  /** With `extended`: also values made before a later operand's await (`generateProgram`). */
  operands?: boolean;
  jobs: number;
  /** Where the generated files go; a fresh temporary folder (removed after) when absent. */
  out?: string;
}

export interface Broken {
  /** `wrong exact` or `bound above rustc`. */
  rule: string;
  mismatch: string;
  /** The generated fn's source. */
  source: string;
}

export interface DifferentialResult {
  futures: number;
  exactClaims: number;
  lowerBounds: number;
  exactShare: number;
  /** Files rustc rejected: a generator defect, reported rather than hidden. */
  rustcErrors: string[];
  broken: Broken[];
}

/** Generates, compiles and compares; never throws for a comparison that fails (it reports it). */
export async function runDifferential(options: DifferentialOptions): Promise<DifferentialResult> {
  requireRustc();
  const dir = options.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-differential-'));
  fs.mkdirSync(dir, { recursive: true });
  const sources = new Map<string, string>();
  try {
    for (let i = 0; i < options.files; i++) {
      const seed = options.seed + i;
      const program = generateProgram(seed, options.fnsPerFile, options.extended, options.operands);
      fs.writeFileSync(path.join(dir, `seed_${seed}.rs`), program.source);
      for (const [name, text] of fnSources(program.source)) {
        sources.set(name, text);
      }
    }
    const corpus = await compareCorpus(dir, options.edition, options.jobs);
    const generated = onlyGenerated(corpus.comparisons);
    const summary = aggregate(generated);
    return {
      futures: summary.futures,
      exactClaims: summary.exactClaims,
      lowerBounds: summary.lowerBounds,
      exactShare: summary.exactShare,
      rustcErrors: corpus.rustcErrors,
      broken: brokenRules(generated, sources),
    };
  } finally {
    if (!options.out) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** The generated fns only: the prelude's leaf futures are the same in every file. */
function onlyGenerated(comparisons: FileComparison[]): FileComparison[] {
  return comparisons.map((c) => ({
    ...c,
    scores: c.scores.filter((s) => /^g\d+_\d+$/.test(s.name)),
  }));
}

function brokenRules(comparisons: FileComparison[], sources: Map<string, string>): Broken[] {
  const broken: Broken[] = [];
  for (const score of comparisons.flatMap((c) => c.scores)) {
    const rule = ruleBroken(score);
    if (rule) {
      broken.push({
        rule,
        mismatch: describeMismatch(score) ?? '',
        source: sources.get(score.name) ?? '',
      });
    }
  }
  return broken;
}

function ruleBroken(score: FutureScore): string | null {
  const size = describeMismatch({ ...score, awaits: [] });
  const text = size?.slice(size.indexOf(`${score.name}: `) + score.name.length + 2) ?? '';
  if (isWrongExactClaim(text)) {
    return 'wrong exact';
  }
  return isInvalidBound(text) ? 'bound above rustc' : null;
}

/** Each generated fn's text, by name (they start at `pub async fn` and end at a lone `}`). */
function fnSources(source: string): Map<string, string> {
  const result = new Map<string, string>();
  const pattern = /^pub async fn (g\d+_\d+)\(.*?^\}$/gms;
  for (const m of source.matchAll(pattern)) {
    result.set(m[1], m[0]);
  }
  return result;
}

function readOptions(argv: string[]): DifferentialOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string', default: '1' },
      files: { type: 'string', default: '10' },
      fns: { type: 'string', default: '40' },
      edition: { type: 'string', default: '2021' },
      extended: { type: 'boolean', default: false },
      operands: { type: 'boolean', default: false },
      jobs: { type: 'string', default: String(Math.max(1, os.cpus().length)) },
      out: { type: 'string' },
    },
  });
  const number = (name: string, text: string | undefined): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) {
      throw new Error(`--${name} takes a whole number, not ${JSON.stringify(text)}`);
    }
    return n;
  };
  return {
    seed: number('seed', values.seed),
    files: number('files', values.files),
    fnsPerFile: number('fns', values.fns),
    edition: values.edition ?? '2021',
    extended: values.extended ?? false,
    operands: values.operands ?? false,
    jobs: Math.max(1, number('jobs', values.jobs)),
    out: values.out ? path.resolve(values.out) : undefined,
  };
}

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2));
  const result = await runDifferential(options);
  for (const b of result.broken) {
    console.log(`\n${b.rule}: ${b.mismatch}\n${b.source}`);
  }
  for (const e of result.rustcErrors) {
    console.log(`rustc rejected a generated file (a generator defect): ${e}`);
  }
  const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
  console.log(
    `\n${result.futures} generated futures (seeds ${options.seed}..${options.seed + options.files - 1}, ` +
      `edition ${options.edition}${options.extended ? ', extended' : ''}` +
      `${options.operands ? ', operands' : ''}): exact ${percent(result.exactShare)}, ` +
      `${result.exactClaims} shown exact, ${result.lowerBounds} lower bounds; ` +
      `wrong exact ${result.broken.filter((b) => b.rule === 'wrong exact').length}, ` +
      `bounds above rustc ${result.broken.filter((b) => b.rule !== 'wrong exact').length}`,
  );
  process.exitCode = result.broken.length > 0 || result.rustcErrors.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  });
}
