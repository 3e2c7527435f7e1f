/**
 * `npm run accuracy`: how closely the engine matches rustc on every fixture set, with every mismatch listed.
 * Figures: held-value precision / recall / F1 (named values per await), and the share of futures whose
 * size is exact, within ±10% and within 2×.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AccuracySummary, aggregate } from '../support/compare';
import { referenceCasesDir } from '../support/repoPaths';
import { compareCorpus, compareCrate, knownSizes, requireRustc } from '../support/rustcCorpus';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function row(name: string, s: AccuracySummary): string {
  return [name.padEnd(18), String(s.futures).padStart(7), s.precision.toFixed(3).padStart(9), s.recall.toFixed(3).padStart(7), s.f1.toFixed(3).padStart(6), pct(s.exactShare).padStart(7), pct(s.within10Share).padStart(7), pct(s.within2xShare).padStart(7), String(s.unmatchedRustc).padStart(9)].join(' ');
}

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
    mismatches.push(...rustcErrors.map((e) => `rustc failed: ${e}`), ...summary.mismatches.map((m) => path.relative(repoRoot, m.startsWith('/') ? m : path.resolve(m))));
  }
  // Multi-file crates, analysed with the crate index (types and futures across files).
  const crateDirs = [path.join(repoRoot, 'examples'), ...listDirs(path.join(repoRoot, 'test', 'fixtures', 'crates'))];
  const crateComparisons = [];
  for (const dir of crateDirs) {
    crateComparisons.push(...(await compareCrate(dir)));
  }
  const crateSummary = aggregate(crateComparisons);
  lines.push(row('crates (index)', crateSummary));
  mismatches.push(...crateSummary.mismatches.map((m) => path.relative(repoRoot, m.startsWith('/') ? m : path.resolve(m))));
  console.log(`rust-future-size accuracy against ${version}\n`);
  console.log(['set'.padEnd(18), 'futures', 'precision', 'recall', '    F1', '  exact', '  ±10%', '    2×', 'unmatched'].join(' '));
  lines.forEach((l) => console.log(l));
  await printFixStats();
  await printRealCrate();
  console.log(`\n${mismatches.length} mismatches:`);
  mismatches.forEach((m) => console.log(`  ${m}`));
}

function listDirs(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort().map((d) => path.join(dir, d)).filter((d) => fs.existsSync(path.join(d, 'Cargo.toml'))) : [];
}

/** Known-size futures in tokio's own sources (Debian's librust-tokio-dev), without and with the crate index. */
async function printRealCrate(): Promise<void> {
  const registry = '/usr/share/cargo/registry';
  const tokio = fs.existsSync(registry) ? fs.readdirSync(registry).find((d) => /^tokio-\d/.test(d)) : undefined;
  if (!tokio) {
    console.log('\ntokio sources not installed (apt-get install librust-tokio-dev): real-crate figures skipped');
    return;
  }
  const k = await knownSizes(path.join(registry, tokio));
  console.log(`\n${tokio} (${k.files} files, ${k.futures} futures): known size file by file ${k.singleFile} (${pct(k.singleFile / k.futures)}), with the crate index ${k.withIndex} (${pct(k.withIndex / k.futures)})`);
}

/** Fix statistics, when the fix suite's measurement module is present. */
async function printFixStats(): Promise<void> {
  const modulePath = path.join(__dirname, '..', 'support', 'fixAccuracy.js');
  if (!fs.existsSync(modulePath)) {
    return;
  }
  const fixAccuracy = require(modulePath) as { measureFixes?: () => Promise<unknown>; formatFixStats?: (s: unknown) => string };
  if (fixAccuracy.measureFixes && fixAccuracy.formatFixStats) {
    console.log('\n' + fixAccuracy.formatFixStats(await fixAccuracy.measureFixes()));
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
