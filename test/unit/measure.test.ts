/**
 * Measure Exact Sizes: which toolchain it tries and when it falls back (`measure/toolchain.ts`),
 * how it finds the unit cargo found fresh (`measure/cargoBuild.ts`), and how rustc's layout of a
 * measured future reaches the held values and the layout document (one truth after a measurement).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FutureReport } from '../../server/src/analysis/report';
import { loadServerModule } from '../support/repoPaths';
import { MEASURED_PRINTED, MEASURED_SOURCE, printedByRustc } from '../support/measuredRun';

const toolchain =
  loadServerModule<typeof import('../../server/src/measure/toolchain')>('measure/toolchain');
const cargoBuild =
  loadServerModule<typeof import('../../server/src/measure/cargoBuild')>('measure/cargoBuild');
const calibrate =
  loadServerModule<typeof import('../../server/src/measure/calibrate')>('measure/calibrate');
const printTypeSizes =
  loadServerModule<typeof import('../../server/src/measure/printTypeSizes')>(
    'measure/printTypeSizes',
  );
const calibration = loadServerModule<typeof import('../../server/src/analysis/types/calibration')>(
  'analysis/types/calibration',
);
const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const layoutDocument =
  loadServerModule<typeof import('../../server/src/lsp/layoutDocument')>('lsp/layoutDocument');
const documents = loadServerModule<typeof import('../../server/src/lsp/measuredLayoutDocument')>(
  'lsp/measuredLayoutDocument',
);

const STABLE = 'rustc 1.95.0 (59807616e 2026-04-14)';
const NIGHTLY = 'rustc 1.97.0-nightly (e50aa6fba 2026-05-19)';
const RUSTUP_LIST =
  'stable-x86_64-unknown-linux-gnu (active, default)\nnightly-x86_64-unknown-linux-gnu\n';

describe('measure: the toolchain', () => {
  const { toolchainCandidates } = toolchain;

  it('tries rustup’s nightly, then stable with RUSTC_BOOTSTRAP=1 when that is allowed', () => {
    const installed = { rustupList: RUSTUP_LIST, defaultRustc: STABLE };
    assert.deepStrictEqual(toolchainCandidates(installed, true), ['nightly', 'bootstrap']);
    assert.deepStrictEqual(toolchainCandidates(installed, false), ['nightly']);
  });

  it('without a nightly: stable with RUSTC_BOOTSTRAP=1 only when allowed, else nothing', () => {
    const stableOnly = {
      rustupList: 'stable-x86_64-unknown-linux-gnu (default)\n',
      defaultRustc: STABLE,
    };
    assert.deepStrictEqual(toolchainCandidates(stableOnly, true), ['bootstrap']);
    assert.deepStrictEqual(toolchainCandidates(stableOnly, false), []);
    // No rustup at all (a distribution's rustc): the same.
    const noRustup = { rustupList: null, defaultRustc: STABLE };
    assert.deepStrictEqual(toolchainCandidates(noRustup, true), ['bootstrap']);
    assert.deepStrictEqual(toolchainCandidates({ rustupList: null, defaultRustc: null }, true), []);
  });

  it('uses a default rustc that is a nightly as it is, without rustup', () => {
    const installed = { rustupList: null, defaultRustc: NIGHTLY };
    assert.deepStrictEqual(toolchainCandidates(installed, false), ['default']);
    assert.deepStrictEqual(toolchainCandidates(installed, true), ['default', 'bootstrap']);
  });

  it('tries the toolchain that worked last time first', () => {
    const installed = { rustupList: RUSTUP_LIST, defaultRustc: STABLE };
    assert.deepStrictEqual(toolchainCandidates(installed, true, 'bootstrap'), [
      'bootstrap',
      'nightly',
    ]);
    // Not when it is no longer allowed.
    assert.deepStrictEqual(toolchainCandidates(installed, false, 'bootstrap'), ['nightly']);
  });

  it('falls back when a dependency or the toolchain fails, not when the crate’s own code does', () => {
    const { worthAnotherToolchain } = toolchain;
    const dependency = [
      'error[E0635]: unknown feature `proc_macro_span_shrink`',
      '  --> /usr/share/cargo/registry/proc-macro2-1.0.47/src/lib.rs:92:30',
      'error: could not compile `proc-macro2` (lib) due to 1 previous error',
    ].join('\n');
    assert.strictEqual(worthAnotherToolchain(dependency, 'my-app'), true);
    const missing = "error: toolchain 'nightly-x86_64-unknown-linux-gnu' is not installed";
    assert.strictEqual(worthAnotherToolchain(missing, 'my-app'), true);
    const own = [
      'error[E0308]: mismatched types',
      '  --> src/net/wire.rs:12:23',
      'error: could not compile `my-app` (lib) due to 1 previous error',
    ].join('\n');
    assert.strictEqual(worthAnotherToolchain(own, 'my-app'), false);
  });

  it('names the toolchain as the log, the progress and the tooltip show it', () => {
    assert.strictEqual(
      toolchain.describeToolchain('bootstrap', STABLE),
      `${STABLE} with RUSTC_BOOTSTRAP=1`,
    );
    assert.strictEqual(toolchain.describeToolchain('nightly', NIGHTLY), NIGHTLY);
    assert.strictEqual(toolchain.isNightlyVersion(NIGHTLY), true);
    assert.strictEqual(toolchain.isNightlyVersion(STABLE), false);
    assert.deepStrictEqual(toolchain.toolchainArgs('nightly'), ['+nightly']);
    assert.deepStrictEqual(toolchain.toolchainArgs('bootstrap'), []);
  });
});

describe('measure: the cargo build', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-measure-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds the fingerprint of the unit cargo reported fresh, and only that one', () => {
    const manifest = path.join(dir, 'Cargo.toml');
    const profile = path.join(dir, 'target', 'debug');
    fs.mkdirSync(path.join(profile, '.fingerprint', 'my-app-5c6a0304b6e6eb32'), {
      recursive: true,
    });
    fs.mkdirSync(path.join(profile, '.fingerprint', 'my-app-f69fe2803dbdf782'));
    const message = (fresh: boolean, manifestPath = manifest) =>
      JSON.stringify({
        reason: 'compiler-artifact',
        package_id: `path+file://${dir}#my-app@0.1.0`,
        manifest_path: manifestPath,
        target: { kind: ['lib'], name: 'my_app' },
        fresh,
        filenames: [
          path.join(profile, 'libmy_app.rlib'),
          path.join(profile, 'deps', 'libmy_app-5c6a0304b6e6eb32.rmeta'),
        ],
      });
    assert.strictEqual(cargoBuild.freshUnitOf(message(false), manifest), null);
    assert.strictEqual(
      cargoBuild.freshUnitOf(message(true, '/elsewhere/Cargo.toml'), manifest),
      null,
    );
    assert.strictEqual(cargoBuild.freshUnitOf('not json', manifest), null);
    const unit = cargoBuild.freshUnitOf(message(true), manifest);
    assert.ok(unit);
    assert.strictEqual(
      cargoBuild.fingerprintDirOf(unit),
      path.join(profile, '.fingerprint', 'my-app-5c6a0304b6e6eb32'),
    );
  });

  it('writes a RUSTC_WORKSPACE_WRAPPER that sets RUSTC_BOOTSTRAP=1 for rustc alone', function () {
    if (process.platform === 'win32') {
      this.skip();
    }
    const wrapper = cargoBuild.writeBootstrapWrapper(dir);
    const { execFileSync } = require('child_process') as typeof import('child_process');
    const seen = execFileSync(wrapper, ['sh', '-c', 'echo "$RUSTC_BOOTSTRAP:$1"', 'sh', 'x'], {
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
    });
    assert.strictEqual(seen.trim(), '1:x');
    // A wrapper the user had set still runs, inside ours.
    const inner = path.join(dir, 'inner.sh');
    fs.writeFileSync(inner, '#!/bin/sh\necho "inner:$RUSTC_BOOTSTRAP"\n', { mode: 0o755 });
    const chained = execFileSync(wrapper, ['rustc'], {
      env: { PATH: process.env.PATH, [cargoBuild.INNER_WRAPPER_VARIABLE]: inner },
      encoding: 'utf8',
    });
    assert.strictEqual(chained.trim(), 'inner:1');
    const mtime = fs.statSync(wrapper).mtimeMs;
    cargoBuild.writeBootstrapWrapper(dir);
    assert.strictEqual(fs.statSync(wrapper).mtimeMs, mtime, 'rewritten although unchanged');
  });
});

/** Other crates' types the source alone cannot size; rustc's layout names every field. */
const SOURCE = MEASURED_SOURCE;
const PRINTED = MEASURED_PRINTED;

function analyse(
  source: string,
  data?: import('../../server/src/analysis/types/calibration').CalibrationData,
) {
  const report = engine.analyzeSource(source, {
    file: '/crate/src/lib.rs',
    edition: '2021',
    calibration: data ? new calibration.Calibration(data) : undefined,
  });
  return report.futures.find((f) => f.name === 'run')!;
}

function measure() {
  const estimated = engine.analyzeSource(SOURCE, { file: '/crate/src/lib.rs', edition: '2021' });
  const rustc = printTypeSizes.futuresFromTypes(printTypeSizes.parsePrintTypeSizes(PRINTED));
  const futures = calibrate.measuredFutures('/crate', [estimated], rustc);
  return {
    version: 1 as const,
    rustc: `${STABLE} with RUSTC_BOOTSTRAP=1`,
    createdAt: '2026-12-07T08:00:00.000Z',
    futures,
    types: {},
  };
}

const held = (future: FutureReport, name: string) =>
  future.awaits.flatMap((a) => a.held).filter((v) => v.name === name);

describe('measure: one truth after a measurement', () => {
  before(() => engine.initAnalysis());

  it('is fed what rustc prints for the measured crate', function () {
    this.timeout(60_000);
    const rustc = printedByRustc();
    assert.ok(rustc.ok, rustc.ok ? '' : rustc.error);
    assert.strictEqual(PRINTED, rustc.printed);
  });

  it('gives held values and captured inputs the sizes rustc printed for them', () => {
    const before = analyse(SOURCE);
    assert.ok(held(before, 'listener').every((v) => v.size === null || !v.exact));
    const after = analyse(SOURCE, measure());
    assert.strictEqual(after.measured, true);
    assert.strictEqual(after.size, 56);
    const listener = held(after, 'listener');
    assert.ok(listener.length > 0);
    assert.ok(listener.every((v) => v.size === 16 && v.exact && v.offset === 0));
    assert.deepStrictEqual(
      after.upvars.map((v) => [v.name, v.size, v.exact]),
      [['socket', 4, true]],
    );
    const awaitee = after.awaits[0].held.find((v) => v.kind === 'awaitee');
    assert.deepStrictEqual([awaitee?.size, awaitee?.exact], [24, true]);
  });

  it('keeps the estimate once the fn is edited: the measurement no longer applies', () => {
    const data = measure();
    const edited = analyse(SOURCE.replace('drop(socket);', 'drop(socket); // edited'), data);
    assert.strictEqual(edited.measured, undefined);
    assert.ok(held(edited, 'listener').every((v) => v.size === null || !v.exact));
  });

  it('leaves alone a name rustc printed twice with different sizes (shadowed bindings)', () => {
    const upvars: FutureReport['upvars'] = [];
    const value = {
      name: 'x',
      kind: 'binding' as const,
      line: 1,
      column: 1,
      endLine: 1,
      endColumn: 2,
      size: null,
      align: null,
      type: null,
      exact: false,
      id: 0,
      offset: 0,
    };
    calibration.explainWithMeasurement(
      {
        tagSize: 1,
        variants: [
          {
            name: 'Suspend0',
            size: 24,
            fields: [
              { kind: 'local', name: 'x', size: 4, offset: 4 },
              { kind: 'local', name: 'x', size: 16, offset: 8 },
            ],
          },
        ],
      },
      upvars,
      [{ index: 0, line: 2, column: 1, held: [value] }],
    );
    assert.deepStrictEqual([value.size, value.exact], [null, false]);
  });
});

describe('measure: the layout document of a measured future', () => {
  before(() => engine.initAnalysis());

  it('puts the state tag after the last field when no gap holds it, and still adds up', () => {
    const rows = documents.variantRows(
      [
        { kind: 'upvar', name: 'a', size: 8, offset: 0 },
        { kind: 'local', name: 'b', size: 8, offset: 8 },
      ],
      2,
      24,
      new Map(),
    );
    assert.deepStrictEqual(
      rows.map((r) => [r.offset, r.size, r.role]),
      [
        [0, 8, 'upvar'],
        [8, 8, 'local'],
        [16, 2, 'tag'],
        [18, 6, 'unused'],
      ],
    );
  });

  it('places one tag for every state where no state has a field, or none when no such place exists', () => {
    const layout = (fields: [number, number][][]) => ({
      tagSize: 1,
      variants: fields.map((f, i) => ({
        name: `Suspend${i}`,
        size: 0,
        fields: f.map(([offset, size]) => ({ kind: 'local' as const, name: 'x', size, offset })),
      })),
    });
    assert.strictEqual(documents.sharedTagOffset(layout([[[0, 8]], [[8, 4]]]), 16), 12);
    assert.strictEqual(documents.sharedTagOffset(layout([[[0, 8]], [[8, 8]]]), 16), undefined);
  });

  it('shows rustc’s own states in the layout document, each adding up to the measured size', () => {
    const future = analyse(SOURCE, measure());
    const text = layoutDocument.renderLayout(future, 'src/lib.rs');
    assert.match(text, /future run {2}size 56 B \(measured\)/);
    const states = text.split(/\n(?=variant )/).slice(1);
    assert.deepStrictEqual(
      states.map((s) => /^variant (\S+)/.exec(s)![1]),
      ['Unresumed', 'Suspend0', 'Suspend1', 'Returned', 'Panicked'],
    );
    for (const state of states) {
      const sizes = [...state.matchAll(/^ {2}offset +\d+ {2}size +(\d+)/gm)].map((m) =>
        Number(m[1]),
      );
      assert.strictEqual(
        sizes.reduce((a, b) => a + b, 0),
        56,
        state,
      );
      assert.match(state, /^ {2}total 56$/m);
    }
    assert.match(text, /offset +0 {2}size +16 {2}local +listener .* line 6/);
    assert.match(
      text,
      /offset +32 {2}size +24 {2}awaitee +__awaitee +\{async fn body of Listener::bind\(\)\}/,
    );
    // One tag serves every state: it is at the same offset in each, where no state has a field.
    const tags = states.map((s) => /^ {2}offset +(\d+) {2}size +1 {2}tag/m.exec(s)?.[1]);
    assert.deepStrictEqual(tags, ['24', '24', '24', '24', '24']);
  });
});
