/**
 * The Node flags the server starts with: V8's background pool leaves a core to the main thread on
 * small machines and stays at V8's own four on large ones; a node that cannot start is never asked for.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { loadServerModule } from '../support/repoPaths';

const { serverNodeFlags } =
  loadServerModule<typeof import('../../server/src/nodeFlags')>('nodeFlags');

describe('server Node flags', () => {
  it('sizes the V8 pool to the cores minus one, between 1 and 4', () => {
    const pool = (cores: number) =>
      serverNodeFlags(cores).find((f) => f.startsWith('--v8-pool-size='));
    assert.strictEqual(pool(1), '--v8-pool-size=1');
    assert.strictEqual(pool(2), '--v8-pool-size=1');
    assert.strictEqual(pool(3), '--v8-pool-size=2');
    assert.strictEqual(pool(8), '--v8-pool-size=4');
    assert.strictEqual(pool(128), '--v8-pool-size=4');
    assert.strictEqual(pool(0), '--v8-pool-size=1');
    assert.strictEqual(pool(Number.NaN), '--v8-pool-size=1');
  });

  it('are flags this node accepts', () => {
    for (const cores of [2, 16]) {
      assert.strictEqual(
        execFileSync(
          process.execPath,
          [...serverNodeFlags(cores), '-e', 'process.stdout.write("ok")'],
          { encoding: 'utf8' },
        ),
        'ok',
      );
    }
  });
});
