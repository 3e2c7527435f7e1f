/**
 * Names read in the module that writes them (`scopeModuleNames` in the item index): a bare type
 * name in an inline `mod x { .. }` is that module's type, whichever of the file's same-named
 * types was indexed last; and projections normalized through the bounds a trait declares on its
 * associated types (`boundProjections.ts`), as rustc's generic MIR reads them.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { findUpwards, loadServerModule } from '../support/repoPaths';
import { requireRustc } from '../support/rustcCorpus';
import { runPrintTypeSizes } from '../support/runRustc';

const parser =
  loadServerModule<typeof import('../../server/src/analysis/syntax/parser')>(
    'analysis/syntax/parser',
  );
const items =
  loadServerModule<typeof import('../../server/src/analysis/items/items')>('analysis/items/items');
const bounds = loadServerModule<typeof import('../../server/src/analysis/types/boundProjections')>(
  'analysis/types/boundProjections',
);
const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const rustcOut =
  loadServerModule<typeof import('../../server/src/measure/printTypeSizes')>(
    'measure/printTypeSizes',
  );
type Ty = import('../../server/src/analysis/types/types').Ty;

const FIXTURE = path.join(
  findUpwards(__dirname, (dir) => fs.existsSync(path.join(dir, 'test', 'fixtures', 'instances')))!,
  'test',
  'fixtures',
  'instances',
  'declared_bounds.rs',
);

function withIndex(text: string, modulePath: string[], check: (index: ItemIndex) => void): void {
  const tree = parser.parseRust(text);
  try {
    check(items.indexItems(tree.rootNode, modulePath));
  } finally {
    tree.delete();
  }
}
type ItemIndex = import('../../server/src/analysis/items/items').ItemIndex;

function fieldOf(index: ItemIndex, type: string, field = '0'): Ty {
  const t = index.types.get(type);
  assert.ok(t && t.kind === 'struct', type);
  return t.fields.find((f) => f.name === field)!.ty;
}

const segmentsOf = (ty: Ty) => (ty.k === 'adt' ? ty.segments : ty.k);

describe('type names read in the module that writes them', () => {
  before(() => engine.initAnalysis());

  it('names an inline module’s type by that module, whichever the file defined last', () => {
    const text = `
      pub mod a { pub struct State(pub u8); pub struct Holder(pub State); }
      pub mod b { pub struct State(pub u64); pub struct Holder(pub State); }
      pub mod c { use super::b::State; pub struct Uses(pub State); }`;
    withIndex(text, [], (index) => {
      assert.deepStrictEqual(segmentsOf(fieldOf(index, 'a::Holder')), ['a', 'State']);
      assert.deepStrictEqual(segmentsOf(fieldOf(index, 'b::Holder')), ['b', 'State']);
      assert.deepStrictEqual(segmentsOf(fieldOf(index, 'Uses')), ['b', 'State']);
      const a = index.types.get('a::State');
      assert.ok(
        a?.kind === 'struct' && a.fields[0].ty.k === 'prim' && a.fields[0].ty.name === 'u8',
      );
      // The bare name, which bodies read, stands for neither.
      const bare = index.types.get('State');
      assert.ok(bare?.kind === 'alias' && bare.ty.k === 'unknown');
    });
  });

  it('reads an inline module’s own type in a file of a crate (tokio’s `sealed::State`)', () => {
    const text = `
      pub struct Other;
      pub(crate) mod sealed {
        pub struct MaybeReady(pub(super) State);
        pub(super) enum State { Ready(Option<u8>), Blocking(u64) }
        pub trait Priv { type Future; }
      }
      impl sealed::Priv for str { type Future = sealed::MaybeReady; }`;
    withIndex(text, ['net', 'addr'], (index) => {
      assert.deepStrictEqual(segmentsOf(fieldOf(index, 'MaybeReady')), ['sealed', 'State']);
      // Defined once in the file: the bare key is still the type.
      assert.strictEqual(index.types.get('State')?.kind, 'enum');
      const [impl] = index.assocTypes.get('Future') ?? [];
      assert.deepStrictEqual(segmentsOf(impl.ty), ['sealed', 'MaybeReady']);
    });
  });

  it('leaves a name several modules define unknown where no module of them is named', () => {
    const text = `
      pub mod a { pub struct State(pub u8); }
      pub mod b { pub struct State(pub u64); }
      pub mod d { pub struct Guess(pub State); }`;
    withIndex(text, [], (index) => {
      assert.strictEqual(fieldOf(index, 'Guess').k, 'unknown');
    });
  });

  it('keeps a name one module defines as it was (bare), outside inline modules', () => {
    withIndex('pub struct State(u8); pub struct Holder(State);', ['m'], (index) => {
      assert.deepStrictEqual(segmentsOf(fieldOf(index, 'Holder')), ['State']);
    });
  });
});

describe('projections normalized through declared bounds', () => {
  before(() => engine.initAnalysis());

  const param = (name: string): Ty => ({ k: 'param', name });
  const proj = (self: Ty, name: string, trait: string[] | null = null): Ty => ({
    k: 'unknown',
    text: name,
    proj: { self, name, trait },
  });
  const socketAddr: Ty = { k: 'adt', segments: ['SocketAddr'], args: [] };
  const ioError: Ty = { k: 'adt', segments: ['io', 'Error'], args: [] };
  const declaration = {
    name: 'Priv',
    supertraits: [],
    assoc: [
      ['Iter', [{ trait: 'Iterator', bindings: [['Item', socketAddr]] }]],
      [
        'Future',
        [
          {
            trait: 'Future',
            bindings: [
              [
                'Output',
                { k: 'adt', segments: ['Result'], args: [proj(param('Self'), 'Iter'), ioError] },
              ],
            ],
          },
        ],
      ],
    ],
  } as import('../../server/src/analysis/types/boundProjections').TraitDeclaration;
  const env = (paramBounds: [string, string[]][], traits = [declaration]) => ({
    paramBounds: new Map(paramBounds),
    traits: new Map(
      [...traits, { name: 'ToAddrs', supertraits: ['Priv'], assoc: [] }].map((t) => [t.name, t]),
    ),
    isStdTry: (ty: Ty & { k: 'adt' }) => ty.segments[0] === 'Result',
  });

  it('reads an item of `A::Iter` as the bound says, through a supertrait', () => {
    const iter = proj(param('A'), 'Iter');
    const output = proj(proj(param('A'), 'Future'), 'Output', ['Future']);
    const ok = proj(output, 'Output', ['Try']);
    const item = proj(proj(ok, 'IntoIter', ['IntoIterator']), 'Item', ['Iterator']);
    const e = env([['A', ['ToAddrs']]]);
    assert.deepStrictEqual(bounds.normalizeByBounds(item, e), socketAddr);
    // The iterator itself stays `A::Iter`: what it is, only an instance says.
    const normalized = bounds.normalizeByBounds(ok, e);
    assert.ok(normalized.k === 'unknown' && iter.k === 'unknown');
    assert.deepStrictEqual(normalized.proj, iter.proj);
  });

  it('says nothing where the bounds do not, or where two traits of the name exist', () => {
    const item = proj(proj(param('A'), 'Iter'), 'Item', ['Iterator']);
    // Not bounded by a trait that declares `Iter`.
    assert.deepStrictEqual(bounds.normalizeByBounds(item, env([['A', ['Send']]])), item);
    const twice = env([['A', ['Priv']]]);
    (twice.traits as Map<string, unknown>).set('Priv', null);
    assert.deepStrictEqual(bounds.normalizeByBounds(item, twice as never), item);
    // `Loose::Iter: Iterator` with no `Item`: the item stays a projection.
    const loose = {
      name: 'Loose',
      supertraits: [],
      assoc: [['Iter', [{ trait: 'Iterator', bindings: [] }]]],
    };
    const e = env([['A', ['Loose']]], [loose as never]);
    assert.deepStrictEqual(bounds.normalizeByBounds(item, e), item);
  });

  it('sizes generic async fns over a trait with declared bounds as rustc does', () => {
    requireRustc();
    const text = fs.readFileSync(FIXTURE, 'utf8');
    const [report] = engine.analyzeCrate([{ file: FIXTURE, text, modulePath: [] }], {
      edition: '2021',
    });
    const run = runPrintTypeSizes(path.basename(FIXTURE), '2021', { cwd: path.dirname(FIXTURE) });
    assert.ok(run.ok, run.ok ? '' : run.error);
    const rustc = rustcOut.futuresFromTypes(rustcOut.parsePrintTypeSizes(run.stdout));
    const theirs = (name: string) => rustc.find((r) => r.kind === 'fn' && r.name === name)!;
    for (const name of ['call_connect_one', 'call_connect_two']) {
      const f = report.futures.find((x) => x.name === name);
      assert.ok(f && f.exact, `${name} is exact (unknown: ${f?.unknown.join(', ')})`);
      assert.strictEqual(f.size, theirs(name).size, name);
    }
    // The loop's item has no bound to say it has no drop glue: a lower bound, never above.
    const loose = report.futures.find((x) => x.name === 'call_loose');
    assert.ok(loose && !loose.exact, 'call_loose is a lower bound');
    assert.ok(loose.size! <= theirs('call_loose').size);
  });
});
