/**
 * Futures inside macros are reported where they are written. A macro's input is re-parsed on its
 * own, and a macro nested in another's input is re-parsed from the outer input's tree, so its
 * futures were once placed relative to the outer input (`async block@3:19`, inside an attribute).
 * Every future's position must point at its `async` keyword (a closure's `|`/`move`, a fn's
 * signature) in the real file, and a fixture's async blocks must carry the names rustc gives them,
 * so that the engine and rustc pair them.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { FutureReport } from '../../server/src/analysis/report';
import { compareFile } from '../support/compare';
import { repositoryRoot } from '../support/fixAccuracy';
import { loadServerModule } from '../support/repoPaths';
import { DEBIAN_REGISTRY } from '../support/realCorpus';
import { requireRustc } from '../support/rustcCorpus';
import * as runner from '../support/runRustc';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const rustcOut =
  loadServerModule<typeof import('../../server/src/measure/printTypeSizes')>(
    'measure/printTypeSizes',
  );

const FIXTURE = path.join(
  repositoryRoot(),
  'test',
  'fixtures',
  'macro-positions',
  'nested_select_join.rs',
);
const TOKIO_SELECT_TESTS = path.join(
  process.env.RUST_FUTURE_SIZE_REGISTRY ?? DEBIAN_REGISTRY,
  'tokio-1.24.2',
  'tests',
  'macros_select.rs',
);

/** What a future's reported position may start with in the source. */
const FUTURE_START: Record<FutureReport['kind'], RegExp> = {
  fn: /^(pub\b|async\b|const\b|unsafe\b|extern\b|fn\b|#)/,
  block: /^async\b/,
  closure: /^(async\b|move\b|\|)/,
};

/** The futures whose reported position does not start the future in `text`, described. */
function misplaced(text: string, futures: FutureReport[]): string[] {
  const lines = text.split('\n');
  return futures
    .filter((f) => !FUTURE_START[f.kind].test((lines[f.line - 1] ?? '').slice(f.column - 1)))
    .map((f) => `${f.name} (${f.kind}) at ${f.line}:${f.column}`);
}

function analyze(file: string): FutureReport[] {
  const text = fs.readFileSync(file, 'utf8');
  return engine.analyzeSource(text, { file, edition: '2021' }).futures;
}

describe('futures inside nested macros', function () {
  this.timeout(120_000);

  before(async () => {
    await engine.initAnalysis();
  });

  it('places every future of nested select!/join! at its async keyword', () => {
    const futures = analyze(FIXTURE);
    const blocks = futures.filter((f) => f.kind === 'block');
    assert.strictEqual(blocks.length, 11, blocks.map((f) => f.name).join(', '));
    assert.deepStrictEqual(misplaced(fs.readFileSync(FIXTURE, 'utf8'), futures), []);
  });

  it('places an async fn inside nested item macros on its own line', () => {
    const text = [
      'macro_rules! items { ($($i:item)*) => { $($i)* } }',
      'items! {',
      '    items! {',
      '        pub async fn inner() { let b = [0u8; 10]; std::future::ready(()).await; drop(b); }',
      '    }',
      '    pub async fn outer() {}',
      '}',
      '',
    ].join('\n');
    const futures = engine.analyzeSource(text, { file: 'lib.rs', edition: '2021' }).futures;
    assert.deepStrictEqual(futures.map((f) => `${f.name} ${f.line}:${f.column}`).sort(), [
      'inner 4:13',
      'outer 6:9',
    ]);
    assert.deepStrictEqual(misplaced(text, futures), []);
  });

  it("names the fixture's async blocks as rustc does, so they pair with rustc's", async () => {
    requireRustc();
    const result = await runner.runPrintTypeSizesAsync(path.basename(FIXTURE), '2021', {
      cwd: path.dirname(FIXTURE),
    });
    assert.ok(result.ok, result.ok ? '' : result.error);
    const rustc = rustcOut.futuresFromTypes(rustcOut.parsePrintTypeSizes(result.stdout));
    const rustcBlocks = rustc.filter((f) => f.kind === 'block').map((f) => f.name);
    const engineBlocks = analyze(FIXTURE)
      .filter((f) => f.kind === 'block')
      .map((f) => f.name);
    assert.deepStrictEqual([...engineBlocks].sort(), [...rustcBlocks].sort());
    const paired = compareFile(FIXTURE, analyze(FIXTURE), rustc);
    assert.deepStrictEqual(
      paired.unmatchedEngine.map((f) => f.name),
      [],
      'engine futures rustc has no future for',
    );
  });

  it("places every future of tokio's select! tests in the file", function () {
    if (!fs.existsSync(TOKIO_SELECT_TESTS)) {
      console.log(`      skipped: ${TOKIO_SELECT_TESTS} is not installed`);
      this.skip();
    }
    const futures = analyze(TOKIO_SELECT_TESTS);
    assert.ok(futures.length > 100, `only ${futures.length} futures`);
    assert.deepStrictEqual(misplaced(fs.readFileSync(TOKIO_SELECT_TESTS, 'utf8'), futures), []);
    // The nested selects' inner blocks (`nested`, `nested_one`), once reported on lines 3 and 4.
    const names = new Set(futures.map((f) => f.name));
    assert.ok(names.has('async block@29:19'), [...names].join(', '));
    assert.ok(names.has('async block@201:21'), [...names].join(', '));
  });
});
