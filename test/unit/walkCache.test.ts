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

  it('gives the same reports as a fresh analysis after typing and deleting letters and punctuation anywhere', function () {
    this.timeout(120_000);
    const generate = require(path.join(repoRoot, 'bench', 'out', 'generate.js')) as { generateRust(fns: number, seed: number): { text: string } };
    let text = generate.generateRust(40, 3).text;
    const cache = new engine.WalkCache();
    engine.analyzeSource(text, { file: 'g.rs', edition: '2021', walkCache: cache });
    cache.sweep();
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const typed = 'x_9;{}<>&(),:u';
    for (let i = 0; i < 40; i++) {
      const at = next() % text.length;
      // Deleting undoes an earlier insertion half the time, as typing does; sometimes it removes original text.
      text = next() % 3 === 0 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + typed[next() % typed.length] + text.slice(at);
      const cached = engine.analyzeSource(text, { file: 'g.rs', edition: '2021', walkCache: cache });
      cache.sweep();
      assert.strictEqual(comparable(cached), comparable(engine.analyzeSource(text, { file: 'g.rs', edition: '2021' })), `edit ${i} at ${at}`);
    }
  });

  describe('re-walks a function whose text is unchanged when something it reads changes', () => {
    /** Analyses `before` with a cache, then `after` with the same cache, and checks it against a fresh analysis of `after`. */
    const edit = (before: string, after: string) => {
      const cache = new engine.WalkCache();
      const first = engine.analyzeSource(before, { file: 'x.rs', edition: '2021', walkCache: cache });
      cache.sweep();
      const cached = engine.analyzeSource(after, { file: 'x.rs', edition: '2021', walkCache: cache });
      const counts = { ...cache.counts };
      cache.sweep();
      const fresh = engine.analyzeSource(after, { file: 'x.rs', edition: '2021' });
      assert.strictEqual(comparable(cached), comparable(fresh));
      const sizeOf = (report: FileReport, name: string) => report.futures.find((f) => f.name === name)?.size;
      return { first, fresh, counts, sizeOf };
    };
    const common = 'async fn tick() {}\nasync fn unrelated() { let x = [0u8; 8]; tick().await; drop(x); }\n';

    it('a struct it holds', () => {
      const before = `${common}struct Big { data: [u8; 16] }\nasync fn user() { let b = Big { data: [0; 16] }; tick().await; drop(b); }\n`;
      const { first, fresh, counts, sizeOf } = edit(before, before.replace('data: [u8; 16] }', 'data: [u8; 4096] }'));
      assert.notStrictEqual(sizeOf(first, 'user'), sizeOf(fresh, 'user'));
      // `user` names `Big`; `tick` and `unrelated` cannot reach it and keep their walks.
      assert.deepStrictEqual(counts, { walked: 1, reused: 2 });
    });

    it('the return type of a fn it calls', () => {
      const before = `${common}async fn make() -> [u8; 16] { [0; 16] }\nasync fn user() { let v = make().await; tick().await; drop(v); }\n`;
      const { first, fresh, counts, sizeOf } = edit(before, before.replace('-> [u8; 16] { [0; 16] }', '-> [u8; 4096] { [0; 4096] }'));
      assert.notStrictEqual(sizeOf(first, 'user'), sizeOf(fresh, 'user'));
      assert.deepStrictEqual(counts, { walked: 2, reused: 2 });
    });
  });

  it('forgets the walks of edited functions a few analyses later, and keeps them until then', () => {
    const cache = new engine.WalkCache();
    const a = 'async fn a() { p().await; }\nasync fn b() { p().await; }\nasync fn p() {}\n';
    engine.analyzeSource(a, { file: 'x.rs', edition: '2021', walkCache: cache });
    cache.sweep();
    const before = cache.size;
    const edited = a.replace('fn a() {', 'fn a() { let x = 1;');
    engine.analyzeSource(edited, { file: 'x.rs', edition: '2021', walkCache: cache });
    cache.sweep();
    // The old walk of `a` stays for a while: undoing the edit must not re-walk it.
    assert.strictEqual(cache.size, before + 1);
    for (let i = 0; i < engine.WalkCache.keepFor; i++) {
      engine.analyzeSource(edited, { file: 'x.rs', edition: '2021', walkCache: cache });
      cache.sweep();
    }
    assert.strictEqual(cache.size, before);
  });
});
