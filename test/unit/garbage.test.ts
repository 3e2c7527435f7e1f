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

/** About `mib` MiB of objects, made and measured: they are garbage once this returns. */
function heapWithObjects(mib: number): number {
  const made: { index: number; text: string }[] = [];
  for (let i = 0; i < mib * 8000; i++) {
    made.push({ index: i, text: `item ${i}` });
  }
  assert.ok(made.length > 0);
  return getHeapStatistics().used_heap_size;
}

describe('garbage collected between jobs', () => {
  it('collects once the garbage passes the slack, and the heap shrinks', () => {
    // Earlier tests' garbage, collected now, would otherwise shrink the heap below the bound's
    // starting point while the objects are made.
    new GarbageBound(0).collectIfOver();
    const bound = new GarbageBound(8 * MiB);
    const before = heapWithObjects(40);
    assert.strictEqual(bound.collectIfOver(), true);
    const after = getHeapStatistics().used_heap_size;
    assert.ok(after < before - 8 * MiB, `${before / MiB} → ${after / MiB} MiB`);
    // Just collected: nothing above what is live.
    assert.strictEqual(bound.collectIfOver(), false);
  });

  it('leaves garbage below the slack alone', () => {
    const bound = new GarbageBound(1024 * MiB);
    heapWithObjects(4);
    assert.strictEqual(bound.collectIfOver(), false);
  });

  it('does not expose gc to the rest of the process', () => {
    new GarbageBound(0).collectIfOver();
    assert.strictEqual(typeof (globalThis as { gc?: unknown }).gc, 'undefined');
  });
});
