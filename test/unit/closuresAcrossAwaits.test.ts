/**
 * Closures and async blocks held across awaits (engine/100_closures_and_async_blocks.rs has the
 * cases rustc measures): what a call of a local closure returns and consumes, and what an async
 * block's reborrow of a reference leaves of the local, also where rustc cannot be asked (types of
 * other crates).
 */
import * as assert from 'assert';
import { loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');

const PRELUDE = `
async fn tick() {}
fn take<T>(_v: T) -> u64 { 1 }
fn look<T: ?Sized>(_v: &T) -> u64 { 2 }
`;

function futureOf(text: string, name: string) {
  const report = engine.analyzeSource(PRELUDE + text, { file: 'closures.rs', edition: '2021' });
  const found = report.futures.find((f) => f.name === name);
  assert.ok(found, `${name} in ${JSON.stringify(report.futures.map((f) => f.name))}`);
  return found;
}

function heldAt(text: string, name: string, index: number): string[] {
  return futureOf(text, name)
    .awaits[index].held.filter((h) => h.name && h.kind !== 'upvar')
    .map((h) => h.name as string);
}

describe('closures and async blocks across awaits', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  it('consumes a closure that moves a capture out when it is called, and types the result', () => {
    const text = `pub async fn once(v: Vec<u8>) -> u64 { let c = move || take(v); let n = c(); tick().await; n }`;
    assert.deepStrictEqual(heldAt(text, 'once', 0), ['n']);
    const n = futureOf(text, 'once').awaits[0].held.find((h) => h.name === 'n');
    assert.strictEqual(n?.size, 8);
  });

  it('keeps a move closure that only reads its capture: the call borrows it', () => {
    const text = `pub async fn reads(v: Vec<u8>) -> u64 { let c = move || v.len() as u64; let n = c(); tick().await; n }`;
    assert.deepStrictEqual(heldAt(text, 'reads', 0), ['c', 'n']);
  });

  it('keeps nothing of a closure moving a value of an unknown type after its call', () => {
    // \`Copy\`, the closure is too and has no drop glue; not, the call consumes it.
    const text = `pub async fn unknown(v: ext::Id) -> u64 { let c = move || take(v); let n = c(); tick().await; n }`;
    assert.deepStrictEqual(heldAt(text, 'unknown', 0), ['n']);
  });

  it('lets an async block take a reference passed on by reborrow, not borrow the local', () => {
    const text = `
pub async fn reborrowed(x: ext::Big) -> u64 { let r = &x; let f = async { look(r) }; tick().await; f.await }
pub async fn copied(x: ext::Big) -> u64 { let r = &x; let f = async { take(r) }; tick().await; f.await }
`;
    assert.deepStrictEqual(heldAt(text, 'reborrowed', 0), ['x', 'f']);
    // A generic parameter takes the reference itself: the block borrows \`r\`.
    assert.deepStrictEqual(heldAt(text, 'copied', 0), ['x', 'r', 'f']);
  });
});
