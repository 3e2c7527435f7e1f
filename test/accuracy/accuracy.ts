/**
 * `npm run accuracy`: how closely the engine matches rustc on every fixture set and on the real crates
 * recorded in `test/fixtures/real` (libraries, integration tests and examples), with every mismatch
 * listed. Figures: held-value precision / recall / F1 (named values per await), the share of futures
 * whose size is exact, within ±10% and within 2×, exact-claim precision (of the sizes shown as exact,
 * the share equal to rustc's) and bound validity (of the lower bounds, the share not above rustc's).
 * `npm run accuracy -- --record` first builds the real crates again with rustc (a few minutes).
 */
import * as fs from 'fs';
import * as path from 'path';
import { AccuracySummary, FileComparison, aggregate } from '../support/compare';
import { referenceCasesDir } from '../support/repoPaths';
import { compareCorpus, compareCrate, requireRustc } from '../support/rustcCorpus';
import {
  DEBIAN_REGISTRY,
  compareRecordedCrate,
  loadRecordedCorpus,
  recordRealCorpus,
} from '../support/realCorpus';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function row(name: string, s: AccuracySummary): string {
  return [
    name.padEnd(18),
    String(s.futures).padStart(7),
    s.precision.toFixed(3).padStart(9),
    s.recall.toFixed(3).padStart(7),
    s.f1.toFixed(3).padStart(6),
    pct(s.exactShare).padStart(7),
    pct(s.within10Share).padStart(7),
    pct(s.within2xShare).padStart(7),
    `${pct(s.exactClaimPrecision)} (${s.exactClaims})`.padStart(14),
    `${pct(s.boundValidity)} (${s.lowerBounds})`.padStart(14),
    String(s.unmatchedRustc).padStart(9),
  ].join(' ');
}

const HEADER = [
  'set'.padEnd(18),
  'futures',
  'precision',
  'recall',
  '    F1',
  '  exact',
  '  ±10%',
  '    2×',
  '   exact-claim',
  '  bounds valid',
  'unmatched',
].join(' ');

async function main(): Promise<void> {
  const version = requireRustc();
  const sets = [
    { name: 'reference cases', dir: referenceCasesDir() },
    { name: 'engine fixtures', dir: path.join(repoRoot, 'test', 'fixtures', 'engine') },
    { name: 'fix fixtures', dir: path.join(repoRoot, 'test', 'fixtures', 'fixes') },
  ].filter((s) => fs.existsSync(s.dir));
  const lines: string[] = [];
  const mismatches: string[] = [];
  for (const set of sets) {
    const { comparisons, rustcErrors } = await compareCorpus(set.dir);
    const summary = aggregate(comparisons);
    lines.push(row(set.name, summary));
    mismatches.push(
      ...rustcErrors.map((e) => `rustc failed: ${e}`),
      ...summary.mismatches.map((m) =>
        path.relative(repoRoot, m.startsWith('/') ? m : path.resolve(m)),
      ),
    );
  }
  // Multi-file crates, analysed with the crate index (types and futures across files).
  const crateDirs = [
    path.join(repoRoot, 'examples'),
    ...listDirs(path.join(repoRoot, 'test', 'fixtures', 'crates')),
  ];
  const crateComparisons = [];
  for (const dir of crateDirs) {
    crateComparisons.push(...(await compareCrate(dir)));
  }
  const crateSummary = aggregate(crateComparisons);
  lines.push(row('crates (index)', crateSummary));
  mismatches.push(
    ...crateSummary.mismatches.map((m) =>
      path.relative(repoRoot, m.startsWith('/') ? m : path.resolve(m)),
    ),
  );
  console.log(`rust-future-size accuracy against ${version}\n`);
  console.log(HEADER);
  lines.forEach((l) => console.log(l));
  await printFixStats();
  await printRealCrates();
  console.log(`\n${mismatches.length} mismatches:`);
  mismatches.forEach((m) => console.log(`  ${m}`));
}

function listDirs(dir: string): string[] {
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .sort()
        .map((d) => path.join(dir, d))
        .filter((d) => fs.existsSync(path.join(d, 'Cargo.toml')))
    : [];
}

/**
 * The real crates recorded in `test/fixtures/real` (rustc's answers for their libraries, tests and
 * examples), compared with the analysis of their sources wherever those are installed.
 */
async function printRealCrates(): Promise<void> {
  const registry = process.env.RUST_FUTURE_SIZE_REGISTRY ?? DEBIAN_REGISTRY;
  if (process.argv.includes('--record')) {
    await recordRealCorpus({ registry });
  }
  console.log(`\nreal crates (rustc's answers in test/fixtures/real, sources in ${registry})\n`);
  console.log(HEADER.replace('set'.padEnd(18), 'crate / targets'.padEnd(18)));
  const all: FileComparison[] = [];
  for (const entry of loadRecordedCorpus(undefined, registry)) {
    const name = `${entry.recorded.crate} ${entry.recorded.version}`;
    if (!entry.sourcesPresent) {
      console.log(`${name}: ${entry.missing}`);
      continue;
    }
    const figures = await compareRecordedCrate(entry);
    // A lib is shown with the instantiations its tests and examples make of its generic fns, when there are any.
    const shown = figures.filter(
      (f) => f.kind !== 'lib' || !figures.some((g) => g.kind === 'lib+downstream'),
    );
    for (const f of shown) {
      console.log(
        row(`${entry.recorded.crate} ${f.kind === 'lib+downstream' ? 'lib' : f.kind}`, f.summary),
      );
      all.push(...f.comparisons);
    }
  }
  if (all.length) {
    console.log(row('all real crates', aggregate(all)));
  }
}

/** Fix statistics, when the fix suite's measurement module is present. */
async function printFixStats(): Promise<void> {
  const modulePath = path.join(__dirname, '..', 'support', 'fixAccuracy.js');
  if (!fs.existsSync(modulePath)) {
    return;
  }
  const fixAccuracy = require(modulePath) as {
    measureFixes?: () => Promise<unknown>;
    formatFixStats?: (s: unknown) => string;
  };
  if (fixAccuracy.measureFixes && fixAccuracy.formatFixStats) {
    console.log('\n' + fixAccuracy.formatFixStats(await fixAccuracy.measureFixes()));
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
