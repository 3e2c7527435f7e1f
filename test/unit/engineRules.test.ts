/**
 * Rules the engine takes from the code compiling, where no rustc can be asked (types of other
 * crates): the fixtures check everything rustc can see.
 */
import * as assert from 'assert';
import { loadServerModule } from '../support/repoPaths';

const engine = loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');

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
});
