/**
 * Whole-crate analysis and calibration on real multi-file crates, checked against rustc and cargo.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FileReport } from '../../server/src/analysis/report';
import { loadServerModule } from '../support/repoPaths';
import { requireRustc } from '../support/rustcCorpus';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const calibration = loadServerModule<typeof import('../../server/src/analysis/types/calibration')>(
  'analysis/types/calibration',
);
const crates =
  loadServerModule<typeof import('../../server/src/project/crateLayout')>('project/crateLayout');
const calibrate =
  loadServerModule<typeof import('../../server/src/measure/calibrate')>('measure/calibrate');

const repoRoot = path.resolve(__dirname, '..', '..', '..');

function analyzeCrateDir(
  dir: string,
  cal?: InstanceType<typeof calibration.Calibration>,
  edit?: (file: string, text: string) => string,
): FileReport[] {
  const layout = crates.readCrateLayout(dir);
  return engine.analyzeCrate(
    layout.files.map((f) => {
      const text = fs.readFileSync(f.path, 'utf8');
      return { file: f.path, text: edit ? edit(f.path, text) : text, modulePath: f.modulePath };
    }),
    { edition: (layout.edition ?? '2021') as never, calibration: cal },
  );
}

describe('whole-crate analysis', function () {
  this.timeout(240_000);

  before(async () => {
    requireRustc();
    await engine.initAnalysis();
  });

  it('names modules as rustc does: mod.rs, nested folders, #[path]', () => {
    assert.deepStrictEqual(crates.modulePathFromFile('lib.rs'), []);
    assert.deepStrictEqual(crates.modulePathFromFile('net/mod.rs'), ['net']);
    assert.deepStrictEqual(crates.modulePathFromFile('net/tcp.rs'), ['net', 'tcp']);
    const layout = crates.readCrateLayout(path.join(repoRoot, 'examples'));
    assert.ok(layout.files.some((f) => f.modulePath.join('::') === 'server'));
    assert.deepStrictEqual(layout.warnings, []);
  });

  // Each crate's futures are compared with rustc one by one in engineVsRustc.test.ts (the ratchet).

  it('after calibration every future is measured; after an edit only that function is estimated again', async function () {
    const dir = path.join(repoRoot, 'examples');
    const targetDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-calibrate-'));
    try {
      const run = await calibrate.calibrateCrate(dir, { allowBootstrap: true, targetDir });
      assert.ok(run.ok, run.ok ? '' : run.error);
      const cal = new calibration.Calibration(run.data);
      const all = analyzeCrateDir(dir, cal).flatMap((r) => r.futures);
      assert.ok(all.length > 0);
      assert.deepStrictEqual(
        all.filter((f) => !f.measured).map((f) => f.name),
        [],
      );
      const edited = analyzeCrateDir(dir, cal, (file, text) =>
        file.endsWith('scoped.rs')
          ? text.replace('async fn send_checksum(', 'async fn send_checksum(/* edited */ ')
          : text,
      ).flatMap((r) => r.futures);
      assert.deepStrictEqual(
        edited.filter((f) => !f.measured).map((f) => f.name),
        ['scoped::send_checksum'],
      );
      assert.ok(fs.existsSync(run.file));
    } finally {
      fs.rmSync(targetDir, { recursive: true, force: true });
    }
  });

  it('a crate that does not build reports the first compiler error and keeps the previous measurements', async () => {
    const crate = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-broken-'));
    try {
      fs.mkdirSync(path.join(crate, 'src'));
      fs.writeFileSync(
        path.join(crate, 'Cargo.toml'),
        '[package]\nname = "broken"\nversion = "0.1.0"\nedition = "2021"\n',
      );
      fs.writeFileSync(
        path.join(crate, 'src', 'lib.rs'),
        'pub async fn f() { let x: u32 = "no"; }\n',
      );
      const targetDir = path.join(crate, 'target', 'rust-future-size');
      fs.mkdirSync(targetDir, { recursive: true });
      fs.writeFileSync(
        path.join(targetDir, 'calibration.json'),
        '{"version":1,"futures":[],"types":{},"rustc":"old","createdAt":"x"}',
      );
      const run = await calibrate.calibrateCrate(crate, { allowBootstrap: true });
      assert.strictEqual(run.ok, false);
      assert.match(
        run.ok ? '' : run.error,
        /error\[E0308\]: mismatched types \(src\/lib\.rs:1:\d+\)/,
      );
      assert.strictEqual(
        calibrate.loadCalibration(path.join(targetDir, 'calibration.json'))?.rustc,
        'old',
      );
    } finally {
      fs.rmSync(crate, { recursive: true, force: true });
    }
  });
});
