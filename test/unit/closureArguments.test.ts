/**
 * Closures and fn items passed for a generic async fn's `F` (`impl FnMut() -> io::Result<R>`):
 * the callee's instance is sized for the closure's captures, `R`/`T`/`Fut` are read from what it
 * returns, and a fn item is zero-sized. Each caller below is exact, as rustc 1.95 says (sizes
 * beside each); the generic callee itself, reported once for all its instances, is a lower bound
 * at or below the smallest of them.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pairWithCargo } from '../support/cargoTypeSizes';
import { loadServerModule, workspaceFixture } from '../support/repoPaths';
import { libFnFutures } from '../support/workspaceLib';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');

/** tokio's `fs::read`: `path.as_ref().to_owned()` moved into the closure given to `asyncify`. */
const AS_REF_PATHS = `use std::path::Path;
use std::io;

pub async fn yield_now() {}

pub async fn asyncify<F, T>(f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    yield_now().await;
    f()
}

pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read(path)).await
}

pub async fn read2<P: AsRef<Path>>(path: P) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read(path)).await
}

pub async fn caller(p: std::path::PathBuf) -> usize {
    read(&p).await.unwrap().len() + read2(p).await.unwrap().len()
}
`;

/** Two `impl AsRef<Path>` parameters bound to two types (one generic, 168 B, was wrong). */
const TWO_IMPL_PARAMS = `use std::path::{Path, PathBuf};
pub async fn yield_now() {}
pub async fn two(from: impl AsRef<Path>, to: impl AsRef<Path>) -> usize {
    yield_now().await;
    from.as_ref().as_os_str().len() + to.as_ref().as_os_str().len()
}
pub async fn caller(p: PathBuf) -> usize {
    two(&p, "abc").await + two(String::new(), &p).await
}
`;

/** Free fns: closure results bind `R` and `T`; fn items bind `F` and `Fut`. */
const FREE_FNS = `use std::io;
use std::future::Future;
pub async fn yield_now() {}
pub async fn async_io<R>(mut f: impl FnMut() -> io::Result<R>) -> io::Result<R> {
    loop {
        yield_now().await;
        match f() {
            Ok(r) => {
                yield_now().await;
                return Ok(r);
            }
            Err(e) => return Err(e),
        }
    }
}
pub async fn peek(buf: &mut [u8]) -> usize {
    async_io(|| Ok(buf.len())).await.unwrap()
}
pub async fn big(buf: &[u8]) -> [u8; 64] {
    async_io(|| Ok([buf[0]; 64])).await.unwrap()
}
pub async fn spawn_like<F, T>(f: F) -> T
where
    F: FnOnce() -> T,
{
    yield_now().await;
    let t = f();
    yield_now().await;
    t
}
pub async fn s1(x: u64) -> (u64, u64) {
    spawn_like(move || (x, x)).await
}
pub async fn s2(v: Vec<u8>) -> usize {
    spawn_like(move || v).await.len()
}
pub async fn get_or_init<F, Fut>(f: F) -> u32
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = u32>,
{
    yield_now().await;
    f().await
}
async fn func1() -> u32 {
    let b = [0u8; 100];
    yield_now().await;
    b[3] as u32
}
fn plain() -> u64 { 7 }
pub async fn uses_fn_item() -> u32 {
    get_or_init(func1).await
}
pub async fn uses_plain_item() -> u64 {
    spawn_like(plain).await
}
pub async fn uses_path_item() -> u32 {
    get_or_init(self::func1).await
}
`;

/** The same through methods (`Registration::async_io`). */
const METHODS = `use std::io;
pub async fn yield_now() {}
pub struct Reg { n: u32 }
impl Reg {
    pub async fn async_io<R>(&self, mut f: impl FnMut() -> io::Result<R>) -> io::Result<R> {
        loop {
            yield_now().await;
            match f() {
                Ok(r) => {
                    yield_now().await;
                    return Ok(r);
                }
                Err(e) => return Err(e),
            }
        }
    }
    pub async fn spawn_like<F, T>(&self, f: F) -> T
    where
        F: FnOnce() -> T,
    {
        yield_now().await;
        let t = f();
        yield_now().await;
        t
    }
}
pub struct S { reg: Reg, v: u64 }
impl S {
    pub async fn peek(&self, buf: &mut [u8]) -> usize {
        self.reg.async_io(|| Ok(buf.len() + self.v as usize)).await.unwrap()
    }
    pub async fn big(&self) -> [u8; 64] {
        self.reg.async_io(|| Ok([self.v as u8; 64])).await.unwrap()
    }
    pub async fn s1(&self, x: u64) -> (u64, u64) {
        self.reg.spawn_like(move || (x, x)).await
    }
}
`;

/** Closures capturing by reference, by move, nothing; `move` of a reference; async blocks. */
const CAPTURE_MODES = `#![allow(unused)]
use std::future::Future;
pub async fn tick() {}

pub async fn hold<F: FnOnce() -> u64>(f: F) -> u64 {
    tick().await;
    f()
}
pub async fn hold_impl(f: impl FnOnce() -> u64) -> u64 {
    tick().await;
    f()
}
pub async fn hold_fut<F: Future<Output = u8>>(f: F) -> u8 {
    tick().await;
    f.await
}
pub async fn nested<F: FnOnce() -> u64>(f: F) -> u64 {
    tick().await;
    hold(f).await
}

pub struct S { a: u64, b: [u8; 20] }

pub async fn by_ref(s: S, x: u32) -> u64 { hold(|| s.a + x as u64).await }
pub async fn by_move(s: S, x: u32) -> u64 { hold(move || s.a + x as u64).await }
pub async fn nothing() -> u64 { hold(|| 5).await }
pub async fn move_of_ref(s: &S) -> u64 { hold(move || s.a).await }
pub async fn move_of_ref_field(s: &S) -> u64 { hold(move || s.b[0] as u64).await }
pub async fn impl_once(s: S) -> u64 { hold_impl(move || s.a + s.b.len() as u64).await }
pub async fn through_nested(s: S) -> u64 { nested(move || s.a).await }
pub async fn async_block(b: [u8; 30]) -> u8 { hold_fut(async move { tick().await; b[1] }).await }
pub async fn vec_moved(v: Vec<u64>) -> u64 { hold(move || v.len() as u64).await }
`;

interface Case {
  source: string;
  exact: Record<string, number>;
  bounds: Record<string, number>;
}

const CASES: Record<string, Case> = {
  'as_ref paths moved into a closure': {
    source: AS_REF_PATHS,
    exact: { caller: 200 },
    bounds: { asyncify: 56 },
  },
  'two impl Trait parameters': {
    source: TWO_IMPL_PARAMS,
    exact: { caller: 136 },
    bounds: { two: 56 },
  },
  'free fns': {
    source: FREE_FNS,
    exact: {
      peek: 96,
      big: 208,
      s1: 56,
      s2: 96,
      uses_fn_item: 105,
      uses_plain_item: 24,
      uses_path_item: 105,
    },
    bounds: { async_io: 72, spawn_like: 16, get_or_init: 104 },
  },
  'capture modes': {
    source: CAPTURE_MODES,
    exact: {
      by_ref: 120,
      by_move: 80,
      nothing: 4,
      move_of_ref: 40,
      move_of_ref_field: 40,
      impl_once: 112,
      through_nested: 80,
      async_block: 98,
      vec_moved: 88,
    },
    bounds: { hold: 3, hold_impl: 72, hold_fut: 67, nested: 40 },
  },
  methods: {
    source: METHODS,
    exact: { 'S::peek': 128, 'S::big': 192, 'S::s1': 72 },
    bounds: { 'Reg::async_io': 96, 'Reg::spawn_like': 48 },
  },
};

describe('closures and fn items as generic arguments', () => {
  before(() => engine.initAnalysis());

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: callers exact as rustc, generic callees a bound at or below it`, () => {
      const report = engine.analyzeSource(c.source, { file: 'closures.rs', edition: '2021' });
      for (const [fn, rustc] of Object.entries(c.exact)) {
        const future = report.futures.find((f) => f.name === fn);
        assert.ok(future, fn);
        assert.deepStrictEqual([future.size, future.exact], [rustc, true], fn);
      }
      for (const [fn, rustc] of Object.entries(c.bounds)) {
        const future = report.futures.find((f) => f.name === fn);
        assert.ok(future, fn);
        assert.strictEqual(future.exact, false, `${fn}: shown as exactly ${future.size} B`);
        assert.ok(future.size !== null && future.size <= rustc, `${fn}: ≥ ${future.size} B`);
      }
    });
  }
});

const WORKSPACE = workspaceFixture('closure_arguments');

/**
 * The same given to a dependency's generic async fns (`test/fixtures/workspaces/closure_arguments`,
 * its `blockio` shaped as tokio's fs and `OnceCell`): each instance is sized in the dependency.
 */
describe("closures and fn items as a dependency's generic arguments", function () {
  this.timeout(300_000);
  let tempRoot: string;

  before(async () => {
    await engine.initAnalysis();
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-closure-arguments-'));
  });

  after(() => fs.rmSync(tempRoot, { recursive: true, force: true }));

  it('sizes every caller exactly as rustc does', () => {
    const futures = libFnFutures(WORKSPACE, tempRoot).filter((f) => f.name !== 'filled');
    for (const f of futures) {
      assert.ok(f.exact, `${f.name} is exact (unknown: ${f.unknown.join(', ')})`);
    }
    assert.deepStrictEqual(
      Object.fromEntries(futures.map((f) => [f.name, f.size])),
      {
        read_borrowed: 136,
        read_owned: 144,
        copy_two_types: 216,
        closure_result: 144,
        fn_item: 144,
        closure_of_async_block: 72,
      },
      'the sizes rustc 1.95 prints (compared with a build below when cargo is installed)',
    );
    for (const [f, theirs] of pairWithCargo(WORKSPACE, tempRoot, futures) ?? []) {
      assert.strictEqual(f.size, theirs.size, `${f.name}: engine ${f.size}, rustc ${theirs.size}`);
    }
  });
});
