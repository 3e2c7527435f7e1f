/**
 * What cargo really does with a measurement in the user's target directory (skipped without
 * cargo): no build script sees RUSTC_BOOTSTRAP, a path dependency is built once for measurements
 * (they build without incremental compilation) and reused after, an unchanged crate is still
 * measured, and the user's next `cargo build` rebuilds nothing but an edit.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadServerModule } from '../support/repoPaths';

const cargoBuild =
  loadServerModule<typeof import('../../server/src/measure/cargoBuild')>('measure/cargoBuild');

function hasCargo(): boolean {
  return spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status === 0;
}

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

describe('measure: cargo in the user’s target directory', function () {
  this.timeout(300_000);
  let dir: string;
  let app: string;
  let runs: string;

  before(function () {
    if (!hasCargo() || process.platform === 'win32') {
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-measure-cargo-'));
    app = path.join(dir, 'app');
    runs = path.join(dir, 'build-script-runs.txt');
    // A dependency whose build script reruns when RUSTC_BOOTSTRAP changes, as proc-macro2's does.
    write(
      path.join(dir, 'probe', 'Cargo.toml'),
      '[package]\nname = "probe"\nversion = "0.1.0"\nedition = "2021"\n',
    );
    write(
      path.join(dir, 'probe', 'build.rs'),
      `use std::io::Write;
fn main() {
    println!("cargo:rerun-if-env-changed=RUSTC_BOOTSTRAP");
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(${JSON.stringify(runs)}).unwrap();
    writeln!(f, "{:?}", std::env::var("RUSTC_BOOTSTRAP")).unwrap();
}
`,
    );
    write(path.join(dir, 'probe', 'src', 'lib.rs'), 'pub fn one() -> u32 { 1 }\n');
    write(
      path.join(app, 'Cargo.toml'),
      '[package]\nname = "measure-app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nprobe = { path = "../probe" }\n\n[workspace]\n',
    );
    write(
      path.join(app, 'src', 'lib.rs'),
      'async fn pause() {}\npub async fn run() -> u32 { let buf = [0u8; 64]; pause().await; buf[0] as u32 + probe::one() }\n',
    );
  });
  after(() => {
    if (dir) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  /** What each run of the dependency's build script saw of RUSTC_BOOTSTRAP. */
  const buildScriptRuns = () => fs.readFileSync(runs, 'utf8').trim().split('\n');
  const userBuild = () =>
    spawnSync('cargo', ['build'], { cwd: app, encoding: 'utf8', env: { ...process.env } });
  const measure = () =>
    cargoBuild.buildWithTypeSizes({
      crateRoot: app,
      toolchain: 'bootstrap',
      targetArgs: ['--lib'],
      scratchDir: path.join(app, 'target', 'rust-future-size'),
    });

  it('keeps RUSTC_BOOTSTRAP from build scripts, measures an unchanged crate again, and leaves the user’s build fresh', async () => {
    assert.strictEqual(userBuild().status, 0);
    assert.deepStrictEqual(buildScriptRuns(), ['Err(NotPresent)']);

    const first = await measure();
    assert.strictEqual(first.code, 0, first.stderr);
    assert.match(first.printed, /type: `\{async fn body of run\(\)\}`/);
    const afterFirst = buildScriptRuns();
    assert.ok(
      afterFirst.every((seen) => seen === 'Err(NotPresent)'),
      afterFirst.join(', '),
    );

    const unchanged = await measure();
    assert.strictEqual(unchanged.code, 0, unchanged.stderr);
    assert.strictEqual(unchanged.forced, true);
    assert.match(unchanged.printed, /type: `\{async fn body of run\(\)\}`/);

    fs.appendFileSync(path.join(app, 'src', 'lib.rs'), '// edited\n');
    const edited = await measure();
    assert.strictEqual(edited.code, 0, edited.stderr);
    assert.strictEqual(edited.forced, false);
    assert.match(edited.printed, /type: `\{async fn body of run\(\)\}`/);
    // Only the crate: the dependency and its build script are reused.
    assert.doesNotMatch(unchanged.stderr + edited.stderr, /Compiling probe/);
    assert.strictEqual(buildScriptRuns().length, afterFirst.length);

    const after = userBuild();
    assert.strictEqual(after.status, 0);
    assert.doesNotMatch(after.stderr, /Compiling probe/);
    assert.match(after.stderr, /Compiling measure-app/);
    assert.strictEqual(buildScriptRuns().length, afterFirst.length);
  });
});
