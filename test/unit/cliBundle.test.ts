/**
 * The one-file CLI bundle (`server/dist/cli/main.js`, with its pool's `worker.js`): it answers as
 * the compiled tree does, and `bin/rust-future-size.js` runs it only when no `tsc -b` came after.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findUpwards } from '../support/repoPaths';

const repoRoot = findUpwards(__dirname, (dir) =>
  fs.existsSync(path.join(dir, 'bin', 'rust-future-size.js')),
);
if (repoRoot === null) {
  throw new Error(`cannot find bin/rust-future-size.js above ${__dirname}`);
}
const bundle = path.join(repoRoot, 'server', 'dist', 'cli', 'main.js');
const compiled = path.join(repoRoot, 'server', 'out', 'cli', 'main.js');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `main(cliArgs)` of the CLI module `entry`, in a process of its own. */
function runEntry(entry: string, cliArgs: string[]): Run {
  const script =
    `require(${JSON.stringify(entry)}).main(${JSON.stringify(cliArgs)})` +
    '.then((code) => { process.exitCode = code; });';
  const result = spawnSync(process.execPath, ['-e', script], {
    cwd: repoRoot!,
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('CLI bundle', () => {
  let crates: string;

  before(function () {
    if (!fs.existsSync(bundle)) {
      // `npm test` bundles first; a unit run straight after `tsc -b` has no bundle to compare.
      this.skip();
    }
    // Two crates are two jobs: with `--jobs 2` they go to the pool's workers (the bundle's own
    // `worker.js`); the example crate alone is too small to split and runs in the CLI's thread.
    crates = fs.mkdtempSync(path.join(os.tmpdir(), 'rust-future-size-bundle-'));
    for (const name of ['first', 'second']) {
      fs.mkdirSync(path.join(crates, name, 'src'), { recursive: true });
      fs.writeFileSync(
        path.join(crates, name, 'Cargo.toml'),
        `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2021"\n`,
      );
      fs.writeFileSync(
        path.join(crates, name, 'src', 'lib.rs'),
        'async fn tick() {}\n' +
          'pub async fn held() -> usize {\n' +
          '    let buffer = [0u8; 512];\n' +
          '    tick().await;\n' +
          '    buffer.len()\n' +
          '}\n',
      );
    }
  });

  after(() => {
    if (crates) {
      fs.rmSync(crates, { recursive: true, force: true });
    }
  });

  /** The bundle's answer, which must be the compiled tree's; returns its JSON. */
  function sameAnswer(cliArgs: string[]): { futures: unknown[] } {
    const fromBundle = runEntry(bundle, cliArgs);
    const fromCompiled = runEntry(compiled, cliArgs);
    assert.strictEqual(fromBundle.status, fromCompiled.status, fromBundle.stderr);
    assert.strictEqual(fromBundle.stderr, fromCompiled.stderr);
    assert.strictEqual(fromBundle.stdout, fromCompiled.stdout);
    return JSON.parse(fromBundle.stdout) as { futures: unknown[] };
  }

  it("gives the compiled tree's JSON on the example crate", () => {
    const json = sameAnswer(['--format', 'json', '--no-cache', '--jobs', '1', 'examples']);
    assert.ok(json.futures.length > 0);
  });

  it("gives the compiled tree's JSON from its workers (--jobs 2, two crates)", () => {
    const json = sameAnswer(['--format', 'json', '--no-cache', '--jobs', '2', crates]);
    assert.strictEqual(json.futures.length, 4);
  });
});

/** A CLI module that prints which one it is and its arguments. */
function writeStub(file: string, name: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    'exports.main = async (argv) => {\n' +
      `  process.stdout.write(${JSON.stringify(name)} + ' ' + argv.join(' '));\n` +
      '  return 5;\n' +
      '};\n',
  );
}

/** A scratch package layout with a copy of `bin/`; returns the copied launcher's path. */
function copyBin(layout: string): string {
  const bin = path.join(layout, 'bin', 'rust-future-size.js');
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  for (const name of ['rust-future-size.js', 'codeCache.js']) {
    fs.copyFileSync(path.join(repoRoot!, 'bin', name), path.join(path.dirname(bin), name));
  }
  return bin;
}

/**
 * The launcher `bin` run with `--version` and `extra`; its default cache folder is in its layout
 * (the stubs' code caches stay out of the user's).
 */
function runBinWith(bin: string, extra: string[]): Run {
  const env = { ...process.env, XDG_CACHE_HOME: path.join(path.dirname(bin), '..', 'xdg-cache') };
  const result = spawnSync(process.execPath, [bin, '--version', ...extra], {
    encoding: 'utf8',
    env,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('bin/rust-future-size.js', () => {
  let layout: string;
  let bin: string;
  const stubBundle = () => path.join(layout, 'server', 'dist', 'cli', 'main.js');
  const stubCompiled = () => path.join(layout, 'server', 'out', 'cli', 'main.js');
  const buildInfo = () => path.join(layout, 'server', 'tsconfig.tsbuildinfo');

  function setTime(file: string, seconds: number): void {
    fs.utimesSync(file, seconds, seconds);
  }

  const runBin = (...extra: string[]) => runBinWith(bin, extra);

  beforeEach(() => {
    layout = fs.mkdtempSync(path.join(os.tmpdir(), 'rust-future-size-bin-'));
    bin = copyBin(layout);
  });

  afterEach(() => {
    fs.rmSync(layout, { recursive: true, force: true });
  });

  it('runs the bundle when no tsc -b wrote after it, with the exit status main gives', () => {
    writeStub(stubBundle(), 'bundle');
    writeStub(stubCompiled(), 'compiled');
    fs.writeFileSync(buildInfo(), '{}');
    setTime(buildInfo(), 1_000_000);
    setTime(stubBundle(), 2_000_000);
    const run = runBin();
    assert.strictEqual(run.stdout, 'bundle --version');
    assert.strictEqual(run.status, 5);
  });

  it('runs the compiled tree when tsc -b wrote after the bundle', () => {
    writeStub(stubBundle(), 'bundle');
    writeStub(stubCompiled(), 'compiled');
    fs.writeFileSync(buildInfo(), '{}');
    setTime(stubBundle(), 1_000_000);
    setTime(buildInfo(), 2_000_000);
    assert.strictEqual(runBin().stdout, 'compiled --version');
  });

  it('runs the compiled tree when there is no bundle', () => {
    writeStub(stubCompiled(), 'compiled');
    fs.writeFileSync(buildInfo(), '{}');
    assert.strictEqual(runBin().stdout, 'compiled --version');
  });

  it('says how to build when neither is built', () => {
    const run = runBin();
    assert.strictEqual(run.status, 2);
    assert.match(run.stderr, /not built yet; run `npm run build` first/);
  });
});

describe("bin/rust-future-size.js: the bundle's code cache", () => {
  let layout: string;
  let bin: string;
  const stubBundle = () => path.join(layout, 'server', 'dist', 'cli', 'main.js');
  const runBin = (...extra: string[]) => runBinWith(bin, extra);
  const cacheFolder = () => path.join(layout, 'cache');
  const cacheFiles = () => {
    const folder = path.join(cacheFolder(), 'code-cache');
    return fs.existsSync(folder) ? fs.readdirSync(folder).sort() : [];
  };

  beforeEach(() => {
    layout = fs.mkdtempSync(path.join(os.tmpdir(), 'rust-future-size-bin-'));
    bin = copyBin(layout);
    writeStub(stubBundle(), 'bundle');
  });

  afterEach(() => {
    fs.rmSync(layout, { recursive: true, force: true });
  });

  it('is written after a run and read by the next, which answers the same', () => {
    const first = runBin('--cache-dir', cacheFolder());
    assert.strictEqual(first.stdout, `bundle --version --cache-dir ${cacheFolder()}`);
    assert.strictEqual(first.status, 5);
    const written = cacheFiles();
    assert.strictEqual(written.length, 1);
    assert.match(written[0], /^main-[0-9a-f]{12}-[0-9a-f]{24}\.bin$/);
    const file = path.join(cacheFolder(), 'code-cache', written[0]);
    const bytes = fs.readFileSync(file);
    assert.ok(bytes.length > 0);
    // Accepted: not written again.
    fs.utimesSync(file, 1_000_000, 1_000_000);
    const second = runBin('--cache-dir', cacheFolder());
    assert.strictEqual(second.stdout, first.stdout);
    assert.strictEqual(second.status, 5);
    assert.strictEqual(fs.statSync(file).mtimeMs, 1_000_000_000);
  });

  it('replaces a corrupt cache file and runs as without one', () => {
    runBin('--cache-dir', cacheFolder());
    const [name] = cacheFiles();
    const file = path.join(cacheFolder(), 'code-cache', name);
    fs.writeFileSync(file, 'not a code cache');
    const run = runBin('--cache-dir', cacheFolder());
    assert.strictEqual(run.status, 5);
    assert.strictEqual(run.stderr, '');
    assert.notStrictEqual(fs.readFileSync(file, 'utf8'), 'not a code cache');
  });

  it("drops an older build's cache when the bundle changes", () => {
    runBin('--cache-dir', cacheFolder());
    const [before] = cacheFiles();
    writeStub(stubBundle(), 'bundle, rebuilt');
    const run = runBin('--cache-dir', cacheFolder());
    assert.strictEqual(run.stdout, `bundle, rebuilt --version --cache-dir ${cacheFolder()}`);
    const after = cacheFiles();
    assert.strictEqual(after.length, 1);
    assert.notStrictEqual(after[0], before);
  });

  it("keeps another install's cache in the same folder", () => {
    runBin('--cache-dir', cacheFolder());
    const [first] = cacheFiles();
    const other = path.join(layout, 'other');
    const otherBin = copyBin(other);
    writeStub(path.join(other, 'server', 'dist', 'cli', 'main.js'), 'other');
    assert.strictEqual(runBinWith(otherBin, ['--cache-dir', cacheFolder()]).status, 5);
    const both = cacheFiles();
    assert.strictEqual(both.length, 2);
    assert.ok(both.includes(first));
  });

  it('is kept in the default cache folder without --cache-dir', () => {
    assert.strictEqual(runBin().status, 5);
    const folder = path.join(layout, 'xdg-cache', 'rust-future-size', 'code-cache');
    assert.strictEqual(fs.readdirSync(folder).length, 1);
  });

  it('keeps nothing with --no-cache, nor when the folder cannot be made', () => {
    assert.strictEqual(runBin('--no-cache', '--cache-dir', cacheFolder()).status, 5);
    assert.deepStrictEqual(cacheFiles(), []);
    fs.writeFileSync(cacheFolder(), 'a file where the folder would be');
    const run = runBin('--cache-dir', cacheFolder());
    assert.strictEqual(run.status, 5);
    assert.strictEqual(run.stderr, '');
  });
});
