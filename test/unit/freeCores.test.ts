/**
 * The cores a CLI run may split a crate onto (`cli/freeCores.ts`): measured from `/proc/stat` over
 * the run's first moments, this process's own CPU time left out, or assumed by the test switch.
 */
import * as assert from 'assert';
import * as os from 'os';
import { loadServerModule } from '../support/repoPaths';

const free = loadServerModule<typeof import('../../server/src/cli/freeCores')>('cli/freeCores');
const SWITCH = 'RUST_FUTURE_SIZE_IDLE_CORES';

describe('free cores', function () {
  this.timeout(30_000);
  const saved = process.env[SWITCH];
  afterEach(() => {
    if (saved === undefined) {
      delete process.env[SWITCH];
    } else {
      process.env[SWITCH] = saved;
    }
  });

  it('counts from the load average this process and the cores it leaves idle', () => {
    assert.strictEqual(free.freeByLoadAverage(2, 0), 3);
    assert.strictEqual(free.freeByLoadAverage(2, 0.5), 2);
    assert.strictEqual(free.freeByLoadAverage(2, 1.0), 2);
    assert.strictEqual(free.freeByLoadAverage(2, 1.2), 1);
    assert.strictEqual(free.freeByLoadAverage(2, 7), 1);
    assert.strictEqual(free.freeByLoadAverage(8, 3.5), 5);
  });

  it('takes the test switch as it is, within the cores there are', async () => {
    const cores = os.availableParallelism();
    process.env[SWITCH] = '1';
    assert.strictEqual(await free.freeCores(), 1);
    process.env[SWITCH] = String(cores + 5);
    assert.strictEqual(await free.freeCores(), cores);
  });

  it('leaves out the CPU time of this process, and counts more than half a core of others as taken', () => {
    // 2 cores over 200 ms at 100 ticks a second: 40 ticks in all.
    const start = { busyTicks: 1000, totalTicks: 5000, ownMicros: 0, atMs: 0 };
    const at = (busy: number, ownMs: number) => ({
      busyTicks: 1000 + busy,
      totalTicks: 5040,
      ownMicros: ownMs * 1000,
      atMs: 200,
    });
    // This process busy the whole window on one core, nothing else: both cores are free.
    assert.strictEqual(free.freeBetween(start, at(20, 200), 2, 2), 2);
    // Its two threads on both cores: still both.
    assert.strictEqual(free.freeBetween(start, at(40, 400), 2, 2), 2);
    // Another process on a whole core beside it: one.
    assert.strictEqual(free.freeBetween(start, at(40, 200), 2, 2), 1);
    // Others on a third of a core keep it free; on more than half a core they take it.
    assert.strictEqual(free.freeBetween(start, at(27, 200), 2, 2), 2);
    assert.strictEqual(free.freeBetween(start, at(31, 200), 2, 2), 1);
    // Both cores busy with others: none, and never more than the process may use.
    assert.strictEqual(free.freeBetween(start, at(40, 0), 2, 2), 0);
    assert.strictEqual(free.freeBetween(start, at(0, 0), 2, 8), 2);
  });
});
