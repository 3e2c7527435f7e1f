/**
 * Another crate's items named through a module the file `use`s (`sasl::ChannelBinding::..`,
 * `sasl::SCRAM_SHA_256`), while the crate has a type of the same name, compared with rustc on
 * the workspace `test/fixtures/workspaces/scoped_paths` (postgres-protocol's shapes, built
 * offline by cargo on a copy): the dependency's result type is kept (never the crate's own
 * `ChannelBinding`, neither its methods nor its fields), its consts have their declared types,
 * and a compared value whose type is not known is never shown as exact.
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
const parser =
  loadServerModule<typeof import('../../server/src/analysis/syntax/parser')>(
    'analysis/syntax/parser',
  );
const items =
  loadServerModule<typeof import('../../server/src/analysis/items/items')>('analysis/items/items');
const cfg =
  loadServerModule<typeof import('../../server/src/analysis/syntax/cfg')>('analysis/syntax/cfg');
const consts = loadServerModule<typeof import('../../server/src/analysis/deps/dependencyConsts')>(
  'analysis/deps/dependencyConsts',
);
const fields = loadServerModule<typeof import('../../server/src/analysis/deps/dependencyFields')>(
  'analysis/deps/dependencyFields',
);

const repoRoot = findUpwards(__dirname, (dir) =>
  fs.existsSync(path.join(dir, 'test', 'fixtures', 'workspaces')),
)!;
const WORKSPACE = path.join(repoRoot, 'test', 'fixtures', 'workspaces', 'scoped_paths');

describe("another crate's items through a used module, beside same-named own types", function () {
  this.timeout(300_000);
  let tempRoot: string;
  let futures: FutureReport[];

  before(async () => {
    await engine.initAnalysis();
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-scoped-paths-'));
    futures = libFnFutures(WORKSPACE, tempRoot);
  });

  after(() => fs.rmSync(tempRoot, { recursive: true, force: true }));

  it('sizes each shape as rustc does, exactly where every type is known', () => {
    const exact = futures.filter((f) => f.name !== 'compared_unknown');
    for (const f of exact) {
      assert.ok(f.exact, `${f.name} is exact (unknown: ${f.unknown.join(', ')})`);
    }
    assert.deepStrictEqual(
      Object.fromEntries(exact.map((f) => [f.name, f.size])),
      {
        tick: 1,
        // `Option<sasl::ChannelBinding>` (24 B), not the crate's one-byte `ChannelBinding`.
        mapped_through_module: 56,
        // `mechanism`, a `&str` const of the other crate, borrowed by `!=`: kept (16 B).
        chosen_by_branches: 104,
        held_in_struct: 80,
        own_type_of_that_name: 5,
      },
      'the sizes rustc prints (compared with a build below when cargo is installed)',
    );
    for (const [f, theirs] of pairWithCargo(WORKSPACE, tempRoot, futures) ?? []) {
      if (f.exact) {
        const message = `${f.name}: engine ${f.size}, rustc ${theirs.size}`;
        assert.strictEqual(f.size, theirs.size, message);
      } else {
        assert.ok(f.size! <= theirs.size, `${f.name}: engine ≥ ${f.size}, rustc ${theirs.size}`);
      }
    }
  });

  it('keeps a compared value of a type not known as held: a lower bound, never exact', () => {
    const compared = futures.find((f) => f.name === 'compared_unknown');
    assert.ok(compared, 'compared_unknown analysed');
    assert.ok(!compared.exact, 'rustc keeps the borrowed `mechanism` (56 B): not 40 B exact');
    assert.deepStrictEqual(compared.unknown, ['type of `mechanism`']);
    assert.ok(compared.size! <= 56, `≥ ${compared.size} is no bound above rustc's 56`);
  });
});

describe("a dependency file's consts (`dependencyConsts.ts`)", () => {
  before(() => engine.initAnalysis());

  function constsOf(text: string) {
    const tree = parser.parseRust(text);
    try {
      const index = items.indexItems(tree.rootNode, ['m'], undefined, undefined, cfg.HOST_CFG);
      return consts.fileConsts(tree.rootNode, index, cfg.HOST_CFG);
    } finally {
      tree.delete();
    }
  }

  it('reads declared types by module, and leaves what it cannot tell apart unknown', () => {
    const found = constsOf(`
      use std::time::Duration;
      pub const NAME: &str = "x";
      pub static LIMIT: Duration = Duration::from_secs(1);
      #[cfg(unix)] pub const TWICE: u8 = 1;
      #[cfg(unix)] pub const TWICE: u16 = 2;
      pub const OWN: Local = Local;
      pub struct Local;
      pub mod inner {
          pub const PAIR: (u16, [u8; 4]) = (0, [0; 4]);
          pub const SPAN: Duration = Duration::ZERO;
      }
      #[cfg(windows)] pub const ONLY_WINDOWS: u8 = 0;
    `);
    const byName = Object.fromEntries(found.map(([m, name, ty]) => [[...m, name].join('::'), ty]));
    assert.deepStrictEqual(Object.keys(byName).sort(), [
      'LIMIT',
      'NAME',
      'OWN',
      'TWICE',
      'inner::PAIR',
      'inner::SPAN',
    ]);
    assert.strictEqual(byName.NAME?.k, 'ref');
    assert.deepStrictEqual(byName.LIMIT, {
      k: 'adt',
      segments: ['std', 'time', 'Duration'],
      args: [],
    });
    assert.strictEqual(byName.TWICE, null, 'two under cfgs not told apart: not known');
    assert.strictEqual(byName.OWN, null, "the crate's own path type is not read here");
    assert.strictEqual(byName['inner::PAIR']?.k, 'tuple');
    assert.strictEqual(byName['inner::SPAN'], null, "an inline module's path may be its own");
  });

  it("tells another crate's type, as that crate reads it, from the caller's own", () => {
    const scope = 'r#authproto@0.3.0\u0001authentication::sasl';
    const theirs = { k: 'adt' as const, segments: ['ChannelBinding'], args: [] };
    assert.ok(fields.isOtherCratesType({ ...theirs, origin: 'dependency', scope }));
    // A path the file writes through its own module is marked but has no scope: maybe its own.
    assert.ok(!fields.isOtherCratesType({ ...theirs, origin: 'dependency' }));
    assert.ok(!fields.isOtherCratesType(theirs));
  });
});
