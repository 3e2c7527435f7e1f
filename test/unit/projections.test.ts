/**
 * Associated types through trait impls (`projections.ts`): generic async fns holding projections
 * (the shape of tokio's `TcpStream::connect<A: ToSocketAddrs>`) sized per instance and compared
 * with rustc, an ambiguous projection left a lower bound, and the resolver's refusals.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pairWithCargo } from '../support/cargoTypeSizes';
import { findUpwards, loadServerModule } from '../support/repoPaths';
import { requireRustc } from '../support/rustcCorpus';
import { runPrintTypeSizes } from '../support/runRustc';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const projections = loadServerModule<typeof import('../../server/src/analysis/types/projections')>(
  'analysis/types/projections',
);
const deps = loadServerModule<typeof import('../../server/src/analysis/deps/dependencyTypes')>(
  'analysis/deps/dependencyTypes',
);
const loader = loadServerModule<typeof import('../../server/src/project/dependencyLoader')>(
  'project/dependencyLoader',
);
const rustcOut =
  loadServerModule<typeof import('../../server/src/measure/printTypeSizes')>(
    'measure/printTypeSizes',
  );
type Ty = import('../../server/src/analysis/types/types').Ty;
type AssocTypeImpl = import('../../server/src/analysis/types/projections').AssocTypeImpl;

const FIXTURE = path.join(
  findUpwards(__dirname, (dir) => fs.existsSync(path.join(dir, 'test', 'fixtures', 'instances')))!,
  'test',
  'fixtures',
  'instances',
  'assoc_projections.rs',
);

/** A dependency's generic async fns holding associated types resolved through its own impls. */
const WORKSPACE = path.join(path.dirname(path.dirname(FIXTURE)), 'workspaces', 'projections');

const u8: Ty = { k: 'prim', name: 'u8' };
const u16: Ty = { k: 'prim', name: 'u16' };
const param = (name: string): Ty => ({ k: 'param', name });
const out = (self: Ty, trait: string[] | null = null) => ({ self, name: 'Out', trait });

function resolve(impls: AssocTypeImpl[], proj: ReturnType<typeof out>): Ty | null {
  return projections.resolveProjection(proj, {
    impls: new Map([['Out', impls]]),
    isOwnType: () => false,
    isAlias: () => false,
  });
}

describe('associated types through trait impls', function () {
  this.timeout(120_000);

  before(() => engine.initAnalysis());

  it('sizes generic async fns holding projections per instance, as rustc does', () => {
    requireRustc();
    const text = fs.readFileSync(FIXTURE, 'utf8');
    const [report] = engine.analyzeCrate([{ file: FIXTURE, text, modulePath: [] }], {
      edition: '2021',
    });
    const run = runPrintTypeSizes(path.basename(FIXTURE), '2021', { cwd: path.dirname(FIXTURE) });
    assert.ok(run.ok, run.ok ? '' : run.error);
    const rustc = rustcOut.futuresFromTypes(rustcOut.parsePrintTypeSizes(run.stdout));
    const callers = report.futures.filter((f) => f.name.startsWith('call_'));
    assert.strictEqual(callers.length, 3);
    for (const f of callers) {
      const theirs = rustc.find((r) => r.kind === 'fn' && r.name === f.name);
      assert.ok(theirs, `rustc printed ${f.name}`);
      // Every projection resolved (`&str::Future` is tokio's `MaybeReady`, the `for` loop's
      // iterator `OneOrMore`); where the generic body's drop glue differs from the instance's,
      // the size is rustc's but shown as a lower bound.
      assert.strictEqual(f.size, theirs.size, `${f.name}: engine ${f.size}, rustc ${theirs.size}`);
      assert.ok(
        f.unknown.every((u) => u.startsWith('values whose drop glue')),
        `${f.name}: ${f.unknown.join(', ')}`,
      );
    }
    const ambiguous = report.futures.find((f) => f.name === 'ambiguous');
    const theirs = rustc.find((r) => r.kind === 'fn' && r.name === 'ambiguous');
    assert.ok(ambiguous && theirs);
    assert.ok(!ambiguous.exact, 'two impls name `Out` for u16: a lower bound');
    assert.ok(ambiguous.size! <= theirs.size, 'never above rustc');
    assert.deepStrictEqual(ambiguous.unknown, ['u16::Out']);
  });

  it("sizes another crate's generic async fns holding projections, as rustc does", () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-projections-'));
    try {
      const home = fs.mkdtempSync(path.join(scratch, 'home-'));
      const loaded = loader.loadDependencies(WORKSPACE, undefined, { env: { CARGO_HOME: home } });
      assert.ok(loaded, 'a crate graph');
      const text = fs.readFileSync(path.join(WORKSPACE, 'src', 'lib.rs'), 'utf8');
      const [report] = engine.analyzeCrate([{ file: 'lib.rs', text, modulePath: [] }], {
        edition: '2021',
        dependencies: new deps.DependencyTypes(loaded.graph),
      });
      const futures = report.futures.filter((f) => f.kind === 'fn');
      assert.strictEqual(futures.length, 3);
      // `&u8`'s `Buf` through addrdep's `impl<T> Source for &T`, a struct's projected field.
      for (const f of futures) {
        assert.ok(f.exact, `${f.name} is exact (unknown: ${f.unknown.join(', ')})`);
        assert.deepStrictEqual(f.sources, ['addrdep 0.2.0']);
      }
      for (const [f, theirs] of pairWithCargo(WORKSPACE, scratch, futures) ?? []) {
        assert.strictEqual(
          f.size,
          theirs.size,
          `${f.name}: engine ${f.size}, rustc ${theirs.size}`,
        );
      }
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('resolves through a generic impl, binding its parameters', () => {
    const wrap = (t: Ty): Ty => ({ k: 'adt', segments: ['Wrap'], args: [t] });
    const impls: AssocTypeImpl[] = [
      { generics: [], selfTy: u8, trait: 'Conv', ty: u16 },
      {
        generics: ['T'],
        selfTy: wrap(param('T')),
        trait: 'Conv',
        ty: { k: 'tuple', elems: [param('T'), projections.projectionType(out(param('T')))] },
      },
    ];
    assert.deepStrictEqual(resolve(impls, out(wrap(u8))), { k: 'tuple', elems: [u8, u16] });
  });

  it('gives no answer when two impls apply, or a blanket impl may', () => {
    const two: AssocTypeImpl[] = [
      { generics: [], selfTy: u8, trait: 'Conv', ty: u16 },
      { generics: [], selfTy: u8, trait: 'Other', ty: u8 },
    ];
    assert.strictEqual(resolve(two, out(u8)), null);
    assert.deepStrictEqual(resolve(two, out(u8, ['Other'])), u8);
    const blanket: AssocTypeImpl[] = [
      { generics: ['T'], selfTy: param('T'), trait: 'Conv', ty: u8 },
    ];
    assert.strictEqual(resolve(blanket, out(u16)), null, 'its bound is not known to hold');
    assert.deepStrictEqual(resolve(blanket, out(u16, ['Conv'])), u8);
  });

  it('gives no answer for a self type still generic or a name std declares', () => {
    const impls: AssocTypeImpl[] = [{ generics: [], selfTy: u8, trait: 'Conv', ty: u16 }];
    assert.strictEqual(resolve(impls, out(param('T'))), null);
    const output = projections.resolveProjection(
      { self: u8, name: 'Output', trait: null },
      {
        impls: new Map([['Output', impls]]),
        isOwnType: () => false,
        isAlias: () => false,
      },
    );
    assert.strictEqual(output, null, 'std implements `Output` traits for u8 too');
  });
});
