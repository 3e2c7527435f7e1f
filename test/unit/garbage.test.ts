/**
 * Garbage collected on demand between a worker's jobs (`workers/garbage.ts`): only once the heap
 * holds more than the bound's slack above what was live, and then for real.
 */
import * as assert from 'assert';
import { getHeapStatistics } from 'v8';
import { loadServerModule } from '../support/repoPaths';

const { GarbageBound } =
  loadServerModule<typeof import('../../server/src/workers/garbage')>('workers/garbage');

const MiB = 1024 * 1024;

/** About `mib` MiB of objects, alive until it returns (so they reach the old generation). */
function makeGarbage(mib: number): void {
  const kept: { index: number; text: string }[] = [];
  for (let i = 0; i < mib * 8000; i++) {
    kept.push({ index: i, text: `item ${i}` });
  }
  assert.ok(kept.length > 0);
}

describe('garbage collected between jobs', () => {
  it('collects once the garbage passes the slack, and the heap shrinks', () => {
    const bound = new GarbageBound(8 * MiB);
    makeGarbage(40);
    const before = getHeapStatistics().used_heap_size;
    assert.strictEqual(bound.collectIfOver(), true);
    const after = getHeapStatistics().used_heap_size;
    assert.ok(after < before - 8 * MiB, `${before / MiB} → ${after / MiB} MiB`);
    // Just collected: nothing above what is live.
    assert.strictEqual(bound.collectIfOver(), false);
  });

  it('leaves garbage below the slack alone', () => {
    const bound = new GarbageBound(1024 * MiB);
    makeGarbage(4);
    assert.strictEqual(bound.collectIfOver(), false);
  });

  it('does not expose gc to the rest of the process', () => {
    new GarbageBound(0).collectIfOver();
    assert.strictEqual(typeof (globalThis as { gc?: unknown }).gc, 'undefined');
  });
});
