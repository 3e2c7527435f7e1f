/**
 * The walk cache an editor keeps per document: after any edit, analysing with it must give exactly
 * what a fresh analysis gives, only faster.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { FileReport } from '../../server/src/analysis/report';
import { loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const parser =
  loadServerModule<typeof import('../../server/src/analysis/syntax/parser')>(
    'analysis/syntax/parser',
  );
const items =
  loadServerModule<typeof import('../../server/src/analysis/items/items')>('analysis/items/items');
const dependencies = loadServerModule<
  typeof import('../../server/src/analysis/items/itemDependencies')
>('analysis/items/itemDependencies');
const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** The futures a fresh analysis must also find (a cache may also keep futures a parse error hides: tested below). */
function comparable(report: FileReport): string {
  return JSON.stringify(report.futures.filter((f) => !f.kept));
}

describe('walk cache', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  const fixtures = [
    '01_http_request_handler.rs',
    '16_async_block_stored.rs',
    '17_async_closures.rs',
    '42_generic_default.rs',
    '55_evaluation_order_and_control_flow.rs',
  ];
  for (const name of fixtures) {
    it(`gives the same reports as a fresh analysis after 30 random edits: ${name}`, () => {
      let text = fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'engine', name), 'utf8');
      const cache = new engine.WalkCache();
      const withCache = () =>
        engine.analyzeSource(text, { file: name, edition: '2021', walkCache: cache });
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
    const generate = require(path.join(repoRoot, 'bench', 'out', 'generate.js')) as {
      generateRust(fns: number, seed: number): { text: string };
    };
    let text = generate.generateRust(123, 7).text;
    const cache = new engine.WalkCache();
    engine.analyzeSource(text, { file: 'g.rs', edition: '2021', walkCache: cache });
    cache.sweep();
    let seed = 1;
    for (let i = 0; i < 15; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const at = seed % text.length;
      text = text.slice(0, at) + (i % 3 === 0 ? '\n' : ' ') + text.slice(at);
      const cached = engine.analyzeSource(text, {
        file: 'g.rs',
        edition: '2021',
        walkCache: cache,
      });
      cache.sweep();
      assert.strictEqual(
        comparable(cached),
        comparable(engine.analyzeSource(text, { file: 'g.rs', edition: '2021' })),
        `edit ${i} at ${at}`,
      );
    }
  });

  it('gives the same reports as a fresh analysis after typing and deleting letters and punctuation anywhere', function () {
    this.timeout(120_000);
    const generate = require(path.join(repoRoot, 'bench', 'out', 'generate.js')) as {
      generateRust(fns: number, seed: number): { text: string };
    };
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
      text =
        next() % 3 === 0
          ? text.slice(0, at) + text.slice(at + 1)
          : text.slice(0, at) + typed[next() % typed.length] + text.slice(at);
      const cached = engine.analyzeSource(text, {
        file: 'g.rs',
        edition: '2021',
        walkCache: cache,
      });
      cache.sweep();
      assert.strictEqual(
        comparable(cached),
        comparable(engine.analyzeSource(text, { file: 'g.rs', edition: '2021' })),
        `edit ${i} at ${at}`,
      );
    }
  });
});

describe('walk cache: unknown types and item edits', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  // A cached walk names an unknown type after its value (`type of \`shared\``) before its tree
  // goes; a capture by value and a closure's argument are sized from the type as walked (`_`).
  it('sizes values of unknown type captured by a block or passed to a closure as fresh', () => {
    let text = [
      'async fn tick() {}',
      'async fn spawn(conn: &Conn) -> usize {',
      '    let shared = made_elsewhere(conn);',
      '    let task = async move { tick().await; keep(shared); 1 };',
      '    let double = async |x| { tick().await; x };',
      '    task.await + double(2).await',
      '}',
      'async fn other() { tick().await; }',
    ].join('\n');
    const cache = new engine.WalkCache();
    for (const edit of ['', ' ', '\n']) {
      text = text.replace('async fn other', `${edit}async fn other`);
      const cached = engine.analyzeSource(text, {
        file: 'u.rs',
        edition: '2021',
        walkCache: cache,
      });
      cache.sweep();
      const fresh = engine.analyzeSource(text, { file: 'u.rs', edition: '2021' });
      assert.ok(
        fresh.futures.some((f) => f.unknown.includes('_')),
        'a future reads a value of unknown type',
      );
      assert.strictEqual(comparable(cached), comparable(fresh), `after ${JSON.stringify(edit)}`);
    }
    assert.ok(cache.size > 0, 'the walks were cached');
  });

  it('gives the same reports as a fresh analysis after random edits that change items', function () {
    this.timeout(300_000);
    const generate = require(path.join(repoRoot, 'bench', 'out', 'generate.js')) as {
      generateRust(fns: number, seed: number): { text: string };
    };
    let text = generate.generateRust(30, 5).text;
    const cache = new engine.WalkCache();
    engine.analyzeSource(text, { file: 'g.rs', edition: '2021', walkCache: cache });
    cache.sweep();
    // This seed once left `shared` of spawn_4 unknown, captured by value by its async block.
    let seed = 63_359;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const pieces = ['x', ';', '{', '}', '(', ' ', '\n', '/', '//', '"', 'fn f() {}', 'struct S;'];
    pieces.push('use a::B;', 'async {', 'm! {', '/*', '*/', "'", '#[cfg(x)]');
    pieces.push('async fn nested() { let b = [1u8; 64]; tick().await; b.len(); }');
    for (let i = 0; i < 30; i++) {
      const places: number[] = [];
      let offset = 0;
      for (const line of text.split('\n')) {
        if (/\{\s*$/.test(line) || /\/\/.*$/.test(line)) {
          places.push(offset + line.length);
        }
        offset += line.length + 1;
      }
      const at = next() % 2 === 0 ? places[next() % places.length] : next() % text.length;
      const deleted = next() % 4 === 0 ? Math.min(1 + (next() % 6), text.length - at) : 0;
      text = text.slice(0, at) + pieces[next() % pieces.length] + text.slice(at + deleted);
      const cached = engine.analyzeSource(text, {
        file: 'g.rs',
        edition: '2021',
        walkCache: cache,
      });
      cache.sweep();
      assert.strictEqual(
        comparable(cached),
        comparable(engine.analyzeSource(text, { file: 'g.rs', edition: '2021' })),
        `edit ${i} at ${at}`,
      );
    }
  });
});

describe('walk cache: parse errors and impls', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  describe('futures hidden by a parse error elsewhere', () => {
    // A match whose `=>` can be half typed, with fns below it (shared with the protocol tests).
    const file = fs.readFileSync(
      path.join(repoRoot, 'test', 'fixtures', 'lsp', 'half_typed.rs'),
      'utf8',
    );
    const sizes = (report: FileReport) =>
      report.futures
        .filter((f) => !f.skipped)
        .map((f) => `${f.name}@${f.line}:${f.size}${f.kept ? ' kept' : ''}`);

    it('keeps their last reports, moved with their text, while the file does not parse, and drops them once it does', () => {
      const cache = new engine.WalkCache();
      const before = sizes(
        engine.analyzeSource(file, { file: 'x.rs', edition: '2021', walkCache: cache }),
      );
      cache.sweep();
      // A half-typed `=>` with a line inserted above: error recovery turns everything below into ERROR nodes.
      const broken = `// note\n${file.replace('Command::Quit => break', 'Command::Quit =x> break')}`;
      const fresh = sizes(engine.analyzeSource(broken, { file: 'x.rs', edition: '2021' }));
      assert.ok(
        !fresh.some((s) => s.startsWith('below@')),
        `a fresh analysis loses them: ${fresh.join(', ')}`,
      );
      const keptReport = engine.analyzeSource(broken, {
        file: 'x.rs',
        edition: '2021',
        walkCache: cache,
      });
      cache.sweep();
      const kept = sizes(keptReport);
      for (const name of ['below', 'also_below']) {
        const was = before.find((s) => s.startsWith(`${name}@`))!;
        const [, line, size] = /@(\d+):(\d+)/.exec(was)!;
        assert.ok(kept.includes(`${name}@${Number(line) + 1}:${size} kept`), kept.join(', '));
      }
      assert.ok(keptReport.notices.some((n) => /kept from the last analysis/.test(n)));
      // Still broken on the next keystroke: still kept.
      assert.ok(
        sizes(
          engine.analyzeSource(`${broken} `, { file: 'x.rs', edition: '2021', walkCache: cache }),
        ).some((s) => s.endsWith(' kept')),
      );
      cache.sweep();
      const fixed = sizes(
        engine.analyzeSource(`// note\n${file}`, {
          file: 'x.rs',
          edition: '2021',
          walkCache: cache,
        }),
      );
      assert.ok(!fixed.some((s) => s.endsWith(' kept')), fixed.join(', '));
    });

    it('does not keep a future whose text is gone or that is commented out', () => {
      const cache = new engine.WalkCache();
      engine.analyzeSource(file, { file: 'x.rs', edition: '2021', walkCache: cache });
      cache.sweep();
      const commented = file.replace('pub async fn below', '/* pub async fn below');
      assert.deepStrictEqual(
        sizes(
          engine.analyzeSource(commented, { file: 'x.rs', edition: '2021', walkCache: cache }),
        ).filter((s) => s.endsWith(' kept')),
        [],
      );
    });
  });
});

describe('walk cache: what a cached walk reads', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  it('analyses items that error recovery nested inside an impl', () => {
    const text =
      'struct A;\nimpl A {\n    fn f(&self) {\n}\nimpl A {\n    async fn g(&self) { let b = [0u8; 64]; h().await; drop(b); }\n}\nasync fn h() {}\n';
    const names = engine
      .analyzeSource(text, { file: 'x.rs', edition: '2021' })
      .futures.filter((f) => !f.skipped)
      .map((f) => `${f.name}:${f.size}`);
    assert.ok(
      names.some((n) => /^A::g:\d+$/.test(n)),
      names.join(', '),
    );
  });

  it("does not take an impl's associated type for the module's type of the same name", () => {
    const text = [
      'pub enum Output { Bytes(Vec<u8>), Count(usize) }',
      'struct F;',
      'impl std::ops::Not for F { type Output = u8; fn not(self) -> u8 { 0 } }',
      'async fn tick() {}',
      'pub async fn hold() { let o = Output::Count(1); tick().await; drop(o); }',
      '',
    ].join('\n');
    const hold = engine
      .analyzeSource(text, { file: 'x.rs', edition: '2021' })
      .futures.find((f) => f.name === 'hold')!;
    assert.deepStrictEqual(
      hold.awaits[0].held.filter((h) => h.name === 'o').map((h) => h.size),
      [24],
    );
  });

  describe('re-walks a function whose text is unchanged when something it reads changes', () => {
    /** Analyses `before` with a cache, then `after` with the same cache, and checks it against a fresh analysis of `after`. */
    const edit = (before: string, after: string) => {
      const cache = new engine.WalkCache();
      const first = engine.analyzeSource(before, {
        file: 'x.rs',
        edition: '2021',
        walkCache: cache,
      });
      cache.sweep();
      const cached = engine.analyzeSource(after, {
        file: 'x.rs',
        edition: '2021',
        walkCache: cache,
      });
      const counts = { ...cache.counts };
      cache.sweep();
      const fresh = engine.analyzeSource(after, { file: 'x.rs', edition: '2021' });
      assert.strictEqual(comparable(cached), comparable(fresh));
      const sizeOf = (report: FileReport, name: string) =>
        report.futures.find((f) => f.name === name)?.size;
      return { first, fresh, counts, sizeOf };
    };
    const common =
      'async fn tick() {}\nasync fn unrelated() { let x = [0u8; 8]; tick().await; drop(x); }\n';

    it('a struct it holds', () => {
      const before = `${common}struct Big { data: [u8; 16] }\nasync fn user() { let b = Big { data: [0; 16] }; tick().await; drop(b); }\n`;
      const { first, fresh, counts, sizeOf } = edit(
        before,
        before.replace('data: [u8; 16] }', 'data: [u8; 4096] }'),
      );
      assert.notStrictEqual(sizeOf(first, 'user'), sizeOf(fresh, 'user'));
      // `user` names `Big`; `tick` and `unrelated` cannot reach it and keep their walks.
      assert.deepStrictEqual(counts, { walked: 1, reused: 2 });
    });

    it('the return type of a fn it calls', () => {
      const before = `${common}async fn make() -> [u8; 16] { [0; 16] }\nasync fn user() { let v = make().await; tick().await; drop(v); }\n`;
      const { first, fresh, counts, sizeOf } = edit(
        before,
        before.replace('-> [u8; 16] { [0; 16] }', '-> [u8; 4096] { [0; 4096] }'),
      );
      assert.notStrictEqual(sizeOf(first, 'user'), sizeOf(fresh, 'user'));
      assert.deepStrictEqual(counts, { walked: 2, reused: 2 });
    });

    it("a glob import of another crate, which makes a bare name no longer std's", () => {
      const before = `${common}use std::sync::*;\nasync fn user(m: Mutex<u8>) { tick().await; drop(m); }\n`;
      const { first, fresh } = edit(
        before,
        before.replace('use std::sync::*;', 'use tokio::sync::*;'),
      );
      assert.strictEqual(first.futures.find((f) => f.name === 'user')?.exact, true);
      assert.strictEqual(fresh.futures.find((f) => f.name === 'user')?.exact, false);
    });

    it('a second type of the same name declared in another fn body', () => {
      const before = `${common}fn a() { struct Check(std::sync::Arc<u8>); }\nasync fn user(c: Check) { tick().await; drop(c); }\n`;
      const { first, fresh } = edit(
        before,
        before.replace('async fn user', 'fn b() { struct Check { id: u64 } }\nasync fn user'),
      );
      assert.strictEqual(first.futures.find((f) => f.name === 'user')?.exact, true);
      assert.strictEqual(fresh.futures.find((f) => f.name === 'user')?.exact, false);
    });
  });
});

describe('walk cache: fingerprints and forgetting', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  it('keeps the index fingerprint through edits of bodies and of the comments before fns, not of what the index reads', () => {
    const keyOf = (text: string) => {
      const tree = parser.parseRust(text, 1000);
      try {
        return dependencies.indexSourceKey(tree.rootNode, items.indexItems(tree.rootNode));
      } finally {
        tree.delete();
      }
    };
    const base =
      'struct S { a: u8 }\n\n/// Reads.\nasync fn f(s: S) { tick().await; }\nasync fn h() {}\nimpl S {\n    // helper\n    async fn g(&self) {}\n}\nasync fn tick() {}\n';
    const key = keyOf(base);
    for (const same of [
      base.replace('tick().await;', 'let x = 1; tick().await;'),
      base.replace('/// Reads.', '/// Reads a thing.\n// and more'),
      base.replace('// helper', '// a helper\n\n'),
      base.replace('tick().await; }\n', 'tick().await; } // trailing\n\n'),
      base.replace('\n\n/// Reads.', '\n\n\n/// Reads.'),
    ]) {
      assert.strictEqual(keyOf(same), key, same);
    }
    for (const different of [
      base.replace('a: u8', 'a: u16'),
      base.replace('/// Reads.', '#[cfg(test)]'),
      base.replace('// helper', '#[inline]'),
      base.replace('/// Reads.', 'type T = u8;'),
      base.replace('async fn f(s: S)', 'async fn f(s: &S)'),
    ]) {
      assert.notStrictEqual(keyOf(different), key, different);
    }
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
