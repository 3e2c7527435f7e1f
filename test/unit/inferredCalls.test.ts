/**
 * Types rustc infers from what a body writes, compared with rustc on the workspace
 * `test/fixtures/workspaces/inferred` (built offline by cargo on a copy): another crate's
 * expression macro (`log_enabled!`, a bool) and item macro (`task_local!`, statics only), and a
 * dependency's generic fns whose generics sit behind references, slices and tuples in their
 * parameters (`query(&*format!(..))` is `query::<str>`), fns named through a glob import of
 * another crate (`use timely::time::*`), and a dependency's result written through its own
 * `use std::path` (`&path::Path`, whose `join` is std's).
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
const INFERRED = path.join(repoRoot, 'test', 'fixtures', 'workspaces', 'inferred');

describe('types inferred from macros, reference parameters and glob imports', function () {
  this.timeout(300_000);
  let tempRoot: string;
  let futures: FutureReport[];

  before(async () => {
    await engine.initAnalysis();
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-inferred-'));
    futures = libFnFutures(INFERRED, tempRoot).filter(
      (f) => f.name !== 'tick' && f.name !== 'local_query',
    );
  });

  after(() => fs.rmSync(tempRoot, { recursive: true, force: true }));

  it('sizes every future as rustc does, exactly where every type is known', () => {
    const boundNames = ['unsized_unknown'];
    const unsized = futures.find((f) => f.name === 'unsized_unknown');
    assert.ok(unsized && !unsized.exact, 'a `T: ?Sized` left unknown is no thin pointer');
    assert.deepStrictEqual(unsized.unknown, ["local_query's T: ?Sized"]);
    const exact = futures.filter((f) => !boundNames.includes(f.name));
    for (const f of exact) {
      assert.ok(f.exact, `${f.name} is exact (unknown: ${f.unknown.join(', ')})`);
    }
    assert.deepStrictEqual(
      Object.fromEntries(exact.map((f) => [f.name, f.size])),
      {
        logs_when_enabled: 48,
        enabled_kept: 3,
        with_task_local: 26,
        query_formatted: 152,
        query_literal: 96,
        query_number: 88,
        copied_array: 120,
        first_of_array: 72,
        pair_behind_ref: 64,
        sleep_through_glob: 136,
        joined_path: 56,
        // The local closure's result (its body's `u8`), never timely's `Sleep` (80 B).
        shadowed_by_local: 3,
      },
      'the sizes rustc prints (compared with a build below when cargo is installed)',
    );
    for (const [f, theirs] of pairWithCargo(INFERRED, tempRoot, futures) ?? []) {
      if (f.exact) {
        const message: string = `${f.name}: engine ${f.size}, rustc ${theirs.size}`;
        assert.strictEqual(f.size, theirs.size, message);
      } else {
        assert.ok(f.size! <= theirs.size, `${f.name}: engine ≥ ${f.size}, rustc ${theirs.size}`);
      }
    }
  });
});
