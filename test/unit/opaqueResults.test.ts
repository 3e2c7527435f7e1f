/**
 * Rules met on tokio-postgres's query and prepare chain (engine fixture 94 compares them with
 * rustc): a fn's `-> impl Iterator` result typed from its body's value, `Iterator::map`,
 * array temporaries coerced by the parameter they are passed for, `Pin<Box<dyn Future>>`
 * outputs, values moved on every branch, and match guards.
 */
import * as assert from 'assert';
import { loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');

type Future = ReturnType<typeof engine.analyzeSource>['futures'][number];

function analyse(text: string): Map<string, Future> {
  const futures = engine.analyzeSource(text, { file: 'opaque.rs', edition: '2021' }).futures;
  return new Map(futures.map((f) => [f.name, f]));
}

/** `[name, size, type]` of what the future holds at its `i`th await. */
function held(f: Future | undefined, i: number): [string | null, number | null, string][] {
  assert.ok(f);
  return f.awaits[i].held.map((h) => [h.name, h.size, h.type ?? '']);
}

describe('opaque results and moves on every branch', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  it('types a fn whose `impl Iterator` result is a map over a slice', () => {
    const futures = analyse(`
async fn tick() {}
fn evens<'a>(s: &'a [u64]) -> impl Iterator<Item = u64> + 'a { s.iter().map(|x| x * 2) }
fn opaque_capture<'a>(s: &'a [u64], k: u64) -> impl Iterator<Item = u64> + 'a {
    s.iter().map(move |x| x * k)
}
pub async fn holds(v: Vec<u64>) -> usize { let it = evens(&v); tick().await; it.count() }
pub async fn captures(v: Vec<u64>) -> usize {
    let it = opaque_capture(&v, 3); tick().await; it.count()
}
`);
    const it = held(futures.get('holds'), 0).find(([n]) => n === 'it');
    assert.deepStrictEqual(it, ['it', 16, 'Map<Iter<u64>, ()>']);
    // A closure that names a value of its fn may capture it: not typed, so not sized.
    const captured = held(futures.get('captures'), 0).find(([n]) => n === 'it');
    assert.deepStrictEqual(captured?.[1], null);
    assert.strictEqual(futures.get('captures')?.exact, false);
  });

  it('coerces an array temporary to the element type of its parameter', () => {
    const futures = analyse(`
async fn tick() {}
async fn count(s: &[&(dyn std::fmt::Debug + Sync)]) -> usize { tick().await; s.len() }
pub async fn caller(a: u32) -> usize { count(&[&a, &a]).await }
`);
    // Two fat pointers (rustc: `[&dyn Debug + Sync; 2]`), not two `&u32`s.
    const temp = held(futures.get('caller'), 0).find(([, , t]) => t.startsWith('['));
    assert.deepStrictEqual(temp?.slice(0, 2), [null, 32]);
    assert.match(temp[2], /^\[&dyn /);
  });

  it('gives what awaiting a boxed dyn future yields', () => {
    const futures = analyse(`
use std::{future::Future, pin::Pin};
async fn make() -> String { String::new() }
fn boxed() -> Pin<Box<dyn Future<Output = String> + Send>> { Box::pin(make()) }
pub async fn caller() -> usize { let s = boxed().await; boxed().await; s.len() }
`);
    const s = held(futures.get('caller'), 1).find(([n]) => n === 's');
    assert.deepStrictEqual(s, ['s', 24, 'String']);
    assert.strictEqual(futures.get('caller')?.exact, true);
  });

  it('keeps nothing of a value moved on every branch, but keeps one moved on some', () => {
    const futures = analyse(`
async fn tick() {}
pub async fn both(v: Vec<u8>, c: bool) { if c { drop(v) } else { drop(v) } tick().await; }
pub async fn one(v: Vec<u8>, c: bool) { if c { drop(v) } tick().await; }
pub async fn arms(v: Vec<u8>, k: u8) { match k { 0 => drop(v), _ => drop(v) } tick().await; }
`);
    assert.deepStrictEqual(held(futures.get('both'), 0), [[null, 1, '{async fn body of tick()}']]);
    assert.deepStrictEqual(held(futures.get('arms'), 0), [[null, 1, '{async fn body of tick()}']]);
    const one = held(futures.get('one'), 0).map(([n, size]) => [n, size]);
    assert.deepStrictEqual(one, [
      ['v', 24],
      [null, 1],
      [null, 1],
    ]);
  });

  it("ends a guard's temporaries with the guard and keeps a ref binding it reads", () => {
    const futures = analyse(`
async fn tick() {}
pub async fn guarded(r: Result<u8, String>) -> u8 {
    match r {
        Ok(n) => n,
        Err(ref e) if e.len() == Some(3).unwrap_or(0) => { tick().await; 1 }
        Err(_) => 0,
    }
}
`);
    const names = held(futures.get('guarded'), 0).map(([n, , t]) => n ?? t);
    assert.ok(names.includes('e'), names.join(', '));
    assert.ok(!names.some((n) => n.startsWith('Option')), names.join(', '));
  });
});
