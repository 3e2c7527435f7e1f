/**
 * Rules the engine takes from the code compiling, where no rustc can be asked (types of other
 * crates): the fixtures check everything rustc can see.
 */
import * as assert from 'assert';
import { loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');

function heldAt(text: string, future: string, await_: number): (string | null)[] {
  const report = engine.analyzeSource(text, { file: 'rules.rs', edition: '2021' });
  const found = report.futures.find((f) => f.name === future);
  assert.ok(found, `${future} in ${JSON.stringify(report.futures.map((f) => f.name))}`);
  return found.awaits[await_].held.filter((h) => h.name && h.kind !== 'upvar').map((h) => h.name);
}

describe('engine rules from compiling code', () => {
  before(async () => {
    await engine.initAnalysis();
  });

  it('holds a value of an unknown type that is used again after being passed by value (it is Copy)', () => {
    const text = `
async fn take<T>(v: T) {}
async fn pause() {}
pub async fn used_again(x: ext::Id) -> ext::Id { let y = x; take(y).await; y }
pub async fn not_used_again(x: ext::Id) { let y = x; take(y).await; pause().await; }
pub async fn assigned_again(x: ext::Id, z: ext::Id) -> ext::Id { let mut y = x; take(y).await; y = z; pause().await; y }
`;
    assert.deepStrictEqual(heldAt(text, 'used_again', 0), ['y']);
    assert.deepStrictEqual(heldAt(text, 'not_used_again', 0), []);
    // Moved into the call, then a new value: the old one is not what the await keeps.
    assert.deepStrictEqual(heldAt(text, 'assigned_again', 0), ['z']);
    assert.deepStrictEqual(heldAt(text, 'assigned_again', 1), ['y']);
  });

  it('takes a value used to index or slice an array, slice, Vec or string for a usize (no drop glue)', () => {
    const text = `
async fn pause() {}
pub async fn sliced(r: &mut ext::Reader) -> u8 { let mut buf = [0u8; 64]; let n = r.read(&mut buf).await; let s = buf[..n].len() as u8; pause().await; s }
pub async fn indexed(r: &mut ext::Reader, v: Vec<u8>) -> u8 { let i = r.pos().await; let b = v[i + 1]; pause().await; b }
pub async fn keyed(r: &mut ext::Reader, m: std::collections::HashMap<ext::Key, u8>) -> u8 { let k = r.key().await; let b = m[&k]; pause().await; b }
`;
    const sizeOf = (name: string, local: string) => {
      const future = engine
        .analyzeSource(text, { file: 'rules.rs', edition: '2021' })
        .futures.find((f) => f.name === name);
      return future?.awaits.flatMap((a) => a.held).find((h) => h.name === local)?.size;
    };
    // `n` and `i` are not used after the await and have no drop glue: not kept (`buf` was borrowed).
    assert.deepStrictEqual(heldAt(text, 'sliced', 1), ['buf', 's']);
    assert.deepStrictEqual(heldAt(text, 'indexed', 1), ['v', 'b']);
    // A map's key is not an index: its type stays unknown, and may need dropping.
    assert.ok(heldAt(text, 'keyed', 1).includes('k'));
    assert.strictEqual(sizeOf('keyed', 'k'), null);
  });
});
