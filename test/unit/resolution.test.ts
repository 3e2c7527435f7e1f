/**
 * A name is std's only when its path is std's: another crate's type or function of the same name is
 * unknown (a lower bound), never sized as std's. And a future whose body uses a macro the engine does
 * not model, or an async closure passed on, is a lower bound too. (rustc cannot check these here:
 * the other crates are not built; the fixtures check every std path.)
 */
import * as assert from 'assert';
import { loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');

function future(text: string, name: string, edition = '2021') {
  const report = engine.analyzeSource(text, { file: 'resolution.rs', edition: edition as never });
  const found = report.futures.find((f) => f.name === name);
  assert.ok(found, `${name} in ${JSON.stringify(report.futures.map((f) => f.name))}`);
  return found;
}

const TICK = 'async fn tick() {}\n';

describe('resolution by path and what the engine cannot see', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  it('does not size a type imported from another crate as the std type of that name', () => {
    const f = future(
      `use tokio::net::TcpStream;\n${TICK}pub async fn f(s: TcpStream) -> TcpStream { tick().await; s }`,
      'f',
    );
    assert.strictEqual(f.exact, false);
    // std's TcpStream is 4 bytes, which gave an exact 12 B where rustc says 88 B.
    assert.ok(
      f.unknown.some((u) => u.includes('TcpStream')),
      JSON.stringify(f.unknown),
    );
  });

  it('does not size a fully written path of another crate as std (tokio::sync::mpsc::Receiver)', () => {
    const f = future(
      `${TICK}pub async fn g(r: tokio::sync::mpsc::Receiver<u8>) { tick().await; drop(r); }`,
      'g',
    );
    assert.strictEqual(f.exact, false);
  });

  it('still sizes std paths written in full, through a module import, or from the prelude', () => {
    const text = `use std::sync::mpsc;\nuse std::io;\n${TICK}
pub async fn a(r: std::sync::mpsc::Receiver<u8>) { tick().await; drop(r); }
pub async fn b(r: mpsc::Receiver<u8>, e: io::Error) { tick().await; drop(r); drop(e); }
pub async fn c(v: Vec<u8>, s: Option<String>) { tick().await; drop(v); drop(s); }`;
    for (const name of ['a', 'b', 'c']) {
      assert.strictEqual(future(text, name).exact, true, name);
    }
  });

  it("takes this crate's `crate::sync::Mutex` for its own type, not std's", () => {
    const text = `${TICK}pub async fn m(x: crate::sync::Mutex<u8>) { tick().await; drop(x); }`;
    const f = future(text, 'm');
    assert.strictEqual(f.exact, false, 'an unknown crate type is a lower bound');
    const own = `mod sync { pub struct Mutex<T>(pub T, pub [u8; 100]); }\n${text}`;
    const g = future(own, 'm');
    assert.strictEqual(g.exact, true);
    assert.ok(g.size! >= 101, `the crate's own Mutex<u8> (101 B), not std's (8 B): ${g.size}`);
  });

  it('does not take a glob-imported name of another crate for std', () => {
    const f = future(
      `use tokio::sync::*;\n${TICK}pub async fn h(m: Mutex<u8>) { tick().await; drop(m); }`,
      'h',
    );
    assert.strictEqual(f.exact, false);
    const g = future(
      `use std::sync::*;\n${TICK}pub async fn h(m: Mutex<u8>) { tick().await; drop(m); }`,
      'h',
    );
    assert.strictEqual(g.exact, true);
  });

  it("does not type a call of another crate's function as std's (Mutex::new, mpsc::channel)", () => {
    const text = `use tokio::sync::{mpsc, Mutex};\n${TICK}
pub async fn n() { let m = Mutex::new(1u8); let (tx, rx) = mpsc::channel::<u8>(8); tick().await; drop(m); drop(tx); drop(rx); }`;
    const f = future(text, 'n');
    assert.strictEqual(f.exact, false);
    const std = future(
      `use std::sync::{mpsc, Mutex};\n${TICK}
pub async fn n() { let m = Mutex::new(1u8); let (tx, rx) = mpsc::channel::<u8>(); tick().await; drop(m); drop(tx); drop(rx); }`,
      'n',
    );
    assert.strictEqual(std.exact, true);
  });

  it("makes a future with a macro it does not model a lower bound (another crate's select!, a user's macro); tokio's and futures' are modelled", () => {
    const text = `${TICK}macro_rules! twice { ($($t:tt)*) => { $($t)* $($t)* }; }
pub async fn j() -> i32 { let mut a = tick(); let mut b = tick(); smol_like::select! { _ = a => 1, _ = b => 2 } }
pub async fn t() -> i32 { let (a, b) = tokio::join!(async { 1 }, async { 2 }); a + b }
pub async fn u() { twice! { tick().await; } }
pub async fn known() { let v = vec![1u8]; println!("{v:?}"); tick().await; }`;
    for (const [name, reason] of [
      ['j', 'select!'],
      ['u', 'twice!'],
    ]) {
      const f = future(text, name);
      assert.strictEqual(f.exact, false, name);
      assert.ok(f.unknown.includes(reason), JSON.stringify(f.unknown));
    }
    assert.strictEqual(future(text, 'known').exact, true);
    // tokio 1.24's join! as it expands (checked against rustc in test/fixtures/recorded/tokio_macros).
    const t = future(text, 't');
    assert.strictEqual(t.exact, true, JSON.stringify(t.unknown));
    assert.deepStrictEqual(
      t.awaits[0].held.map((h) => h.name ?? h.kind),
      ['futures', 'awaitee'],
    );
  });
});

describe("typing and macros rustc's way", () => {
  it('types an unsuffixed integer literal from its use: a known parameter settles it, an unknown one leaves it open', () => {
    const text = `${TICK}async fn read(b: &mut [u8]) -> usize { b.len() }
pub async fn unknown_reader(r: &mut ext::Reader) { let mut buf = [0; 8192]; let n = r.read(&mut buf).await; tick().await; drop(n); drop(buf); }
pub async fn known_reader() { let mut buf = [0; 64]; let n = read(&mut buf).await; tick().await; drop(n); drop(buf); }
pub async fn capacity() { let n = 100; let v: Vec<u8> = Vec::with_capacity(n); tick().await; drop(n); drop(v); }`;
    const held = (name: string, local: string) =>
      future(text, name)
        .awaits.flatMap((a) => a.held)
        .find((h) => h.name === local);
    // reqwest's connect_via_proxy: [i32; 8192] gave a lower bound of 33,224 B where rustc has 10,376 B.
    const open = held('unknown_reader', 'buf');
    assert.strictEqual(open?.exact, false);
    assert.strictEqual(open?.size, 8192, 'one byte per element at least, never four');
    assert.strictEqual(held('known_reader', 'buf')?.type, '[u8; 64]');
    assert.strictEqual(held('capacity', 'n')?.type, 'usize');
  });

  it('names in a notice every async block of a macro input it cannot read, and reports the others', () => {
    const text = `${TICK}pub async fn m() {
    concat_idents!(async move { tick().await; });
    tokio::select! { _ = tick() => { tokio::spawn(async move { tick().await; }); } }
}`;
    const report = engine.analyzeSource(text, { file: 'resolution.rs', edition: '2021' });
    assert.deepStrictEqual(
      report.futures.map((f) => f.name),
      ['tick', 'm', 'async block@4:51'],
    );
    assert.deepStrictEqual(report.notices, [
      "async block at line 3:20 inside `concat_idents!` not analysed: the macro's input does not parse as Rust expressions",
    ]);
  });

  it("knows a #[tokio::main]/#[tokio::test] fn's future as the async block rustc names after the body's last token tree", () => {
    const text = `async fn tick() {}
#[tokio::test]
async fn ends_in_a_statement() {
    tick().await;
    assert_eq!(1, 1);
}
#[tokio::main(flavor = "current_thread")]
async fn main() {
    loop {
        tick().await;
    }
}
pub async fn plain() { tick().await; }`;
    const report = engine.analyzeSource(text, { file: 'entry.rs', edition: '2021' });
    const at = Object.fromEntries(report.futures.map((f) => [f.name, f.rustcBlockAt ?? null]));
    // tokio-macros spans the block with the last token tree: the `;`, or a group's opening `{`.
    assert.deepStrictEqual(at.ends_in_a_statement, { line: 5, column: 21 });
    assert.deepStrictEqual(at.main, { line: 9, column: 10 });
    assert.strictEqual(at.plain, null);
  });

  it('reads `&raw[..n]` with a variable named `raw` as rustc does (tree-sitter-rust 0.24 takes it for a raw borrow)', () => {
    const text = `${TICK}pub async fn f(raw: &[u8], n: usize) -> usize { let s = &raw[..n]; tick().await; s.len() }`;
    const f = future(text, 'f');
    assert.strictEqual(f.skipped, undefined);
    assert.ok(
      f.awaits[0].held.some((h) => h.name === 's' && h.size === 16),
      JSON.stringify(f.awaits[0].held),
    );
  });

  it('does not pick one of two types of the same name declared in different fn bodies', () => {
    const text = `${TICK}
fn a() { struct Check(std::sync::Arc<u8>); impl Drop for Check { fn drop(&mut self) {} } }
fn b() { struct Check { id: u64 } }
pub async fn g(c: Check) { let _c = c; tick().await; }`;
    assert.strictEqual(future(text, 'g').exact, false);
  });

  it("types a loop variable over a literal range from its use, the range's bytes included (fixture 76 checks rustc)", () => {
    const text = `${TICK}
pub async fn counted(v: Vec<u8>) { for i in 0..10 { tick().await; assert_eq!(v.len(), 1 + i); } }
pub async fn plain() { for i in 0..10 { tick().await; let _ = i * 2; } }`;
    const held = (name: string) =>
      future(text, name)
        .awaits[0].held.filter((h) => h.kind !== 'awaitee')
        .map((h) => `${h.name ?? h.kind}: ${h.type}`);
    assert.deepStrictEqual(held('counted'), ['v: Vec<u8>', 'iter: Range<usize>', 'i: usize']);
    assert.deepStrictEqual(held('plain'), ['iter: Range<i32>', 'i: i32']);
  });

  it('calls a `self: Pin<&mut Self>` method of the pinned type, which moves the Pin (fixture-checked shape)', () => {
    const text = `use std::pin::Pin;
pub struct W { buf: Vec<u8> }
async fn tick() {}
impl W {
    pub async fn write(self: Pin<&mut Self>, v: &[u8]) -> usize { self.write_raw(v.iter()).await }
    pub async fn write_raw<I: Iterator>(self: Pin<&mut Self>, values: I) -> usize { tick().await; values.count() }
}`;
    // rustc 1.95: 80 bytes, only the awaitee at the await (the Pin was moved into the call).
    const f = future(text, 'W::write');
    assert.deepStrictEqual(
      f.awaits[0].held.map((h) => h.kind),
      ['awaitee'],
    );
    assert.strictEqual(f.size, 80);
  });
});
