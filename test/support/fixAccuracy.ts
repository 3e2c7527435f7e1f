/**
 * Proves fixes with rustc: applies each offered fix on its own to a fixture, compiles the result
 * with `-Zprint-type-sizes`, and compares rustc's future sizes before and after.
 *
 * Used by the rustc-proven test suite (which asserts on the outcomes) and by `npm run accuracy`
 * (which prints the counts). Nothing is cached between runs: every fixture and every fixed text is
 * compiled afresh in its own temporary directory, two rustc processes at a time by default.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Fix } from '../../server/src/analysis/fixes/fixTypes';
import type { FileReport, FutureReport } from '../../server/src/analysis/report';
import type { RustcFuture, RustcType } from '../../server/src/measure/printTypeSizes';
import type { RustcRunResult } from './runRustc';
import { matchFutures } from './compare';
import { findUpwards, loadServerModule, referenceCasesDir } from './repoPaths';

type EngineModule = typeof import('../../server/src/analysis/engine');
type FixesModule = typeof import('../../server/src/analysis/fixes/fixes');
type ApplyModule = typeof import('../../server/src/analysis/fixes/applyEdits');
type PrintTypeSizesModule = typeof import('../../server/src/measure/printTypeSizes');
import * as runRustcModule from './runRustc';
type RunRustcModule = typeof runRustcModule;

/** A named group of fixture files (absolute paths). */
export interface FixtureSet {
  name: string;
  files: string[];
}

/** What happened to one offered fix. */
export interface FixOutcome {
  set: string;
  /** The fixture's path relative to the repository (or the shared cases folder). */
  file: string;
  fix: Fix;
  /** The fix applied to the text it was computed for. */
  applied: boolean;
  compiled: boolean;
  /** rustc's first errors when the fixed file does not compile (or the fix does not apply). */
  error?: string;
  /** rustc's size of the targeted future before and after (null when it could not be matched). */
  before: number | null;
  after: number | null;
  /** before - after; positive when the future shrank. */
  shrink: number | null;
  /** Other futures of the file that rustc shows larger after the fix. */
  grew: { name: string; before: number; after: number }[];
  /** Why the shrink is smaller than the value's size, read from rustc's variants; set only then. */
  explanation?: string;
}

export interface FixCounts {
  offered: number;
  preferred: number;
  /** Offered fixes whose result compiles. */
  compiled: number;
  /** Compiled fixes that make the targeted future smaller. */
  shrunk: number;
  /** Sum of the shrink of the shrunk fixes, in bytes of the targeted futures. */
  bytesSaved: number;
  preferredCompiled: number;
  preferredShrunk: number;
  preferredBytesSaved: number;
}

export interface FixAccuracy extends FixCounts {
  perSet: Record<string, FixCounts>;
  outcomes: FixOutcome[];
  /** Fixtures that do not compile before any fix (their fixes are not counted). */
  brokenFixtures: string[];
}

export interface FixAccuracyOptions {
  /** Fixture sets; default: {@link defaultFixtureSets}. */
  sets?: FixtureSet[];
  /** rustc processes at a time (default 2). */
  concurrency?: number;
  /** rustc executable (default `$RUSTC`, then `rustc`). */
  rustc?: string;
}

const EDITION = '2021';

/** The shared reference cases, test/fixtures/engine and test/fixtures/fixes (goldens excluded). */
export function defaultFixtureSets(): FixtureSet[] {
  const root = repositoryRoot();
  const rs = (dir: string) =>
    fs
      .readdirSync(dir)
      .filter((name) => name.endsWith('.rs') && !name.endsWith('.fixed.rs'))
      .sort()
      .map((name) => path.join(dir, name));
  return [
    { name: 'cases', files: rs(referenceCasesDir()) },
    { name: 'engine', files: rs(path.join(root, 'test', 'fixtures', 'engine')) },
    { name: 'fixes', files: rs(path.join(root, 'test', 'fixtures', 'fixes')) },
  ];
}

/** The repository checkout these tests belong to. */
export function repositoryRoot(): string {
  const root = findUpwards(__dirname, (dir) =>
    fs.existsSync(path.join(dir, 'test', 'fixtures', 'engine')),
  );
  if (root === null) {
    throw new Error(`cannot find test/fixtures/engine above ${__dirname}`);
  }
  return root;
}

/**
 * Applies and compiles every offered fix of every fixture, and counts: offered, preferred,
 * compiled, shrunk and bytes saved (overall and per set), with one outcome per fix.
 */
export async function fixAccuracy(options: FixAccuracyOptions = {}): Promise<FixAccuracy> {
  const engine = loadServerModule<EngineModule>('analysis/engine');
  const fixes = loadServerModule<FixesModule>('analysis/fixes/fixes');
  const apply = loadServerModule<ApplyModule>('analysis/fixes/applyEdits');
  await engine.initAnalysis();
  const sets = options.sets ?? defaultFixtureSets();
  const compiler = new Compiler(options.concurrency ?? 2, options.rustc);
  try {
    const perFile = sets.flatMap((set) =>
      set.files.map(async (file) => {
        const text = fs.readFileSync(file, 'utf8');
        const report = engine.analyzeSource(text, { file: path.basename(file), edition: EDITION });
        const offered = fixes.computeFixes(text, report, {
          file: path.basename(file),
          edition: EDITION,
        });
        const base = await compiler.futures(text, path.basename(file));
        const label = displayName(file);
        if (!base.ok) {
          return { set: set.name, label, broken: true, outcomes: [] as FixOutcome[] };
        }
        const outcomes = await Promise.all(
          offered.map(async (fix) => {
            const outcome: FixOutcome = {
              set: set.name,
              file: label,
              fix,
              applied: false,
              compiled: false,
              before: null,
              after: null,
              shrink: null,
              grew: [],
            };
            const fixed = apply.applyFix(text, fix);
            if (!fixed.ok) {
              outcome.error = fixed.reason;
              return outcome;
            }
            outcome.applied = true;
            const result = await compiler.futures(fixed.text, path.basename(file));
            if (!result.ok) {
              outcome.error = result.error;
              return outcome;
            }
            outcome.compiled = true;
            const after = engine.analyzeSource(fixed.text, {
              file: path.basename(file),
              edition: EDITION,
            });
            compareOutcome(outcome, report, base, after, result);
            return outcome;
          }),
        );
        return { set: set.name, label, broken: false, outcomes };
      }),
    );
    const files = await Promise.all(perFile);
    const outcomes = files.flatMap((f) => f.outcomes);
    const perSet: Record<string, FixCounts> = {};
    for (const set of sets) {
      perSet[set.name] = count(outcomes.filter((o) => o.set === set.name));
    }
    return {
      ...count(outcomes),
      perSet,
      outcomes,
      brokenFixtures: files.filter((f) => f.broken).map((f) => f.label),
    };
  } finally {
    compiler.dispose();
  }
}

/** The name `npm run accuracy` looks for: {@link fixAccuracy} over the default fixture sets. */
export function measureFixes(options: FixAccuracyOptions = {}): Promise<FixAccuracy> {
  return fixAccuracy(options);
}

/** The fix statistics as a small table, one row per fixture set plus the total. */
export function formatFixStats(stats: FixAccuracy): string {
  const header = [
    'fixes',
    'offered',
    'preferred',
    'compiled',
    'shrunk',
    'bytes saved',
    'preferred compiled',
    'preferred shrunk',
    'preferred bytes saved',
  ];
  const row = (name: string, c: FixCounts) => [
    name,
    c.offered,
    c.preferred,
    c.compiled,
    c.shrunk,
    c.bytesSaved,
    c.preferredCompiled,
    c.preferredShrunk,
    c.preferredBytesSaved,
  ];
  const rows = [
    header,
    ...Object.entries(stats.perSet).map(([name, c]) => row(name, c)),
    row('total', stats),
  ];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const lines = rows.map((r) =>
    r
      .map((cell, i) =>
        i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]),
      )
      .join('  '),
  );
  const notes = stats.outcomes
    .filter((o) => !o.compiled || (o.shrink ?? 0) <= 0 || o.grew.length > 0)
    .map((o) => `  ${describeOutcome(o)}`);
  const broken = stats.brokenFixtures.map((f) => `  fixture does not compile: ${f}`);
  return [
    'Fixes, each applied alone and compiled with rustc (shrunk = the targeted future got smaller):',
    ...lines,
    ...(notes.length + broken.length > 0
      ? ['Fixes that did not compile, shrink, or that grew another future:', ...broken, ...notes]
      : []),
  ].join('\n');
}

/** Where the golden result of `fix` for a fixture lives: beside it for the fix fixtures, else under test/fixtures/fixed/<set>/. */
export function goldenPath(set: string, fixture: string): string {
  const name = `${path.basename(fixture, '.rs')}.fixed.rs`;
  return set === 'fixes'
    ? path.join(path.dirname(fixture), name)
    : path.join(repositoryRoot(), 'test', 'fixtures', 'fixed', set, name);
}

/** Totals over outcomes. */
export function count(outcomes: FixOutcome[]): FixCounts {
  const shrunk = (o: FixOutcome) => o.compiled && o.shrink !== null && o.shrink > 0;
  const preferred = outcomes.filter((o) => o.fix.preferred);
  return {
    offered: outcomes.length,
    preferred: preferred.length,
    compiled: outcomes.filter((o) => o.compiled).length,
    shrunk: outcomes.filter(shrunk).length,
    bytesSaved: outcomes.filter(shrunk).reduce((s, o) => s + o.shrink!, 0),
    preferredCompiled: preferred.filter((o) => o.compiled).length,
    preferredShrunk: preferred.filter(shrunk).length,
    preferredBytesSaved: preferred.filter(shrunk).reduce((s, o) => s + o.shrink!, 0),
  };
}

/** rustc's size of every future of a file before and after a change, paired through the engine's reports. */
export interface FutureSizeChange {
  name: string;
  before: number;
  after: number;
}

/**
 * Compiles `original` and `fixed` (both as `fileName`) and pairs their futures: by the engine's
 * future order, which insert-only fixes keep, and rustc's futures matched to the engine's.
 */
export async function compareTexts(
  compiler: Compiler,
  original: string,
  fixed: string,
  fileName: string,
): Promise<{ error?: string; changes: FutureSizeChange[] }> {
  const engine = loadServerModule<EngineModule>('analysis/engine');
  await engine.initAnalysis();
  const [before, after] = await Promise.all([
    compiler.futures(original, fileName),
    compiler.futures(fixed, fileName),
  ]);
  if (!after.ok) {
    return { error: after.error, changes: [] };
  }
  if (!before.ok) {
    return { error: `the original does not compile: ${before.error}`, changes: [] };
  }
  const beforeReport = engine.analyzeSource(original, { file: fileName, edition: EDITION });
  const afterReport = engine.analyzeSource(fixed, { file: fileName, edition: EDITION });
  if (beforeReport.futures.length !== afterReport.futures.length) {
    return {
      error: 'the engine finds a different number of futures after the change',
      changes: [],
    };
  }
  const b = sizesByIndex(beforeReport, before.futures);
  const a = sizesByIndex(afterReport, after.futures);
  const changes: FutureSizeChange[] = [];
  for (const [i, x] of b) {
    const y = a.get(i);
    if (y) {
      changes.push({ name: beforeReport.futures[i].name, before: x.size, after: y.size });
    }
  }
  return { changes };
}

/** One line per outcome, for test failures and the accuracy report. */
export function describeOutcome(o: FixOutcome): string {
  const what = `${o.file} ${o.fix.id}${o.fix.preferred ? ' (preferred)' : ''}`;
  if (!o.compiled) {
    return `${what}: does not compile: ${o.error ?? 'unknown error'}`;
  }
  const sizes = `${o.before ?? '?'} -> ${o.after ?? '?'} bytes (engine expected -${o.fix.expectedSaving ?? '?'})`;
  const grew =
    o.grew.length > 0
      ? `; grew: ${o.grew.map((g) => `${g.name} ${g.before} -> ${g.after}`).join(', ')}`
      : '';
  const why = o.explanation ? `; ${o.explanation}` : '';
  return `${what}: ${sizes}${grew}${why}`;
}

/** Parsed rustc output of one compile, or its error. */
type CompileResult =
  { ok: true; futures: RustcFuture[]; types: RustcType[] } | { ok: false; error: string };

function compareOutcome(
  outcome: FixOutcome,
  beforeReport: FileReport,
  beforeRustc: CompileResult & { ok: true },
  afterReport: FileReport,
  afterRustc: CompileResult & { ok: true },
): void {
  const beforeSizes = sizesByIndex(beforeReport, beforeRustc.futures);
  const afterSizes = sizesByIndex(afterReport, afterRustc.futures);
  const target = beforeReport.futures.findIndex((f) => f.name === outcome.fix.futureName);
  const same = afterReport.futures.length === beforeReport.futures.length;
  if (target >= 0 && same) {
    outcome.before = beforeSizes.get(target)?.size ?? null;
    outcome.after = afterSizes.get(target)?.size ?? null;
    if (outcome.before !== null && outcome.after !== null) {
      outcome.shrink = outcome.before - outcome.after;
    }
  }
  if (same) {
    for (const [i, b] of beforeSizes) {
      const a = afterSizes.get(i);
      if (a && a.size > b.size) {
        outcome.grew.push({ name: beforeReport.futures[i].name, before: b.size, after: a.size });
      }
    }
  }
  const boxed = outcome.fix.kind === 'box-value' || outcome.fix.kind === 'box-pin-future' ? 8 : 0;
  const value = outcome.fix.valueSize ?? null;
  if (outcome.shrink !== null && value !== null && outcome.shrink < value - boxed && target >= 0) {
    outcome.explanation = explainShrink(
      afterSizes.get(target)?.rustc,
      afterRustc.types,
      outcome.fix,
      value,
    );
  }
}

/** rustc's future for each engine future, by the engine future's index. */
function sizesByIndex(
  report: FileReport,
  rustc: RustcFuture[],
): Map<number, { size: number; rustc: RustcFuture }> {
  const match = matchFutures(report.futures, rustc);
  const byEngine = new Map<FutureReport, RustcFuture>(match.pairs.map((p) => [p.engine, p.rustc]));
  const out = new Map<number, { size: number; rustc: RustcFuture }>();
  report.futures.forEach((f, i) => {
    const r = byEngine.get(f);
    if (r) {
      out.set(i, { size: r.size, rustc: r });
    }
  });
  return out;
}

/** Which state of the fixed future now sets its size, and what the freed await's state holds. */
function explainShrink(
  after: RustcFuture | undefined,
  types: RustcType[],
  fix: Fix,
  value: number,
): string {
  if (!after) {
    return `the value is ${value} bytes; the fixed future could not be matched`;
  }
  const type = types.find((t) => t.name === after.typeName);
  const variants = (type?.variants ?? []).filter((v) => v.name.startsWith('Suspend'));
  if (variants.length === 0) {
    return `the value is ${value} bytes; rustc printed no suspend states`;
  }
  const largest = variants.reduce((a, b) => (b.size > a.size ? b : a));
  const freed = fix.await
    ? variants.find((v) => v.name === `Suspend${fix.await!.index}`)
    : undefined;
  const prefix = after.upvars.reduce((s, u) => Math.max(s, u.offset + u.size), after.tagSize);
  const aligned =
    after.size > largest.size + after.tagSize
      ? ` (rounded up to the alignment ${after.align})`
      : '';
  const parts = [
    `the value is ${value} bytes`,
    `${largest.name} (${largest.size} bytes) now sets the size ${after.size}${aligned}`,
  ];
  if (freed && freed.name !== largest.name) {
    parts.push(`${freed.name} is ${freed.size} bytes`);
  }
  if (prefix > after.tagSize) {
    parts.push(`upvars/promoted locals take ${prefix} bytes in every state`);
  }
  return parts.join('; ');
}

function displayName(file: string): string {
  const root = repositoryRoot();
  const rel = path.relative(root, file);
  return rel.startsWith('..')
    ? path.join('cases', path.basename(file))
    : rel.split(path.sep).join('/');
}

/** Runs rustc on texts, at most `limit` at a time, each in a fresh temporary directory. */
export class Compiler {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly dir: string;
  private next = 0;
  private readonly runRustc: RunRustcModule;
  private readonly types: PrintTypeSizesModule;

  constructor(
    private readonly limit: number,
    private readonly rustc?: string,
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-fixes-'));
    this.runRustc = runRustcModule;
    this.types = loadServerModule<PrintTypeSizesModule>('measure/printTypeSizes');
  }

  /** Compiles `text` as `fileName` and returns its futures (blocks and closures of that file only). */
  async futures(text: string, fileName: string): Promise<CompileResult> {
    const result = await this.compile(text, fileName);
    if (!result.ok) {
      return { ok: false, error: result.error };
    }
    const types = this.types.parsePrintTypeSizes(result.stdout);
    return { ok: true, types, futures: this.types.futuresFromTypes(types, fileName) };
  }

  private async compile(text: string, fileName: string): Promise<RustcRunResult> {
    await this.acquire();
    const jobDir = path.join(this.dir, String(this.next++));
    try {
      fs.mkdirSync(jobDir);
      fs.writeFileSync(path.join(jobDir, fileName), text);
      return await this.runRustc.runPrintTypeSizesAsync(fileName, EDITION, {
        cwd: jobDir,
        rustc: this.rustc,
      });
    } finally {
      fs.rmSync(jobDir, { recursive: true, force: true });
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(() => resolve()));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) {
      next();
    } else {
      this.running--;
    }
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
