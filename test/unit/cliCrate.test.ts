/**
 * The CLI on a whole crate: the crate index (cross-file sizes), `calibrate` and `--calibration`.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadServerModule } from '../support/repoPaths';
import { requireRustc } from '../support/rustcCorpus';

const rustcOut =
  loadServerModule<typeof import('../../server/src/measure/printTypeSizes')>(
    'measure/printTypeSizes',
  );
import * as runner from '../support/runRustc';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const cli = path.join(repoRoot, 'bin', 'rust-future-size.js');

interface JsonOut {
  futures: { name: string; size: number | null; exact: boolean; measured?: true }[];
}

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('CLI on a crate', function () {
  this.timeout(180_000);
  let rustcSizes: Map<string, number>;

  before(async () => {
    requireRustc();
    const result = await runner.runPrintTypeSizesAsync('src/lib.rs', '2021', {
      cwd: path.join(repoRoot, 'examples'),
    });
    assert.ok(result.ok, result.ok ? '' : result.error);
    rustcSizes = new Map(
      rustcOut
        .futuresFromTypes(rustcOut.parsePrintTypeSizes(result.stdout))
        .map((f) => [f.name, f.size]),
    );
  });

  it('sizes every future of the example crate as rustc does, awaits across files included', () => {
    const out = run(['--format', 'json', 'examples/']);
    assert.strictEqual(out.status, 0, out.stderr);
    const futures = (JSON.parse(out.stdout) as JsonOut).futures;
    assert.ok(futures.length >= 10);
    for (const f of futures) {
      assert.strictEqual(f.exact, true, `${f.name} is a lower bound`);
      assert.strictEqual(f.size, rustcSizes.get(f.name), f.name);
    }
  });

  it('with --single-file, awaits of other files are lower bounds', () => {
    const out = run(['--format', 'json', '--single-file', 'examples/src/copy.rs']);
    const copy = (JSON.parse(out.stdout) as JsonOut).futures.find((f) => f.name === 'copy');
    assert.strictEqual(copy?.exact, false);
  });

  it("calibrate stores rustc's sizes; --calibration reports them as measured", () => {
    const target = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-cli-calibrate-'));
    try {
      const cal = run(['calibrate', '--rustc-bootstrap', '--target-dir', target, 'examples']);
      assert.strictEqual(cal.status, 0, cal.stderr);
      assert.match(cal.stdout, /^measured (\d+) of \1 futures with rustc .*; wrote /);
      const file = path.join(target, 'calibration.json');
      const out = run(['--format', 'json', '--calibration', file, 'examples/']);
      const futures = (JSON.parse(out.stdout) as JsonOut).futures;
      assert.deepStrictEqual(
        futures.filter((f) => !f.measured).map((f) => f.name),
        [],
      );
      const text = run(['--calibration', file, 'examples/src/copy.rs']);
      assert.match(text.stdout, /future is \d+ bytes \(align 8, measured by rustc\)/);
    } finally {
      fs.rmSync(target, { recursive: true, force: true });
    }
  });

  it('calibrate outside a crate is a clear usage error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-no-crate-'));
    try {
      const out = run(['calibrate', dir]);
      assert.strictEqual(out.status, 2);
      assert.match(out.stderr, /^rust-future-size: error: .*not inside a Cargo package/);
      assert.doesNotMatch(out.stderr, /\n\s+at /);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
