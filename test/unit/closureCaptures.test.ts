/**
 * Closures passed for generic parameters of async fns (`impl FnMut() -> R`, `F: FnOnce() -> u8`)
 * and closures kept across an await, sized by their captures (issue 14): every future of the
 * fixtures in `test/fixtures/closures` that is not generic itself is exact and rustc's size, in
 * editions 2021 (places) and 2018 (whole variables). The generic helpers are reported once, as
 * lower bounds never above any of rustc's instances; they are why these fixtures are not in the
 * engine fixtures' future-by-future set.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { findUpwards, loadServerModule } from '../support/repoPaths';
import { requireRustc } from '../support/rustcCorpus';
import { runPrintTypeSizes } from '../support/runRustc';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const rustcOut =
  loadServerModule<typeof import('../../server/src/measure/printTypeSizes')>(
    'measure/printTypeSizes',
  );

const DIR = path.join(
  findUpwards(__dirname, (dir) => fs.existsSync(path.join(dir, 'test', 'fixtures', 'closures')))!,
  'test',
  'fixtures',
  'closures',
);

/** The generic helpers of the fixtures: one engine future for all of rustc's instances. */
const GENERIC = new Set(['hold', 'hold_once', 'hold_ref', 'wait', 'wait_send']);

function compare(file: string, edition: '2018' | '2021'): number {
  const text = fs.readFileSync(path.join(DIR, file), 'utf8');
  const [report] = engine.analyzeCrate([{ file: path.join(DIR, file), text, modulePath: [] }], {
    edition,
  });
  const run = runPrintTypeSizes(file, edition, { cwd: DIR });
  assert.ok(run.ok, run.ok ? '' : run.error);
  const rustc = rustcOut
    .futuresFromTypes(rustcOut.parsePrintTypeSizes(run.stdout))
    .filter((r) => r.kind === 'fn');
  let compared = 0;
  for (const f of report.futures.filter((x) => x.kind === 'fn')) {
    const base = f.name.split('::').pop()!;
    const theirs = rustc.filter((r) => r.name.replace(/<.*$/, '') === f.name);
    assert.ok(theirs.length > 0, `${file}: rustc printed ${f.name}`);
    if (GENERIC.has(base) && !f.exact) {
      const smallest = Math.min(...theirs.map((r) => r.size));
      assert.ok((f.size ?? 0) <= smallest, `${f.name}: bound ${f.size} above rustc's ${smallest}`);
      continue;
    }
    assert.strictEqual(theirs.length, 1, `${f.name} is not generic`);
    assert.ok(f.exact, `${file} ${f.name} is exact (unknown: ${f.unknown.join(', ')})`);
    assert.strictEqual(f.size, theirs[0].size, `${file} ${f.name}: engine ${f.size}, rustc`);
    compared++;
  }
  return compared;
}

describe('closures sized by their captures', function () {
  this.timeout(120_000);

  before(() => engine.initAnalysis());

  for (const edition of ['2021', '2018'] as const) {
    it(`sizes closures passed for impl FnMut / F: FnOnce parameters as rustc (${edition})`, () => {
      requireRustc();
      assert.strictEqual(compare('passed.rs', edition), 14);
    });

    it(`borrows what references and boxes point to, as rustc (${edition})`, () => {
      requireRustc();
      assert.strictEqual(compare('reborrows.rs', edition), 15);
    });

    it(`sizes closures kept across an await and impl Future parameters (${edition})`, () => {
      requireRustc();
      assert.strictEqual(compare('held.rs', edition), 17);
    });
  }
});
