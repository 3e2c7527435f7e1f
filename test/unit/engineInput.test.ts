/**
 * The engine on bad input: it never throws, and says what it skipped and why.
 */
import * as assert from 'assert';
import { loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');

function analyze(text: string) {
  return engine.analyzeSource(text, { file: 'input.rs', edition: '2021' });
}

describe('engine on bad input', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  it('skips a function whose body does not parse, and analyses the others', () => {
    const report = analyze(`
async fn broken() {
    let x = ;
    pause().await;
}
async fn fine() {
    let buf = [0u8; 64];
    pause().await;
    buf.len();
}
async fn pause() {}
`);
    const broken = report.futures.find((f) => f.name === 'broken');
    const fine = report.futures.find((f) => f.name === 'fine');
    assert.ok(broken?.skipped?.includes('syntax error'), JSON.stringify(broken));
    assert.ok(report.notices.some((n) => n.includes('broken') && n.includes('skipped')));
    assert.strictEqual(fine?.skipped, undefined);
    assert.deepStrictEqual(
      fine?.awaits[0].held.filter((h) => h.name).map((h) => h.name),
      ['buf'],
    );
  });

  it('analyses code that tree-sitter misreads in a harmless way (`t.0[..n]`)', () => {
    const report = analyze(`
async fn f(raw: ([u8; 82], usize)) -> usize {
    pause().await;
    g(&raw.0[..raw.1])
}
fn g(_: &[u8]) -> usize { 0 }
async fn pause() {}
`);
    assert.strictEqual(report.futures.find((f) => f.name === 'f')?.skipped, undefined);
  });

  it('reports, instead of overflowing the stack on, 3000 levels of nesting', () => {
    const deep = '('.repeat(3000) + '1' + ')'.repeat(3000);
    const blocks = '{'.repeat(3000) + '}'.repeat(3000);
    const report = analyze(
      `fn s() { ${blocks} }\nasync fn g() { let x = ${deep}; h().await; x; }\nasync fn h() {}`,
    );
    const g = report.futures.find((f) => f.name === 'g');
    assert.ok(g?.skipped?.includes('nest'), JSON.stringify(g));
  });

  it('does not size a body with thousands of awaits (the layout is quadratic) but says so', () => {
    const report = analyze(`async fn f() { ${'h().await; '.repeat(2500)} }\nasync fn h() {}`);
    assert.ok(report.futures.find((f) => f.name === 'f')?.skipped?.includes('too large'));
  });

  it('survives random text, unbalanced braces and an empty file', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const junk = Array.from({ length: 20000 }, () =>
      String.fromCharCode(32 + Math.floor(random() * 95)),
    ).join('');
    for (const text of [junk, '}}}} async fn {{{ .await', '', 'async', '\u0000\u0001']) {
      const report = analyze(text);
      assert.ok(Array.isArray(report.futures));
    }
  });

  it('skips a file larger than 5 MB with a notice', () => {
    const report = analyze('// x\n'.repeat(1_100_000));
    assert.strictEqual(report.futures.length, 0);
    assert.ok(report.notices[0].includes('larger than'));
  });
});
