/**
 * Associated fns of same-named types (`a::X::new` beside `b::X::new`): the crate keys them by
 * `X::new`, so a call names one only where the path leads to its type's module. Where that is not
 * known the call's type is unknown and the future a lower bound, never the other type's size
 * shown as exact (`b::X::new()` once gave `a::X`'s byte: 3 bytes "exact", rustc 40). The crate
 * case, where the modules' `use`s lead the path, is `test/fixtures/crates/same_module_names`.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadServerModule } from '../support/repoPaths';
import { requireRustc } from '../support/rustcCorpus';
import { runPrintTypeSizes } from '../support/runRustc';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const rustcOut =
  loadServerModule<typeof import('../../server/src/measure/printTypeSizes')>(
    'measure/printTypeSizes',
  );

const SOURCE = `
pub mod a {
    pub struct X(pub u8);
    impl X {
        pub fn new() -> X {
            X(1)
        }
    }
}
pub mod b {
    pub struct X(pub [u64; 4]);
    impl X {
        pub fn new() -> X {
            X([1; 4])
        }
    }
}
async fn tick() {}
pub async fn hold_b() -> u64 {
    let x = b::X::new();
    tick().await;
    x.0[0]
}
pub async fn hold_a() -> u8 {
    let x = a::X::new();
    tick().await;
    x.0
}
`;

describe('associated fns of same-named types in two modules', () => {
  before(async () => {
    requireRustc();
    await engine.initAnalysis();
  });

  it('gives a lower bound, never the other type’s size as exact', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-owners-'));
    const file = path.join(dir, 'owners.rs');
    fs.writeFileSync(file, SOURCE);
    const run = runPrintTypeSizes(file, '2021', { cwd: dir });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.ok(run.ok, run.ok ? '' : run.error);
    const [report] = engine.analyzeCrate([{ file, text: SOURCE, modulePath: [] }], {
      edition: '2021',
    });
    const rustc = rustcOut.futuresFromTypes(rustcOut.parsePrintTypeSizes(run.stdout));
    for (const name of ['hold_a', 'hold_b']) {
      const ours = report.futures.find((f) => f.name === name)!;
      const theirs = rustc.find((r) => r.name === name)!;
      assert.ok(ours && theirs, name);
      assert.ok(
        !ours.exact || ours.size === theirs.size,
        `${name}: ${ours.size} vs ${theirs.size}`,
      );
      assert.ok((ours.size ?? 0) <= theirs.size, `${name}: bound ${ours.size} > ${theirs.size}`);
    }
    const holdB = report.futures.find((f) => f.name === 'hold_b')!;
    assert.strictEqual(holdB.exact, false);
    assert.ok(holdB.unknown.includes('type of `x`'), holdB.unknown.join(', '));
  });
});
