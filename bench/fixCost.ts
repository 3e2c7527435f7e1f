/**
 * The bench's "fix ÷ analysis" rows (issue 15): what `rust-future-size fix` costs next to the
 * analysis of the same files, in this process. Per file, `fixAll` (which analyses the file, plans,
 * verifies and applies its fixes in rounds, as `fix --dry-run` does) against `analyzeSource`;
 * summed over the crate's files, medians of a few rounds after a warm-up round. Inputs: tokio's
 * `src/`, and tokio-postgres and hyper from the Cargo registry when they are installed.
 */
import * as fs from 'fs';
import * as path from 'path';

type EngineModule = typeof import('../server/src/analysis/engine');
type FixesModule = typeof import('../server/src/analysis/fixes/fixes');

export interface FixCostRow {
  what: string;
  input: string;
  result: string;
  target: string;
}

interface Input {
  label: string;
  files: { name: string; text: string }[];
}

const ROUNDS = 3;

export function fixCostRows(
  repoRoot: string,
  registry: string,
  tokio: string | null,
  log: (message: string) => void,
): FixCostRow[] {
  const out = path.join(repoRoot, 'server', 'out', 'analysis');
  const engine = require(path.join(out, 'engine.js')) as EngineModule;
  const fixes = require(path.join(out, 'fixes', 'fixes.js')) as FixesModule;
  const target = `≤ ${fixes.FIX_BUDGET_FACTOR}× (the budget)`;
  const crates = [
    ...(tokio ? [{ label: `${path.basename(tokio)} \`src/\``, dir: path.join(tokio, 'src') }] : []),
    ...['tokio-postgres-', 'hyper-']
      .map((prefix) => newestCrate(registry, prefix))
      .filter((dir): dir is string => dir !== null)
      .map((dir) => ({ label: `${path.basename(dir)} (all \`.rs\`)`, dir })),
  ];
  if (crates.length === 0) {
    return [{ what: 'fix ÷ analysis', input: 'tokio', result: 'n/a (no crate found)', target }];
  }
  return crates.map(({ label, dir }) => {
    log(`fix: fix ÷ analysis on ${label}, ${ROUNDS} rounds`);
    const input: Input = { label, files: rustFiles(dir) };
    const time = (run: (text: string, file: string) => void) => {
      const started = performance.now();
      for (const { name, text } of input.files) {
        run(text, name);
      }
      return performance.now() - started;
    };
    const analyse = () =>
      time((text, file) => engine.analyzeSource(text, { file, edition: '2021' }));
    let applied = 0;
    let slowest = { ms: 0, file: '' };
    let notices = 0;
    const fix = () =>
      time((text, file) => {
        const started = performance.now();
        const result = fixes.fixAll(text, { file, edition: '2021' });
        const ms = performance.now() - started;
        slowest = ms > slowest.ms ? { ms, file } : slowest;
        applied += result.ok ? result.applied.length : 0;
        notices += result.ok ? result.notices.length : 0;
      });
    analyse();
    fix();
    const analysisTimes: number[] = [];
    const fixTimes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      applied = 0;
      notices = 0;
      analysisTimes.push(analyse());
      fixTimes.push(fix());
    }
    const a = median(analysisTimes);
    const f = median(fixTimes);
    return {
      what: 'fix ÷ analysis (`fixAll` ÷ `analyzeSource`, per file)',
      input: `${label}, ${input.files.length} files`,
      result:
        `${(f / a).toFixed(2)}× (fix ${(f / 1000).toFixed(2)} s, analysis ` +
        `${(a / 1000).toFixed(2)} s; ${applied} fixes; slowest file ${slowest.ms.toFixed(0)} ms` +
        `${notices > 0 ? `; ${notices} budget notices` : ''})`,
      target,
    };
  });
}

/** The newest `<prefix>x.y.z` in the registry (by version), or null. */
function newestCrate(registry: string, prefix: string): string | null {
  let names: string[];
  try {
    names = fs.readdirSync(registry);
  } catch {
    return null;
  }
  const version = (name: string) => name.slice(prefix.length).split('.').map(Number);
  const found = names
    .filter((name) => name.startsWith(prefix) && /^\d+\.\d+\.\d+$/.test(name.slice(prefix.length)))
    .sort((a, b) => {
      const [x, y] = [version(a), version(b)];
      return y[0] - x[0] || y[1] - x[1] || y[2] - x[2];
    });
  return found.length > 0 ? path.join(registry, found[0]) : null;
}

function rustFiles(dir: string): { name: string; text: string }[] {
  const found: { name: string; text: string }[] = [];
  const visit = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory() && entry.name !== 'target') {
        visit(full);
      } else if (entry.isFile() && entry.name.endsWith('.rs')) {
        found.push({ name: path.relative(dir, full), text: fs.readFileSync(full, 'utf8') });
      }
    }
  };
  visit(dir);
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
