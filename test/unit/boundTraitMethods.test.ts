/**
 * What tokio-postgres's `connect_raw<TcpStream, NoTls>` chain needed: a type parameter's method
 * through its bounds (`boundTraitMethods.ts`), its projection resolved through the instance's
 * impl, a dependency's own types given back to it by path (`instanceArguments.ts`), futures-util's
 * `TryNext` of the crate's own stream (`streamItems.ts`), other crates' fields
 * (`dependencyFields.ts`). The rustc-compared cases are engine fixture
 * `102_bound_trait_methods.rs` and the workspace `dependency_streams` (compared here with its
 * recorded rustc output, against Debian's registry).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { findUpwards, loadServerModule } from '../support/repoPaths';
import { matchesRecordedRustc } from '../support/workspaceLib';
import { requireRustc } from '../support/rustcCorpus';
import { runPrintTypeSizes } from '../support/runRustc';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const bound = loadServerModule<typeof import('../../server/src/analysis/types/boundTraitMethods')>(
  'analysis/types/boundTraitMethods',
);
const projections = loadServerModule<typeof import('../../server/src/analysis/types/projections')>(
  'analysis/types/projections',
);
const instance = loadServerModule<
  typeof import('../../server/src/analysis/deps/instanceArguments')
>('analysis/deps/instanceArguments');
const streams = loadServerModule<typeof import('../../server/src/analysis/types/streamItems')>(
  'analysis/types/streamItems',
);
const rustcOut =
  loadServerModule<typeof import('../../server/src/measure/printTypeSizes')>(
    'measure/printTypeSizes',
  );
type Ty = import('../../server/src/analysis/types/types').Ty;
type TraitDeclaration = import('../../server/src/analysis/types/boundProjections').TraitDeclaration;
type ItemIndex = import('../../server/src/analysis/items/items').ItemIndex;

const DEBIAN_REGISTRY = '/usr/share/cargo/registry';
const FIXTURES = path.join(
  findUpwards(__dirname, (dir) => fs.existsSync(path.join(dir, 'test', 'fixtures', 'workspaces')))!,
  'test',
  'fixtures',
);
const WORKSPACE = path.join(FIXTURES, 'workspaces', 'dependency_streams');
/** Generic fns calling a bound trait's method, and their callers, each instance sized. */
const INSTANCES = path.join(FIXTURES, 'instances', 'bound_trait_methods.rs');

const selfFuture: Ty = {
  k: 'unknown',
  text: 'Self::Future',
  proj: { self: { k: 'param', name: 'Self' }, name: 'Future', trait: null },
};

function trait(name: string, methods: TraitDeclaration['methods'], supertraits: string[] = []) {
  return { name, supertraits, assoc: [], methods } satisfies TraitDeclaration;
}

function boundEnv(bounds: string[], traits: TraitDeclaration[]) {
  return {
    paramBounds: new Map([['T', bounds]]),
    traits: new Map(traits.map((t): [string, TraitDeclaration] => [t.name, t])),
    isStdTry: () => false,
  };
}

describe('bound trait methods and the connect_raw chain', function () {
  this.timeout(300_000);

  before(() => engine.initAnalysis());

  it("sizes the callers of generic fns calling a bound trait's method, as rustc", () => {
    requireRustc();
    const text = fs.readFileSync(INSTANCES, 'utf8');
    const [report] = engine.analyzeCrate([{ file: INSTANCES, text, modulePath: [] }], {
      edition: '2021',
    });
    const run = runPrintTypeSizes(path.basename(INSTANCES), '2021', {
      cwd: path.dirname(INSTANCES),
    });
    assert.ok(run.ok, run.ok ? '' : run.error);
    const rustc = rustcOut.futuresFromTypes(rustcOut.parsePrintTypeSizes(run.stdout));
    for (const name of ['connect_no_tls', 'startup_no_tls']) {
      const ours = report.futures.find((f) => f.name === name);
      const theirs = rustc.find((r) => r.kind === 'fn' && r.name === name);
      assert.ok(ours && theirs, name);
      assert.ok(ours.exact, `${name} is exact (unknown: ${ours.unknown.join(', ')})`);
      assert.strictEqual(
        ours.size,
        theirs.size,
        `${name}: engine ${ours.size}, rustc ${theirs.size}`,
      );
    }
  });

  it("reads a bound trait's method, its Self::Future qualified by that trait", () => {
    const connect = {
      name: 'connect',
      selfKind: 'value' as const,
      ret: selfFuture,
      generics: ['S'],
    };
    const env = boundEnv(
      ['Sub'],
      [trait('TlsConnect', [connect]), trait('Sub', [], ['TlsConnect'])],
    );
    const found = bound.boundTraitMethod('T', 'connect', env);
    assert.deepStrictEqual(found?.ret, {
      k: 'unknown',
      text: '<T as TlsConnect>::Future',
      proj: { self: { k: 'param', name: 'T' }, name: 'Future', trait: ['TlsConnect'] },
    });
    assert.strictEqual(found?.selfKind, 'value');
    assert.strictEqual(bound.boundTraitMethod('T', 'other', env), null);
    assert.strictEqual(bound.boundTraitMethod('U', 'connect', env), null, 'U has no bounds');
  });

  it('refuses a method two bounding traits declare, or a result of their own generics', () => {
    const connect = { name: 'connect', selfKind: 'ref' as const, ret: selfFuture, generics: [] };
    const twice = boundEnv(['A', 'B'], [trait('A', [connect]), trait('B', [connect])]);
    assert.strictEqual(bound.boundTraitMethod('T', 'connect', twice), null);
    const own = { ...connect, ret: { k: 'param', name: 'X' } as Ty, generics: ['X'] };
    assert.strictEqual(
      bound.boundTraitMethod('T', 'connect', boundEnv(['A'], [trait('A', [own])])),
      null,
    );
  });

  it('resolves a projection two impls agree on, and none where they differ', () => {
    const u8: Ty = { k: 'prim', name: 'u8' };
    const noTls: Ty = { k: 'adt', segments: ['NoTls'], args: [] };
    const stream: Ty = { k: 'adt', segments: ['NoTlsStream'], args: [] };
    const impl = (traitName: string, ty: Ty) => ({
      generics: ['S'],
      selfTy: noTls,
      trait: traitName,
      ty,
    });
    const resolve = (impls: ReturnType<typeof impl>[]) =>
      projections.resolveProjection(
        { self: noTls, name: 'Stream', trait: null },
        { impls: new Map([['Stream', impls]]), isOwnType: () => true, isAlias: () => false },
      );
    assert.deepStrictEqual(
      resolve([impl('MakeTlsConnect', stream), impl('TlsConnect', stream)]),
      stream,
    );
    assert.strictEqual(resolve([impl('MakeTlsConnect', stream), impl('TlsConnect', u8)]), null);
  });
});

describe('types read across the connect_raw chain', () => {
  it("gives a dependency its own types back as crate:: paths, another package's by scope", () => {
    const root = 'pkg-a\u0001';
    const own: Ty = {
      k: 'adt',
      segments: ['NoTls'],
      args: [],
      origin: 'dependency',
      scope: 'pkg-a\u0001tls',
    };
    const other: Ty = { ...own, scope: 'pkg-b\u0001net' };
    const resolve = () => null;
    assert.deepStrictEqual(instance.readInDependency(own, root, resolve), {
      k: 'adt',
      segments: ['crate', 'tls', 'NoTls'],
      args: [],
    });
    assert.deepStrictEqual(instance.readInDependency(other, root, resolve), other);
  });

  it("reads TryNext only as futures-util's, of a stream of the crate's own", () => {
    const lines: Ty = { k: 'adt', segments: ['Lines'], args: [] };
    const index = {
      types: new Map([['Lines', {}]]),
      uses: new Map([['io', ['std', 'io']]]),
      assocTypes: new Map([
        [
          'Item',
          [
            {
              generics: [],
              selfTy: lines,
              trait: 'Stream',
              ty: { k: 'adt', segments: ['io', 'Result'], args: [{ k: 'prim', name: 'u8' }] },
            },
          ],
        ],
      ]),
    } as unknown as ItemIndex;
    const tryNext = (scope: string): Ty => ({
      k: 'adt',
      segments: ['TryNext'],
      args: [{ k: 'ref', mut: true, inner: lines }],
      origin: 'dependency',
      scope,
    });
    const output = streams.streamCombinatorOutput(tryNext('r#futures-util@0.3.21\u0001x'), index);
    assert.deepStrictEqual(output, {
      k: 'adt',
      segments: ['std', 'result', 'Result'],
      args: [
        { k: 'adt', segments: ['std', 'option', 'Option'], args: [{ k: 'prim', name: 'u8' }] },
        { k: 'adt', segments: ['std', 'io', 'Error'], args: [] },
      ],
    });
    assert.strictEqual(
      streams.streamCombinatorOutput(tryNext('r#other@1.0.0\u0001x'), index),
      null,
    );
  });
});

describe("another crate's fields, streams and parameters, as rustc", function () {
  this.timeout(300_000);

  before(() => engine.initAnalysis());

  it('sizes the dependency_streams workspace as its recorded rustc output', function () {
    if (!fs.existsSync(path.join(DEBIAN_REGISTRY))) {
      this.skip();
    }
    if (
      !matchesRecordedRustc(WORKSPACE, DEBIAN_REGISTRY, [
        'try_next_line',
        'left_field',
        'read_from_slice',
        'tick',
      ])
    ) {
      this.skip();
    }
  });
});
