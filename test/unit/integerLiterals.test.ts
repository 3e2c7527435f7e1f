/**
 * Integer literals inside a composite (`(1, 2)`, `Some(3)`, `Some(n)`) default to i32 only when no
 * use settles them, and the uses of a composite are not tracked: such a future is a lower bound,
 * never an exact size guessed from the default. rustc's sizes (1.95) are written beside each.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadServerModule } from '../support/repoPaths';
import { compareCorpus, requireRustc } from '../support/rustcCorpus';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');

const SOURCE = `async fn f() -> u64 { 1 }
pub async fn pair_read_as_bytes() -> u8 { let t = (1, 2); f().await; let (a, b): (u8, u8) = t; a + b }
pub async fn option_read_as_u16() -> Option<u16> { let o = Some(3); f().await; let v: Option<u16> = o; v }
pub async fn pair_with_typed_half() -> u64 { let t = (1, 2u64); f().await; t.0 + t.1 }
pub async fn pair_returned() -> (u64, u8) { let t = (1, 2); f().await; t }
pub async fn option_unwrapped() -> u64 { let o = Some(3); f().await; o.unwrap() }
pub async fn option_of_binding() -> u64 { let n = 3; let o = Some(n); f().await; o.unwrap_or(0) }
`;

/** rustc 1.95's size of each future above. */
const RUSTC: Record<string, number> = {
  pair_read_as_bytes: 4,
  option_read_as_u16: 6,
  pair_with_typed_half: 24,
  pair_returned: 24,
  option_unwrapped: 24,
  option_of_binding: 24,
};

describe('integer literals inside composites', () => {
  before(() => engine.initAnalysis());

  it('gives a lower bound at or below rustc, never an exact size from the i32 default', () => {
    const report = engine.analyzeSource(SOURCE, { file: 'ints.rs', edition: '2021' });
    for (const [name, rustc] of Object.entries(RUSTC)) {
      const future = report.futures.find((f) => f.name === name);
      assert.ok(future, name);
      assert.strictEqual(future.exact, false, `${name}: shown as exactly ${future.size} B`);
      assert.ok(future.size !== null && future.size <= rustc, `${name}: ≥ ${future.size} B`);
    }
  });

  it('keeps an integer settled by its own uses exact', () => {
    const report = engine.analyzeSource(
      `async fn f() -> u64 { 1 }\npub async fn counted() -> u64 { let n = 3; let m = n * 2; f().await; m }\n`,
      { file: 'ints.rs', edition: '2021' },
    );
    const counted = report.futures.find((f) => f.name === 'counted');
    assert.deepStrictEqual([counted?.size, counted?.exact], [16, true]);
  });
});

describe('a binding compared before its type is known', () => {
  before(() => engine.initAnalysis());

  // tokio's `let n = socket.read(&mut buf).await?; if n == 0 { .. } socket.write_all(&buf[..n])`:
  // `n` was taken as borrowed by `PartialEq` at the comparison, and the index then made it a
  // `usize`, so a size that looked exact kept it (4288 shown, rustc 4280).
  it('does not keep it borrowed once a later use shows it is a primitive', () => {
    const report = engine.analyzeSource(
      `async fn write(_: &[u8]) {}
pub async fn echo(buf: [u8; 64]) -> u64 {
    let n = other_crate_read().await;
    if n == 0 {
        return 0;
    }
    write(&buf[..n]).await;
    7
}
`,
      { file: 'echo.rs', edition: '2021' },
    );
    const echo = report.futures.find((f) => f.name === 'echo');
    assert.ok(echo);
    const held = echo.awaits[1].held.map((h) => h.name);
    assert.ok(!held.includes('n'), held.join(', '));
  });
});

describe('an integer a use not understood here may settle', () => {
  // Each of these was shown as an exact size from the i32 fallback while rustc gives the integer
  // another type through a use the inference does not follow. Measured with rustc in the test.
  const SHAPES = `#![allow(unused)]
async fn tick() {}
pub trait Narrow { fn go(self) -> u8; }
impl Narrow for u8 { fn go(self) -> u8 { self } }
pub async fn max_with_a_byte(y: u8) -> u64 { let x = 3; tick().await; x.max(y) as u64 }
pub async fn min_with_a_len(v: Vec<u8>) -> u64 { let x = 3; tick().await; x.min(v.len()) as u64 }
pub async fn branch_with_a_byte(c: bool, y: u8) -> u64 { let x = 3; tick().await; let z = if c { x } else { y }; z as u64 }
pub async fn element_written_as_byte() -> u64 { let mut b = [0; 16]; tick().await; b[0] = 1u8; b.len() as u64 }
pub async fn trait_method_of_one_type() -> u64 { let x = 3; tick().await; x.go() as u64 }
pub async fn into_a_typed_vec() -> u64 { let x = 3; tick().await; let v: Vec<u8> = vec![x]; v.len() as u64 }
pub async fn range_bound_indexing(v: Vec<u8>) -> u64 { let n = 2; tick().await; let mut s = 0; for i in 0..n { s += v[i]; } s as u64 }
pub async fn compared_in_assert(y: u16) -> u64 { let x = 3; tick().await; assert!(x < y); 0 }
pub async fn named_format_width() -> u64 { let x = 1; let w = 4; tick().await; format!("{:w$}", x).len() as u64 }
`;
  const NAMES = [
    'max_with_a_byte',
    'min_with_a_len',
    'branch_with_a_byte',
    'element_written_as_byte',
    'trait_method_of_one_type',
    'into_a_typed_vec',
    'range_bound_indexing',
    'compared_in_assert',
    // `{:w$}` reads `w` (a usize): it was not seen as a use at all.
    'named_format_width',
  ];

  it('gives a lower bound at or below rustc, never the fallback as an exact size', async function () {
    requireRustc();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-int-uses-'));
    try {
      fs.writeFileSync(path.join(dir, 'uses.rs'), SHAPES);
      const corpus = await compareCorpus(dir, '2021', 1);
      assert.deepStrictEqual(corpus.rustcErrors, []);
      const scores = corpus.comparisons.flatMap((c) => c.scores);
      for (const name of NAMES) {
        const score = scores.find((s) => s.name === name);
        assert.ok(score, name);
        const { engine: size, rustc, lowerBound } = score.size;
        assert.ok(
          lowerBound ? size !== null && size <= rustc : size === rustc,
          `${name}: ${lowerBound ? '≥ ' : ''}${size} B, rustc ${rustc} B`,
        );
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
