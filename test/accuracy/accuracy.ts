/**
 * `npm run accuracy`: how closely the engine matches rustc on every fixture set, with every mismatch listed.
 * Figures: held-value precision / recall / F1 (named values per await), and the share of futures whose
 * size is exact, within ±10% and within 2×.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AccuracySummary, aggregate } from '../support/compare';
import { referenceCasesDir } from '../support/repoPaths';
import { spawnSync } from 'child_process';
import * as os from 'os';
import { compareCorpus, compareCrate, compareCrateOutput, knownSizes, requireRustc } from '../support/rustcCorpus';

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
  await printRealCrates();
  console.log(`\n${mismatches.length} mismatches:`);
  mismatches.forEach((m) => console.log(`  ${m}`));
}

function listDirs(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort().map((d) => path.join(dir, d)).filter((d) => fs.existsSync(path.join(d, 'Cargo.toml'))) : [];
}

/**
 * Real crates from Debian's registry (`librust-tokio-dev`; `librust-hyper-dev` brings hyper, h2,
 * tokio-util and futures-util too), each with the features that compile most of its async code.
 */
const REAL_CRATES: { name: string; features: string[]; install: string }[] = [
  { name: 'tokio', features: ['full'], install: 'librust-tokio-dev' },
  { name: 'hyper', features: ['full'], install: 'librust-hyper-dev' },
  { name: 'h2', features: [], install: 'librust-hyper-dev' },
  { name: 'tokio-util', features: ['full'], install: 'librust-hyper-dev' },
  { name: 'futures-util', features: [], install: 'librust-hyper-dev' },
];

/**
 * Each installed real crate: how many futures have a known size without and with the crate index,
 * and, compiled offline against Debian's registry, how the analysis compares with rustc.
 */
async function printRealCrates(): Promise<void> {
  const registry = '/usr/share/cargo/registry';
  const installed = fs.existsSync(registry) ? fs.readdirSync(registry) : [];
  for (const crate of REAL_CRATES) {
    const dir = installed.find((d) => d.startsWith(`${crate.name}-`) && /^\d/.test(d.slice(crate.name.length + 1)));
    if (!dir) {
      console.log(`\n${crate.name} sources not installed (apt-get install ${crate.install}): skipped`);
      continue;
    }
    const k = await knownSizes(path.join(registry, dir));
    if (k.futures === 0) {
      console.log(`\n${dir} (${k.files} files): no async fn, block or closure`);
      continue;
    }
    console.log(`\n${dir} (${k.files} files, ${k.futures} futures): known size file by file ${k.singleFile} (${pct(k.singleFile / k.futures)}), with the crate index ${k.withIndex} (${pct(k.withIndex / k.futures)})`);
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), `rfs-${crate.name}-`));
    try {
      const summary = await compareBuiltCrate(path.join(registry, dir), copy, registry, crate.features);
      const features = crate.features.length ? `--features ${crate.features.join(',')}` : 'default features';
      if (typeof summary === 'string') {
        console.log(`  against rustc: not measured (${summary})`);
      } else {
        const learned = summary as AccuracySummary & { learnedExact: number; learnedF1: number };
        console.log(`  against rustc (cargo ${features}, offline): ${summary.futures} futures matched, held-value F1 ${summary.f1.toFixed(3)}, exact ${pct(summary.exactShare)}, within 2× ${pct(summary.within2xShare)} (other crates' types make most sizes lower bounds)`);
        console.log(`  with the type sizes of that build learned (as after \`calibrate\`, futures still estimated): held-value F1 ${learned.learnedF1.toFixed(3)}, exact ${pct(learned.learnedExact)}`);
        for (const mismatch of summary.mismatches.filter((m) => /await \d+: (extra|missing)/.test(m)).slice(0, 8)) {
          console.log(`  ${mismatch}`);
        }
      }
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  }
}

/** Builds a copy of a registry crate with -Zprint-type-sizes (dev-dependencies dropped) and compares it. */
async function compareBuiltCrate(source: string, copy: string, registry: string, features: string[]): Promise<AccuracySummary | string> {
  fs.cpSync(source, copy, { recursive: true });
  const manifest = path.join(copy, 'Cargo.toml');
  const kept: string[] = [];
  let skipping = false;
  for (const line of fs.readFileSync(manifest, 'utf8').split('\n')) {
    if (line.startsWith('[')) {
      skipping = line.includes('dev-dependencies');
    }
    if (!skipping) {
      kept.push(line);
    }
  }
  fs.writeFileSync(manifest, kept.join('\n'));
  fs.mkdirSync(path.join(copy, '.cargo'), { recursive: true });
  fs.writeFileSync(path.join(copy, '.cargo', 'config.toml'), `[source.crates-io]\nreplace-with = "debian"\n[source.debian]\ndirectory = "${registry}"\n`);
  const build = spawnSync('cargo', ['rustc', '--offline', '--lib', ...(features.length ? ['--features', features.join(',')] : []), '--', '-Zprint-type-sizes'], {
    cwd: copy,
    env: { ...process.env, RUSTC_BOOTSTRAP: '1', CARGO_TARGET_DIR: path.join(copy, 'target') },
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  if (build.status !== 0) {
    return (build.stderr ?? '').split('\n').find((l) => l.startsWith('error')) ?? `cargo exited with ${build.status}`;
  }
  const plain = aggregate(await compareCrateOutput(copy, build.stdout));
  const learned = aggregate(await compareCrateOutput(copy, build.stdout, '2021', true));
  return { ...plain, learnedExact: learned.exactShare, learnedF1: learned.f1 } as AccuracySummary & { learnedExact: number; learnedF1: number };
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
