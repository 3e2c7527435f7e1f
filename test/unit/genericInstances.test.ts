/**
 * Generic async fns sized per instantiation when their caller is generic too: `inner(t)` in
 * `outer<T>` is `inner<T>`, known once `outer`'s own instance is (`outer<[u8; 50]>` awaits
 * `inner<[u8; 50]>`). The generic fns are reported once, as lower bounds; their callers' futures
 * are compared with rustc's, so the fixture is not in the engine fixtures' future-by-future set.
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

const FIXTURE = path.join(
  findUpwards(__dirname, (dir) => fs.existsSync(path.join(dir, 'test', 'fixtures', 'instances')))!,
  'test',
  'fixtures',
  'instances',
  'nested_generic_calls.rs',
);

describe('generic async fns called with their caller’s type parameters', function () {
  this.timeout(120_000);

  before(() => engine.initAnalysis());

  it('sizes each caller instance with the callee instances it awaits, as rustc does', () => {
    requireRustc();
    const text = fs.readFileSync(FIXTURE, 'utf8');
    const [report] = engine.analyzeCrate([{ file: FIXTURE, text, modulePath: [] }], {
      edition: '2021',
    });
    const callers = report.futures.filter((f) => f.name.startsWith('call_'));
    assert.strictEqual(callers.length, 6);
    const run = runPrintTypeSizes(path.basename(FIXTURE), '2021', { cwd: path.dirname(FIXTURE) });
    assert.ok(run.ok, run.ok ? '' : run.error);
    const rustc = rustcOut.futuresFromTypes(rustcOut.parsePrintTypeSizes(run.stdout));
    for (const f of callers) {
      const theirs = rustc.find((r) => r.kind === 'fn' && r.name === f.name);
      assert.ok(theirs, `rustc printed ${f.name}`);
      assert.ok(f.exact, `${f.name} is exact (unknown: ${f.unknown.join(', ')})`);
      assert.strictEqual(f.size, theirs.size, `${f.name}: engine ${f.size}, rustc ${theirs.size}`);
    }
    // The generic fns alone know nothing of their parameters: lower bounds, never above rustc.
    const outer = report.futures.find((f) => f.name === 'outer');
    assert.ok(outer && !outer.exact, 'outer<T> alone is a lower bound');
    assert.deepStrictEqual(outer.unknown, ['T', 'U']);
  });
});
