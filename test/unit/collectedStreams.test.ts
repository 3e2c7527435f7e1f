/**
 * What tokio-postgres's `Client::query` / `prepare` chain needed next: futures-util's
 * `try_collect` on the crate's own stream with its collection left to inference (a turbofish
 * with holes, or the fn's declared result where the awaited value is the fn's), what awaiting
 * `TryCollect` yields, the crate's own types written as crate paths, and casts of constants
 * promoted with the borrowed table they are in. The rustc-compared cases are the workspace
 * `stream_collect` (its recorded rustc output, against Debian's registry) and engine fixture
 * `106_promoted_casts.rs`.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import type { Ty } from '../../server/src/analysis/types/types';
import type { AssocTypeImpl } from '../../server/src/analysis/types/projections';
import type { ItemIndex } from '../../server/src/analysis/items/items';
import type { SyntaxNode } from '../../server/src/analysis/syntax/parser';
import { loadServerModule, workspaceFixture } from '../support/repoPaths';
import { matchesRecordedRustc } from '../support/workspaceLib';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const parser =
  loadServerModule<typeof import('../../server/src/analysis/syntax/parser')>(
    'analysis/syntax/parser',
  );
const collect = loadServerModule<typeof import('../../server/src/analysis/types/collectTargets')>(
  'analysis/types/collectTargets',
);
const streams = loadServerModule<typeof import('../../server/src/analysis/types/streamItems')>(
  'analysis/types/streamItems',
);
const awaited = loadServerModule<
  typeof import('../../server/src/analysis/liveness/awaitedResults')
>('analysis/liveness/awaitedResults');
const promotion = loadServerModule<typeof import('../../server/src/analysis/liveness/promotion')>(
  'analysis/liveness/promotion',
);

const DEBIAN_REGISTRY = '/usr/share/cargo/registry';
const WORKSPACE = workspaceFixture('stream_collect');

const adt = (name: string, ...args: Ty[]): Ty => ({ k: 'adt', segments: name.split('::'), args });
const HOLE = adt('_');
const FUTURES_UTIL = 'registry+https://github.com/rust-lang/crates.io-index#futures-util@0.3.21';
const combinator = (name: string, args: Ty[], scope = FUTURES_UTIL): Ty => ({
  k: 'adt',
  segments: ['crate', name.toLowerCase(), name],
  args,
  origin: 'dependency',
  scope: `${scope}\u0001stream::try_stream`,
});
/** Just the parts of an item index the stream rules read: `RowStream` yields `Result<Row, Error>`. */
function rowsIndex(item: Ty = adt('Result', adt('Row'), adt('Error'))): ItemIndex {
  const impl: AssocTypeImpl = { generics: [], selfTy: adt('RowStream'), trait: 'Stream', ty: item };
  return {
    types: new Map(['RowStream', 'Row', 'Error'].map((t) => [t, {}])),
    uses: new Map(),
    assocTypes: new Map([['Item', [impl]]]),
    typeModules: new Map([
      ['RowStream', ['query']],
      ['Row', ['row']],
      ['Error', ['error', 'other']],
    ]),
    ambiguousTypes: new Set(),
  } as unknown as ItemIndex;
}

function withTree<T>(text: string, use: (root: SyntaxNode) => T): T {
  const tree = parser.parseRust(text, 10_000);
  try {
    return use(tree.rootNode);
  } finally {
    tree.delete();
  }
}

describe('collected streams: try_collect on the crate’s own stream', function () {
  this.timeout(300_000);

  before(() => engine.initAnalysis());

  it('sizes the stream_collect workspace as its recorded rustc output', function () {
    if (!fs.existsSync(DEBIAN_REGISTRY)) {
      this.skip();
    }
    if (
      !matchesRecordedRustc(WORKSPACE, DEBIAN_REGISTRY, [
        'collect_turbofish',
        'collect_tail',
        'collect_returned',
        'tick',
      ])
    ) {
      this.skip();
    }
  });

  it("fills a turbofish's holes with the stream's Ok, a map's with its pair", () => {
    const index = rowsIndex();
    const stream = adt('RowStream');
    const filled = collect.settleCollection(
      combinator('TryCollect', [stream, adt('Vec', HOLE)]),
      index,
    );
    assert.deepStrictEqual(filled.k === 'adt' && filled.args[1], adt('Vec', adt('Row')));
    const pairs = rowsIndex(
      adt('Result', { k: 'tuple', elems: [adt('Row'), adt('Error')] }, adt('Error')),
    );
    const map = collect.settleCollection(
      combinator('TryCollect', [stream, adt('HashMap', HOLE, HOLE)]),
      pairs,
    );
    assert.deepStrictEqual(
      map.k === 'adt' && map.args[1],
      adt('HashMap', adt('Row'), adt('Error')),
    );
    // `Collect` extends with the whole item.
    const all = collect.settleCollection(combinator('Collect', [stream, adt('Vec', HOLE)]), index);
    assert.deepStrictEqual(
      all.k === 'adt' && all.args[1],
      adt('Vec', adt('Result', adt('Row'), adt('Error'))),
    );
  });

  it("settles a collection left to inference from the awaited value's expected type", () => {
    const index = rowsIndex();
    const open = combinator('TryCollect', [adt('RowStream'), { k: 'unknown', text: '_' }]);
    const expected = adt('Result', adt('Vec', adt('Row')), adt('Error'));
    const settled = collect.settleCollection(open, index, expected);
    assert.deepStrictEqual(settled.k === 'adt' && settled.args[1], adt('Vec', adt('Row')));
    assert.deepStrictEqual(collect.settleCollection(open, index), open, 'nothing expected');
    for (const partly of [adt('Vec', HOLE), { k: 'unknown', text: '_' } as Ty]) {
      const unsettled = collect.settleCollection(open, index, adt('Result', partly, adt('Error')));
      assert.deepStrictEqual(unsettled, open, 'an expected type with a part unknown says nothing');
    }
  });

  it("leaves other crates' streams, the crate's own collections and other combinators", () => {
    const index = rowsIndex();
    const vecOfHoles = adt('Vec', HOLE);
    const elsewhere = combinator(
      'TryCollect',
      [adt('RowStream'), vecOfHoles],
      'registry#mine@1.0.0',
    );
    assert.deepStrictEqual(collect.settleCollection(elsewhere, index), elsewhere);
    const other = combinator('TryCollect', [adt('Other'), vecOfHoles]);
    assert.deepStrictEqual(collect.settleCollection(other, index), other);
    const own = combinator('TryCollect', [adt('RowStream'), adt('Row', HOLE)]);
    assert.deepStrictEqual(collect.settleCollection(own, index), own, 'not a std collection');
    const map = combinator('TryCollect', [adt('RowStream'), adt('HashMap', HOLE, HOLE)]);
    assert.deepStrictEqual(collect.settleCollection(map, index), map, 'a Row is no pair');
    const next = combinator('TryNext', [adt('RowStream')]);
    assert.deepStrictEqual(collect.settleCollection(next, index), next);
  });
});

describe("TryCollect's output and the crate's own types by name", () => {
  it('awaits TryCollect as Result<C, E> and Collect as C, only once C is known', () => {
    const index = rowsIndex();
    const rows = adt('Vec', adt('Row'));
    const tryCollect = combinator('TryCollect', [adt('RowStream'), rows]);
    assert.deepStrictEqual(streams.streamCombinatorOutput(tryCollect, index), {
      k: 'adt',
      segments: ['std', 'result', 'Result'],
      args: [rows, adt('Error')],
    });
    assert.deepStrictEqual(
      streams.streamCombinatorOutput(combinator('Collect', [adt('RowStream'), rows]), index),
      rows,
    );
    const open = combinator('TryCollect', [adt('RowStream'), adt('Vec', HOLE)]);
    assert.strictEqual(streams.streamCombinatorOutput(open, index), null);
  });

  it("reads the crate's own types written as crate paths by their bare names", () => {
    const index = rowsIndex();
    const crate = (segs: string): Ty => ({
      k: 'adt',
      segments: segs.split('::'),
      args: [],
      origin: 'crate',
    });
    const pinned = adt('Pin', { k: 'ref', mut: true, inner: crate('crate::query::RowStream') });
    assert.deepStrictEqual(
      streams.ownTypesByName(pinned, index),
      adt('Pin', {
        k: 'ref',
        mut: true,
        inner: adt('RowStream'),
      }),
    );
    const wrongModule = crate('crate::other::RowStream');
    assert.deepStrictEqual(streams.ownTypesByName(wrongModule, index), wrongModule);
    const twoModules = crate('crate::error::Error');
    assert.deepStrictEqual(streams.ownTypesByName(twoModules, index), twoModules);
  });
});

describe('awaited fn results and promoted casts', () => {
  before(() => engine.initAnalysis());

  it("knows an awaited call as the fn's result only as its tail or a return's value", () => {
    const isResult = (body: string): boolean =>
      withTree(`async fn f() -> R { ${body} }`, (root) => {
        const call = root
          .descendantsOfType('call_expression')
          .find((c) => c?.text.startsWith('rows.try_collect'));
        return awaited.awaitedAsFnResult(call!);
      });
    assert.ok(isResult('tick().await; rows.try_collect().await'));
    assert.ok(isResult('if x { return (rows.try_collect()).await; } y'));
    assert.ok(!isResult('let v = rows.try_collect().await; v'), 'a let settles nothing here');
    assert.ok(!isResult('rows.try_collect().await?'), 'the `?` changes the type');
    assert.ok(!isResult('let c = || async { return rows.try_collect().await; }; c'));
    assert.ok(!isResult('async move { rows.try_collect().await }'), "an async block's tail");
  });

  it('promotes casts between primitives of promotable values, not of locals', () => {
    const promoted = (expr: string): boolean =>
      withTree(`fn f() { g(${expr}); }`, (root) => {
        const args = root.descendantsOfType('arguments')[0]!;
        return promotion.isPromotedWhenBorrowed(args.namedChildren[0]!);
      });
    assert.ok(promoted(`[(Some('a' as i8), "'a'"), (None, "NULL")]`));
    assert.ok(promoted(`(b'e' as u32, -1i64 as u8)`));
    assert.ok(!promoted(`[(Some(c as i8), "c")]`), 'a cast of a local');
    assert.ok(!promoted(`[1 as Wrapper]`), 'not a primitive type');
  });
});
