/**
 * Paths through the analysed crate's own modules that name another crate's types
 * (`items/crateReexports.ts`): `mod types { pub use postgres_types::*; }` then
 * `use crate::types::Oid`, as tokio-postgres does. The workspace `test/fixtures/workspaces/
 * reexports` is compared with rustc; the module walk itself is tested on bare indexes.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ItemIndex } from '../../server/src/analysis/items/items';
import { pairWithCargo } from '../support/cargoTypeSizes';
import { findUpwards, loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const deps = loadServerModule<typeof import('../../server/src/analysis/deps/dependencyTypes')>(
  'analysis/deps/dependencyTypes',
);
const loader = loadServerModule<typeof import('../../server/src/project/dependencyLoader')>(
  'project/dependencyLoader',
);
const layouts =
  loadServerModule<typeof import('../../server/src/project/crateLayout')>('project/crateLayout');
const reexports = loadServerModule<typeof import('../../server/src/analysis/items/crateReexports')>(
  'analysis/items/crateReexports',
);

const repoRoot = findUpwards(__dirname, (dir) =>
  fs.existsSync(path.join(dir, 'test', 'fixtures', 'workspaces')),
)!;
const WORKSPACE = path.join(repoRoot, 'test', 'fixtures', 'workspaces', 'reexports');

/** A file module's index with only what the walk reads. */
function moduleIndex(
  types: string[],
  uses: [string, string[]][] = [],
  globs: string[][] = [],
): ItemIndex {
  return {
    types: new Map(types.map((t) => [t, {}])),
    uses: new Map(uses),
    globImports: globs,
  } as unknown as ItemIndex;
}

describe("types other crates lend through the crate's own modules", function () {
  this.timeout(300_000);
  let scratch: string;

  before(async () => {
    await engine.initAnalysis();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-reexports-'));
  });

  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('sizes them as rustc does: globs, renames, relative and `super` paths, imports', () => {
    const home = fs.mkdtempSync(path.join(scratch, 'home-'));
    const loaded = loader.loadDependencies(WORKSPACE, undefined, { env: { CARGO_HOME: home } });
    assert.ok(loaded, 'a crate graph');
    const files = layouts.readCrateLayout(WORKSPACE).files.map((f) => ({
      file: f.path,
      text: fs.readFileSync(f.path, 'utf8'),
      modulePath: f.modulePath,
    }));
    const futures = engine
      .analyzeCrate(files, {
        edition: '2021',
        dependencies: new deps.DependencyTypes(loaded.graph),
      })
      .flatMap((r) => r.futures);
    assert.strictEqual(futures.length, 8);
    for (const f of futures) {
      assert.ok(f.exact, `${f.name} is exact (unknown: ${f.unknown.join(', ')})`);
    }
    const readFrom = futures.find((f) => f.name === 'renamed')?.sources;
    assert.deepStrictEqual(readFrom, ['outside 0.1.0']);
    for (const [f, theirs] of pairWithCargo(WORKSPACE, scratch, futures) ?? []) {
      assert.strictEqual(f.size, theirs.size, `${f.name}: engine ${f.size}, rustc ${theirs.size}`);
    }
  });

  it('leads a path out of the crate through named uses first, then every glob', () => {
    const crate = new reexports.CrateReexports([
      { modulePath: [], index: moduleIndex([]) },
      {
        modulePath: ['types'],
        index: moduleIndex(['Own'], [['Oid', ['proto', 'Oid']]], [['pg'], ['crate', 'more']]),
      },
      { modulePath: ['more'], index: moduleIndex([], [], [['extra', 'deep']]) },
    ]);
    assert.deepStrictEqual(crate.externalPaths(['crate', 'types', 'Oid'], ['client']), [
      ['proto', 'Oid'],
    ]);
    assert.deepStrictEqual(crate.externalPaths(['types', 'Row'], []), [
      ['pg', 'Row'],
      ['extra', 'deep', 'Row'],
    ]);
    // The module's own type, a module that is not the crate's, `super` above the root: nothing.
    assert.deepStrictEqual(crate.externalPaths(['crate', 'types', 'Own'], []), []);
    // An associated fn: another crate's through the glob (`Field::new`), the module's own
    // type's never.
    assert.deepStrictEqual(crate.externalPaths(['types', 'Field', 'new'], []), [
      ['pg', 'Field', 'new'],
      ['extra', 'deep', 'Field', 'new'],
    ]);
    assert.deepStrictEqual(crate.externalPaths(['crate', 'types', 'Own', 'new'], []), []);
    assert.deepStrictEqual(crate.externalPaths(['tokio', 'Row'], []), []);
    assert.deepStrictEqual(crate.externalPaths(['super', 'types', 'Row'], []), []);
  });

  it('ends on modules gluing each other with globs, and says nothing for a module written twice', () => {
    const crate = new reexports.CrateReexports([
      { modulePath: ['a'], index: moduleIndex([], [], [['crate', 'b']]) },
      { modulePath: ['b'], index: moduleIndex([], [], [['crate', 'a'], ['dep']]) },
      { modulePath: ['imp'], index: moduleIndex([], [], [['unix_dep']]) },
      { modulePath: ['imp'], index: moduleIndex([], [], [['windows_dep']]) },
    ]);
    assert.deepStrictEqual(crate.externalPaths(['crate', 'a', 'X'], []), [['dep', 'X']]);
    assert.deepStrictEqual(crate.externalPaths(['crate', 'imp', 'X'], []), []);
  });
});

describe("the crate's own items named through its modules' re-exports", () => {
  it("finds where a crate path's item is defined, through the modules' named uses", () => {
    const defines = (own: ItemIndex, name: string) => own.types.has(name);
    const crate = new reexports.CrateReexports([
      { modulePath: [], index: moduleIndex([]) },
      { modulePath: ['task'], index: moduleIndex([], [['Handle', ['self', 'join', 'Handle']]]) },
      { modulePath: ['task', 'join'], index: moduleIndex(['Handle']) },
      {
        modulePath: ['blocking'],
        index: moduleIndex(
          [],
          [
            ['Handle', ['crate', 'task', 'Handle']],
            ['t', ['super', 'task']],
          ],
        ),
      },
      { modulePath: ['globbed'], index: moduleIndex([], [], [['crate', 'task']]) },
      { modulePath: ['out'], index: moduleIndex([], [['Handle', ['tokio', 'Handle']]]) },
    ]);
    const at = (segments: string[], from: string[] = []) =>
      crate.definingPath(segments, from, defines);
    assert.deepStrictEqual(at(['crate', 'task', 'Handle']), ['task', 'join', 'Handle']);
    // A re-export of a re-export, and a path through a `use` of a module (`t::Handle`).
    assert.deepStrictEqual(at(['crate', 'blocking', 'Handle']), ['task', 'join', 'Handle']);
    assert.deepStrictEqual(at(['t', 'Handle'], ['blocking']), null);
    assert.deepStrictEqual(at(['crate', 'blocking', 't', 'Handle']), ['task', 'join', 'Handle']);
    assert.deepStrictEqual(at(['join', 'Handle'], ['task']), ['task', 'join', 'Handle']);
    // Globs, other crates, names no module defines: not followed, not guessed.
    assert.strictEqual(at(['crate', 'globbed', 'Handle']), null);
    assert.strictEqual(at(['crate', 'out', 'Handle']), null);
    assert.strictEqual(at(['crate', 'task', 'Missing']), null);
    assert.strictEqual(at(['Handle']), null);
  });

  it('leads a crate path out to std through named uses only', () => {
    const crate = new reexports.CrateReexports([
      { modulePath: ['time'], index: moduleIndex([], [['Duration', ['std', 'time', 'Duration']]]) },
      { modulePath: ['io'], index: moduleIndex([], [], [['std', 'io']]) },
      { modulePath: ['own'], index: moduleIndex(['Duration']) },
    ]);
    assert.deepStrictEqual(reexports.stdTypeAt(crate, ['crate', 'time', 'Duration']), {
      kind: 'std',
      segments: ['std', 'time', 'Duration'],
    });
    // A glob, the crate's own type, a relative path: not std's here.
    assert.strictEqual(reexports.stdTypeAt(crate, ['crate', 'io', 'Error']), null);
    assert.strictEqual(reexports.stdTypeAt(crate, ['crate', 'own', 'Duration']), null);
    assert.strictEqual(reexports.stdTypeAt(crate, ['time', 'Duration']), null);
  });

  it("follows a crate path through globs into the crate's own modules and inline modules", () => {
    const loom = moduleIndex([], [], [['self', 'std']]);
    const loomStd = {
      ...moduleIndex(['sync::Own']),
      typeModules: new Map([['Own', ['sync']]]),
      inlineUses: new Map([
        [
          'loom::std::sync',
          new Map([
            ['Arc', ['std', 'sync', 'Arc']],
            ['Mutex', ['parking_lot', 'Mutex']],
          ]),
        ],
      ]),
    } as unknown as ItemIndex;
    const crate = new reexports.CrateReexports([
      { modulePath: ['loom'], index: loom },
      { modulePath: ['loom', 'std'], index: loomStd },
      { modulePath: ['io'], index: moduleIndex([], [], [['std', 'io']]) },
    ]);
    const std = (segments: string[]) => reexports.stdTypeAt(crate, segments);
    assert.deepStrictEqual(std(['crate', 'loom', 'sync', 'Arc']), {
      kind: 'std',
      segments: ['std', 'sync', 'Arc'],
    });
    assert.deepStrictEqual(std(['crate', 'loom', 'std', 'sync', 'Arc']), {
      kind: 'std',
      segments: ['std', 'sync', 'Arc'],
    });
    // Another crate's, the inline module's own type, a name it does not bring: not std's.
    assert.strictEqual(std(['crate', 'loom', 'sync', 'Mutex']), null);
    assert.strictEqual(std(['crate', 'loom', 'sync', 'Own']), null);
    assert.strictEqual(std(['crate', 'loom', 'sync', 'Weak']), null);
    // A glob out of the crate is not followed (the module may define the name in a macro).
    assert.strictEqual(std(['crate', 'io', 'Error']), null);
    assert.deepStrictEqual(crate.externalPaths(['crate', 'loom', 'sync', 'Mutex'], []), [
      ['parking_lot', 'Mutex'],
    ]);
  });
});

describe("the crate's types named by their defining module's path", () => {
  it("takes a crate path's type from the module defining it, even where another module of its name defines one", () => {
    const handle = { kind: 'struct', name: 'Handle' };
    const otherHandle = { kind: 'struct', name: 'Handle', fields: [] };
    const file = (
      module: string,
      types: [string, object][],
      uses: [string, string[]][] = [],
      modules: string[] = [module],
    ) =>
      ({
        types: new Map(
          types.flatMap(([t, ty]) => [
            [t, ty],
            [`${module}::${t}`, ty],
          ]),
        ),
        typeModules: new Map(types.map(([t]) => [t, modules])),
        uses: new Map(uses),
        globImports: [],
      }) as unknown as ItemIndex;
    const crate = new reexports.CrateReexports([
      { modulePath: ['task'], index: file('task', [], [['Handle', ['self', 'join', 'Handle']]]) },
      // An inline `mod tests { use super::Handle; }` puts its `use` in the file's index too.
      {
        modulePath: ['task', 'join'],
        index: file('join', [['Handle', handle]], [['Handle', ['super', 'Handle']]]),
      },
      { modulePath: ['other'], index: file('other', []) },
      { modulePath: ['other', 'join'], index: file('join', [['Handle', otherHandle]]) },
      { modulePath: ['twice'], index: file('twice', []) },
      {
        modulePath: ['twice', 'join'],
        index: file('join', [['Handle', otherHandle]], [], ['join', 'join']),
      },
    ]);
    const combined = (modules: string[]) =>
      ({
        types: new Map([['join::Handle', otherHandle]]),
        typeModules: new Map([['Handle', modules]]),
      }) as unknown as ItemIndex;
    const segments = ['crate', 'task', 'Handle'];
    assert.strictEqual(
      reexports.crateTypeAt(combined(['join', 'mocks']), crate, segments),
      otherHandle,
    );
    // Two modules named `join` define a `Handle`: the combined index's `join::Handle` is either;
    // the file of `task::join` says which.
    const both = combined(['join', 'join', 'join', 'join']);
    assert.strictEqual(reexports.crateTypeAt(both, crate, segments), handle);
    assert.strictEqual(
      reexports.crateTypeAt(both, crate, ['crate', 'task', 'join', 'Handle']),
      handle,
    );
    assert.strictEqual(
      reexports.crateTypeAt(both, crate, ['crate', 'other', 'join', 'Handle']),
      otherHandle,
    );
    // A file defining the name in two modules of that name (an inline one): not known.
    assert.strictEqual(
      reexports.crateTypeAt(both, crate, ['crate', 'twice', 'join', 'Handle']),
      null,
    );
    assert.strictEqual(reexports.crateTypeAt(combined(['join']), crate, ['task', 'Handle']), null);
  });
});
