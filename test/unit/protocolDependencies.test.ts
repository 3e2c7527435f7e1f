/**
 * Other crates' types reached through patterns, trait impls and streams, compared with rustc on
 * the workspace `test/fixtures/workspaces/protocol` (built offline by cargo on a copy), in the
 * shapes of tokio-postgres's `prepare` and `get_type`: a dependency enum's variant bound in a
 * match arm (also inside `Some(..)`), `it.next()` through the dependency's `impl
 * FallibleIterator` for its own type, `map_err` given a fn path, and `try_next()` on a pinned
 * stream the crate writes by hand (futures-util's `TryNext`, yielding the stream's item).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FutureReport } from '../../server/src/analysis/report';
import { pairWithCargo } from '../support/cargoTypeSizes';
import { findUpwards, loadServerModule } from '../support/repoPaths';
import { libFnFutures } from '../support/workspaceLib';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');

const repoRoot = findUpwards(__dirname, (dir) =>
  fs.existsSync(path.join(dir, 'test', 'fixtures', 'workspaces')),
)!;
const PROTOCOL = path.join(repoRoot, 'test', 'fixtures', 'workspaces', 'protocol');

describe("dependency types in patterns, trait impls' methods, hand-written streams", function () {
  this.timeout(300_000);
  let tempRoot: string;
  let futures: FutureReport[];

  before(async () => {
    await engine.initAnalysis();
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-protocol-'));
    futures = libFnFutures(PROTOCOL, tempRoot);
  });

  after(() => fs.rmSync(tempRoot, { recursive: true, force: true }));

  it('sizes each shape as rustc does, exactly where every type is known', () => {
    const closure = futures.find((f) => f.name === 'closure_error');
    assert.ok(closure && !closure.exact, "a closure's error type is not read: a lower bound");
    const exact = futures.filter((f) => f.name !== 'closure_error');
    for (const f of exact) {
      assert.ok(f.exact, `${f.name} is exact (unknown: ${f.unknown.join(', ')})`);
    }
    assert.deepStrictEqual(
      Object.fromEntries(exact.map((f) => [f.name, f.size])),
      {
        tick: 2,
        next_message: 3,
        variant_body: 40,
        variant_in_some: 40,
        fallible_parameters: 120,
        fallible_fields: 160,
        query: 3,
        first_row: 96,
        boxed_rows: 192,
      },
      'the sizes rustc prints (compared with a build below when cargo is installed)',
    );
    for (const [f, theirs] of pairWithCargo(PROTOCOL, tempRoot, futures) ?? []) {
      if (f.exact) {
        const message = `${f.name}: engine ${f.size}, rustc ${theirs.size}`;
        assert.strictEqual(f.size, theirs.size, message);
      } else {
        assert.ok(f.size! <= theirs.size, `${f.name}: engine ≥ ${f.size}, rustc ${theirs.size}`);
      }
    }
  });

  it('names what it does not know', () => {
    const closure = futures.find((f) => f.name === 'closure_error')!;
    assert.deepStrictEqual(closure.unknown, ['_']);
  });
});
