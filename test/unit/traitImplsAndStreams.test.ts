/**
 * The small rules behind tokio-postgres's `prepare` chain, one by one (the workspace test
 * `protocolDependencies.test.ts` compares them with rustc): where a trait impl's method is kept,
 * what awaiting futures-util's `TryNext`/`Next` yields from the crate's own stream, and which
 * borrowed values rustc promotes to statics.
 */
import * as assert from 'assert';
import type { Ty } from '../../server/src/analysis/types/types';
import type { AssocTypeImpl } from '../../server/src/analysis/types/projections';
import type { ItemIndex } from '../../server/src/analysis/items/items';
import { loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const parser =
  loadServerModule<typeof import('../../server/src/analysis/syntax/parser')>(
    'analysis/syntax/parser',
  );
const traitImpls = loadServerModule<
  typeof import('../../server/src/analysis/deps/traitImplMethods')
>('analysis/deps/traitImplMethods');
const streams = loadServerModule<typeof import('../../server/src/analysis/types/streamItems')>(
  'analysis/types/streamItems',
);
const promotion = loadServerModule<typeof import('../../server/src/analysis/liveness/promotion')>(
  'analysis/liveness/promotion',
);

const adt = (name: string, ...args: Ty[]): Ty => ({ k: 'adt', segments: name.split('::'), args });
const FUTURES_UTIL = 'registry+https://github.com/rust-lang/crates.io-index#futures-util@0.3.21';
const tryNext = (stream: Ty, scope = `${FUTURES_UTIL}\u0001stream::try_stream`): Ty => ({
  k: 'adt',
  segments: ['crate', 'try_next', 'TryNext'],
  args: [stream],
  origin: 'dependency',
  scope,
});
const ROW_STREAM_ITEM = adt('Result', adt('Row'), adt('Error'));
/** Just the parts of an item index the stream rules read. */
const indexWith = (impls: AssocTypeImpl[], types: string[]): ItemIndex =>
  ({
    types: new Map(types.map((t) => [t, {}])),
    uses: new Map(),
    assocTypes: new Map([['Item', impls]]),
  }) as unknown as ItemIndex;
const streamImpl = (self: string, generics: string[] = []): AssocTypeImpl => ({
  generics,
  selfTy: adt(self),
  trait: 'Stream',
  ty: ROW_STREAM_ITEM,
});

describe("trait impls' methods, hand-written streams and promoted borrows", () => {
  before(async () => {
    await engine.initAnalysis();
  });

  it("keeps a trait impl's method under its type's name in the impl's module", () => {
    assert.deepStrictEqual(
      traitImpls.traitImplMethodKey('<message::backend::Parameters as FallibleIterator>::next'),
      { segments: ['message', 'backend', 'impl Parameters', 'next'] },
    );
    assert.deepStrictEqual(traitImpls.traitImplMethodKey('<Fields as FallibleIterator>::next'), {
      segments: ['impl Fields', 'next'],
    });
    const name = traitImpls.traitImplMethodName('Parameters', 'next');
    assert.strictEqual(name, 'impl Parameters::next');
    // Inherent methods and generic traits' impls (`as Foo<T>>`) are not read as trait impls.
    assert.strictEqual(traitImpls.traitImplMethodKey('message::backend::Parameters::new'), null);
    assert.strictEqual(traitImpls.traitImplMethodKey('<X as From<u8>>::from'), null);
  });

  it("takes a trait impl's method only where the file has the trait in scope", () => {
    const path = '<message::backend::Parameters as FallibleIterator>::next';
    const imported = new Map([['FallibleIterator', ['fallible_iterator', 'FallibleIterator']]]);
    assert.ok(traitImpls.traitInScope(path, imported));
    assert.ok(!traitImpls.traitInScope(path, new Map()), 'not imported: not what rustc picks');
    const read = '<codec::Reader as io::Read>::read';
    assert.ok(!traitImpls.traitInScope(read, new Map([['AsyncReadExt', ['tokio', 'io']]])));
    assert.ok(traitImpls.traitInScope('<Fields as Iterator>::next', new Map()), 'the prelude');
    assert.ok(traitImpls.traitInScope('wire::Fields::new', new Map()), 'an inherent method');
  });

  it("reads the crate's one Stream impl through Pin, Box and &mut", () => {
    const pinned = adt('Pin', { k: 'ref', mut: true, inner: adt('RowStream') });
    const index = indexWith([streamImpl('RowStream')], ['RowStream']);
    assert.deepStrictEqual(streams.ownStreamItem(pinned, index), ROW_STREAM_ITEM);
    const boxed = adt('Pin', adt('Box', adt('RowStream')));
    assert.deepStrictEqual(streams.ownStreamItem(boxed, index), ROW_STREAM_ITEM);
    // Two impls (per cfg) or a type of another crate: not known.
    const twice = indexWith([streamImpl('RowStream'), streamImpl('RowStream')], ['RowStream']);
    assert.strictEqual(streams.ownStreamItem(pinned, twice), null);
    const foreign: Ty = { ...(adt('RowStream') as Ty & { k: 'adt' }), origin: 'dependency' };
    assert.strictEqual(streams.ownStreamItem(foreign, index), null);
    // A generic impl is bound by the stream's arguments.
    const generic: AssocTypeImpl = {
      generics: ['S'],
      selfTy: adt('Framed', { k: 'param', name: 'S' }),
      trait: 'Stream',
      ty: adt('Result', { k: 'param', name: 'S' }, adt('Error')),
    };
    const framed = indexWith([generic], ['Framed']);
    assert.deepStrictEqual(
      streams.ownStreamItem(adt('Framed', adt('Row')), framed),
      adt('Result', adt('Row'), adt('Error')),
    );
    const own = (name: string) => name === 'RowStream';
    assert.ok(streams.pinnedOwn(pinned, own));
    assert.ok(!streams.pinnedOwn(adt('RowStream'), own));
  });

  it("awaits futures-util's TryNext as Result<Option<T>, E> and Next as Option of the stream's item", () => {
    const index = indexWith([streamImpl('RowStream')], ['RowStream']);
    const stream = adt('Pin', { k: 'ref', mut: true, inner: adt('RowStream') });
    const std = (name: 'Option' | 'Result', ...args: Ty[]): Ty => ({
      k: 'adt',
      segments: ['std', name === 'Option' ? 'option' : 'result', name],
      args,
    });
    assert.deepStrictEqual(
      streams.streamCombinatorOutput(tryNext(stream), index),
      std('Result', std('Option', adt('Row')), adt('Error')),
    );
    const next: Ty = { ...(tryNext(stream) as Ty & { k: 'adt' }), segments: ['Next'] };
    assert.deepStrictEqual(
      streams.streamCombinatorOutput(next, index),
      std('Option', ROW_STREAM_ITEM),
    );
    // Another crate's `TryNext`, or a stream whose item is not a `Result`: not known.
    const elsewhere = tryNext(stream, 'registry#my-streams@1.0.0\u0001stream');
    assert.strictEqual(streams.streamCombinatorOutput(elsewhere, index), null);
    const plain = indexWith([{ ...streamImpl('RowStream'), ty: adt('Row') }], ['RowStream']);
    assert.strictEqual(streams.streamCombinatorOutput(tryNext(stream), plain), null);
    assert.strictEqual(streams.streamCombinatorOutput(tryNext(adt('Other')), index), null);
  });

  it('promotes borrowed constants, Some/Ok/Err of them and None, nothing else', () => {
    const promoted = (expr: string): boolean => {
      const tree = parser.parseRust(`fn f() { g(${expr}); }`, 10_000);
      try {
        const args = tree.rootNode.descendantsOfType('arguments')[0]!;
        return promotion.isPromotedWhenBorrowed(args.namedChildren[0]!);
      } finally {
        tree.delete();
      }
    };
    assert.ok(promoted('[(Some(f64::INFINITY), "inf"), (None, "NULL")]'));
    assert.ok(promoted('(Ok(1u8), Err(-2), [0; 4])'));
    assert.ok(!promoted('[(Some(n), "n")]'), 'a local is not a constant');
    assert.ok(!promoted('[Some(String::new())]'), 'a call is not promoted');
    assert.ok(!promoted('Wrapper(1)'), 'a tuple struct may have drop glue: not assumed');
  });
});
