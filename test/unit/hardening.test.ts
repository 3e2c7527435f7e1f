/**
 * Input rustc rejects never gives an impossible number: a negative or non-usize array length, a type
 * over 2^53 bytes, or a type that grows at every level of its own definition has no size, and the
 * future naming it is a lower bound that says why.
 */
import * as assert from 'assert';
import { loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');

function analyse(text: string) {
  return engine.analyzeSource(text, { file: 'hardening.rs', edition: '2021' });
}

describe('no impossible numbers', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  it('gives no size to an array whose length is negative, and none above 2^53 bytes', () => {
    const report = analyse(`async fn tick() {}
pub async fn negative() { let a: [u8; 1 - 2] = todo!(); tick().await; drop(a); }
pub async fn huge() { let a: [[u8; 1 << 40]; 1 << 40] = todo!(); tick().await; drop(a); }
pub async fn many() { let a = ([[0u8; 1 << 30]; 1 << 22], [[0u8; 1 << 30]; 1 << 22]); tick().await; drop(a); }`);
    for (const future of report.futures) {
      assert.ok(
        future.size === null || (future.size >= 0 && future.size <= Number.MAX_SAFE_INTEGER),
        `${future.name}: ${future.size}`,
      );
      for (const held of future.awaits.flatMap((a) => a.held)) {
        assert.ok(
          held.size === null || (held.size >= 0 && held.size <= Number.MAX_SAFE_INTEGER),
          `${future.name} ${held.name}: ${held.size}`,
        );
      }
    }
    const byName = Object.fromEntries(report.futures.map((f) => [f.name, f]));
    assert.strictEqual(byName.negative.exact, false);
    assert.ok(
      byName.negative.unknown.some((u) => u.includes('an array length must be a usize')),
      JSON.stringify(byName.negative.unknown),
    );
    assert.strictEqual(byName.huge.exact, false);
    assert.ok(
      byName.huge.unknown.some((u) => u.includes('too big')),
      JSON.stringify(byName.huge.unknown),
    );
    assert.strictEqual(byName.many.exact, false);
  });

  it('stops at a type that grows at every level (polymorphic recursion), with a short answer', () => {
    const report = analyse(
      'struct S<T>(T, Option<S<(T, T)>>);\nasync fn tick() {}\npub async fn f(s: S<u8>) { tick().await; drop(s); }\n',
    );
    const f = report.futures.find((x) => x.name === 'f')!;
    assert.strictEqual(f.exact, false);
    assert.ok(
      f.unknown.some((u) => u.includes('recursive type')),
      JSON.stringify(f.unknown),
    );
    // The report stays proportional to the input (it was 19.8 MB of JSON for these 120 bytes).
    assert.ok(
      JSON.stringify(report).length < 10_000,
      `${JSON.stringify(report).length} characters`,
    );
  });

  it('reads a type nested 3,000 levels deep as far as rustc would, without losing the file or the crate', () => {
    const deep = `${'Vec<'.repeat(3000)}u8${'>'.repeat(3000)}`;
    const single = analyse(
      `async fn tick() {}\npub async fn f() { let _n: ${deep} = todo!(); tick().await; }\n`,
    );
    assert.deepStrictEqual(single.notices, []);
    // A Vec is 24 bytes whatever it holds.
    assert.strictEqual(single.futures.find((f) => f.name === 'f')?.size, 32);
    const crate = engine.analyzeCrate(
      [
        {
          file: 'src/lib.rs',
          text: 'mod deep;\nasync fn tick() {}\npub async fn g() { tick().await; }\n',
          modulePath: [],
        },
        { file: 'src/deep.rs', text: `pub type D = ${deep};\n`, modulePath: ['deep'] },
      ],
      { edition: '2021' },
    );
    assert.deepStrictEqual(
      crate.flatMap((r) => r.notices),
      [],
    );
    assert.deepStrictEqual(
      crate.flatMap((r) => r.futures.map((f) => f.name)),
      ['tick', 'g'],
    );
  });

  it('reads macro inputs nested 10,000 deep only 16 levels in, so the parser survives for the next file', () => {
    const deep = `async fn tick() {}\npub async fn f() { let v = ${'vec!['.repeat(10_000)}1${']'.repeat(10_000)}; tick().await; drop(v); }\n`;
    // Each level was parsed again on its own: quadratic work until tree-sitter's runtime aborted,
    // and the next file then came back empty, with no notice.
    const small = 'async fn tick() {}\npub async fn g(b: [u8; 64]) { tick().await; drop(b); }\n';
    const before = analyse(small).futures.map((f) => [f.name, f.size]);
    const first = analyse(deep);
    assert.deepStrictEqual(
      first.futures.map((f) => f.name),
      ['tick', 'f'],
    );
    assert.deepStrictEqual(
      analyse(small).futures.map((f) => [f.name, f.size]),
      before,
    );
    assert.strictEqual(before.length, 2);
  });
});

describe('nested futures cost linear work', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  const nested = (depth: number, inner: string) =>
    `async fn f() {\n    let v = ${'async { '.repeat(depth)}${inner}${' }'.repeat(depth)};\n    v.await;\n}\n`;

  it('walks a few nested async blocks fully: exact, no notice', () => {
    const report = analyse(nested(8, '1u8'));
    assert.deepStrictEqual(report.notices, []);
    assert.strictEqual(report.futures.length, 9);
    assert.ok(
      report.futures.every((f) => f.exact && f.skipped === undefined),
      JSON.stringify(report.futures.map((f) => [f.name, f.exact])),
    );
  });

  it('makes a future holding blocks nested past the walk depth a lower bound, never exact', () => {
    const report = analyse(nested(40, '1u8'));
    const outer = report.futures.find((f) => f.name === 'f')!;
    assert.strictEqual(outer.exact, false);
    assert.ok(
      outer.unknown.some((u) => /nested more than \d+ deep/.test(u)),
      JSON.stringify(outer.unknown),
    );
    // The innermost blocks are within the depth of their own walks: exact.
    assert.ok(report.futures[report.futures.length - 1]!.exact);
  });

  it('reports 1,000 nested async blocks with one notice, skipping those past the chain limit, without a stack overflow', () => {
    const report = analyse(nested(1000, '1u8'));
    assert.strictEqual(report.futures.length, 1001);
    assert.strictEqual(report.notices.length, 1, JSON.stringify(report.notices));
    assert.match(report.notices[0]!, /skipped: nested more than \d+ async blocks or closures deep/);
    const skipped = report.futures.filter((f) => f.skipped !== undefined);
    assert.ok(skipped.length > 900 && skipped.every((f) => f.size === null && !f.exact));
  });
});

describe('a macro input that does not parse in time', () => {
  const parser =
    loadServerModule<typeof import('../../server/src/analysis/syntax/parser')>(
      'analysis/syntax/parser',
    );

  before(async () => {
    await engine.initAnalysis();
  });

  // Item macros hold whole modules (tokio's `cfg_net! { .. }`, a test file inside `rt_test! { .. }`):
  // on a busy machine their parse can run out of time, and the fns inside must not vanish quietly.
  it('skips the file with a notice naming the macro, never a report without the fns inside it', () => {
    const fns = Array.from(
      { length: 3000 },
      (_, i) => `    pub async fn f${i}() { let b = [0u8; ${i}]; tick().await; drop(b); }`,
    ).join('\n');
    const text = `async fn tick() {}\nmy_items! {\n${fns}\n}\npub async fn outside() { tick().await; }\n`;
    const tree = parser.parseRust(text, 60_000);
    try {
      const report = engine.analyzeSource(text, {
        file: 'slow.rs',
        edition: '2021',
        tree,
        parseBudgetMs: 0,
      });
      assert.deepStrictEqual(report.futures, []);
      assert.deepStrictEqual(report.notices, [
        'skipped: parsing the input of `my_items!` (line 2) took longer than 0 ms',
      ]);
    } finally {
      tree.delete();
    }
    const inTime = engine.analyzeSource(text, { file: 'slow.rs', edition: '2021' });
    assert.strictEqual(inTime.futures.length, 3002);
    assert.deepStrictEqual(inTime.notices, []);
  });

  it('does not size a future whose `join!` input did not parse in time', () => {
    const arms = Array.from({ length: 4000 }, (_, i) => `async { [0u8; ${i % 64}] }`).join(', ');
    const text = `pub async fn joined() { let r = futures::join!(${arms}); drop(r); }\n`;
    const tree = parser.parseRust(text, 60_000);
    try {
      const report = engine.analyzeSource(text, {
        file: 'slow.rs',
        edition: '2021',
        tree,
        parseBudgetMs: 0,
      });
      assert.deepStrictEqual(report.futures, []);
      assert.match(report.notices.join('\n'), /^skipped: parsing the input of `join!` \(line 1\)/);
    } finally {
      tree.delete();
    }
  });
});
