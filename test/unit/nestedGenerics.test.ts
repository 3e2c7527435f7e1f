/**
 * A dependency's generic async methods that call each other, compared with rustc on the workspace
 * `test/fixtures/workspaces/nested_generics` (built offline by cargo on a copy): tokio-postgres's
 * `Client::query` → `query_raw` → `query::query` chain with the `impl ExactSizeIterator` of
 * `slice_iter` passed down; an array of references passed for another crate's
 * `&[&(dyn Debug + Sync)]` parameter (coerced where it is written: fat pointers); another
 * crate's fn reached through a module's glob re-export (`types::Field::new` after
 * `pub use pgish::types::*;`) settling a binding's type; another crate's alias of a primitive
 * compared without a `PartialEq` borrow.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FutureReport } from '../../server/src/analysis/report';
import { pairWithCargo } from '../support/cargoTypeSizes';
import { loadServerModule, workspaceFixture } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const deps = loadServerModule<typeof import('../../server/src/analysis/deps/dependencyTypes')>(
  'analysis/deps/dependencyTypes',
);
const loader = loadServerModule<typeof import('../../server/src/project/dependencyLoader')>(
  'project/dependencyLoader',
);

const WORKSPACE = workspaceFixture('nested_generics');

/** The `async fn` futures of the workspace's library (its two files), dependencies read. */
function crateFnFutures(tempRoot: string): FutureReport[] {
  const home = fs.mkdtempSync(path.join(tempRoot, 'home-'));
  const loaded = loader.loadDependencies(WORKSPACE, undefined, { env: { CARGO_HOME: home } });
  assert.ok(loaded, 'a crate graph');
  const src = path.join(WORKSPACE, 'src');
  const files = ['lib.rs', 'types.rs'].map((file) => ({
    file,
    text: fs.readFileSync(path.join(src, file), 'utf8'),
    modulePath: file === 'lib.rs' ? [] : [file.replace(/\.rs$/, '')],
  }));
  const reports = engine.analyzeCrate(files, {
    edition: '2021',
    dependencies: new deps.DependencyTypes(loaded.graph),
  });
  return reports.flatMap((r) => r.futures).filter((f) => f.kind === 'fn');
}

describe('a dependency generic methods, re-exported fns and aliases', function () {
  this.timeout(300_000);
  let tempRoot: string;
  let futures: FutureReport[];

  before(async () => {
    await engine.initAnalysis();
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-nested-generics-'));
    futures = crateFnFutures(tempRoot);
  });

  after(() => fs.rmSync(tempRoot, { recursive: true, force: true }));

  it('sizes every future exactly, as rustc does', () => {
    for (const f of futures) {
      assert.ok(f.exact, `${f.name} is exact (unknown: ${f.unknown.join(', ')})`);
    }
    assert.deepStrictEqual(
      Object.fromEntries(futures.map((f) => [f.name, f.size])),
      {
        query_text: 208,
        // `[&dyn Debug + Sync; 2]` (32 B) held across the await, not `[&i32; 2]`.
        query_params: 280,
        query_prepared: 240,
        query_raw_vec: 176,
        // `name` is the `String` that `Field::new` takes.
        settled_through_reexport: 40,
        // `kept != 0` compares a `u32`: `kept` is not kept.
        compared_alias: 24,
      },
      'the sizes rustc prints (compared with a build below when cargo is installed)',
    );
    for (const [f, theirs] of pairWithCargo(WORKSPACE, tempRoot, futures) ?? []) {
      assert.strictEqual(f.size, theirs.size, `${f.name}: engine ${f.size}, rustc ${theirs.size}`);
    }
  });

  it('names the instance each nested generic call makes', () => {
    const text = futures.find((f) => f.name === 'query_text');
    const awaited = text?.awaits[0].held.map((h) => h.type ?? '');
    assert.ok(
      awaited?.some((t) => t.includes('Client::query<str>')),
      awaited?.join(', '),
    );
  });
});
