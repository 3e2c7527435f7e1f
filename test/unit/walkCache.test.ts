/**
 * The walk cache an editor keeps per document: after any edit, analysing with it must give exactly
 * what a fresh analysis gives, only faster.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { FileReport } from '../../server/src/analysis/report';
import { loadServerModule } from '../support/repoPaths';

const engine = loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const repoRoot = path.resolve(__dirname, '..', '..', '..');

function comparable(report: FileReport): string {
  return JSON.stringify(report.futures);
}

describe('walk cache', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  const fixtures = ['01_http_request_handler.rs', '16_async_block_stored.rs', '17_async_closures.rs', '42_generic_default.rs', '55_evaluation_order_and_control_flow.rs'];
  for (const name of fixtures) {
    it(`gives the same reports as a fresh analysis after 30 random edits: ${name}`, () => {
      let text = fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'engine', name), 'utf8');
      const cache = new engine.WalkCache();
      const withCache = () => engine.analyzeSource(text, { file: name, edition: '2021', walkCache: cache });
      withCache();
      cache.sweep();
      let seed = 7;
      for (let i = 0; i < 30; i++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const at = seed % text.length;
        // Blank lines move functions; spaces edit bodies and signatures alike.
        text = text.slice(0, at) + (i % 3 === 0 ? '\n' : ' ') + text.slice(at);
        const cached = withCache();
        cache.sweep();
        const fresh = engine.analyzeSource(text, { file: name, edition: '2021' });
        assert.strictEqual(comparable(cached), comparable(fresh), `edit ${i} at ${at}`);
      }
      assert.ok(cache.size > 0, 'nothing was cached');
    });
  }

  it('gives the same reports as a fresh analysis on a dense generated file (123 async fns awaiting each other)', function () {
    this.timeout(120_000);
    // bench/generate.ts is compiled by the same `tsc -b`.
    const generate = require(path.join(repoRoot, 'bench', 'out', 'generate.js')) as { generateRust(fns: number, seed: number): { text: string } };
    let text = generate.generateRust(123, 7).text;
    const cache = new engine.WalkCache();
    engine.analyzeSource(text, { file: 'g.rs', edition: '2021', walkCache: cache });
    cache.sweep();
    let seed = 1;
    for (let i = 0; i < 15; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const at = seed % text.length;
      text = text.slice(0, at) + (i % 3 === 0 ? '\n' : ' ') + text.slice(at);
      const cached = engine.analyzeSource(text, { file: 'g.rs', edition: '2021', walkCache: cache });
      cache.sweep();
      assert.strictEqual(comparable(cached), comparable(engine.analyzeSource(text, { file: 'g.rs', edition: '2021' })), `edit ${i} at ${at}`);
    }
  });

  it('forgets the walks of edited functions', () => {
    const cache = new engine.WalkCache();
    const a = 'async fn a() { p().await; }\nasync fn b() { p().await; }\nasync fn p() {}\n';
    engine.analyzeSource(a, { file: 'x.rs', edition: '2021', walkCache: cache });
    cache.sweep();
    const before = cache.size;
    engine.analyzeSource(a.replace('fn a() {', 'fn a() { let x = 1;'), { file: 'x.rs', edition: '2021', walkCache: cache });
    cache.sweep();
    assert.strictEqual(cache.size, before);
  });
});
