/**
 * `fix` never writes over a change it did not see: a concurrent writer that hits the file at any
 * moment of the write keeps its text, and the file is reported as not written (exit code 2).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';
import { loadServerModule } from '../support/repoPaths';

const writer =
  loadServerModule<typeof import('../../server/src/cli/compareAndWrite')>('cli/compareAndWrite');

const ORIGINAL = 'fn a() {}\n';
const FIXED = 'fn a() { /* fixed */ }\n';
const THEIRS = 'fn a() { /* typed by the user meanwhile */ }\n';

describe('fix: compare and write', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-compare-write-'));
    file = path.join(dir, 'lib.rs');
    fs.writeFileSync(file, ORIGINAL);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const leftovers = () => fs.readdirSync(dir).filter((f) => f !== 'lib.rs');

  it('writes when nobody else did, and leaves no temporary file', async () => {
    assert.strictEqual(await writer.compareAndWrite(file, ORIGINAL, FIXED, false), null);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), FIXED);
    assert.deepStrictEqual(leftovers(), []);
  });

  it('refuses a file that no longer holds the text it fixed', async () => {
    fs.writeFileSync(file, THEIRS);
    const why = await writer.compareAndWrite(file, ORIGINAL, FIXED, false);
    assert.strictEqual(why, writer.CHANGED_MEANWHILE);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), THEIRS);
  });

  it('refuses a write that lands after the comparison (same length, in place)', async () => {
    const sameLength = ORIGINAL.replace('a', 'b');
    const why = await writer.compareAndWrite(file, ORIGINAL, FIXED, false, {
      beforeLastLook: () => fs.writeFileSync(file, sameLength),
    });
    assert.strictEqual(why, writer.CHANGED_MEANWHILE);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), sameLength);
    assert.deepStrictEqual(leftovers(), []);
  });

  it('refuses a file replaced by another one (an editor saving by rename) after the comparison', async () => {
    const why = await writer.compareAndWrite(file, ORIGINAL, FIXED, false, {
      beforeLastLook: () => {
        fs.writeFileSync(`${file}.new`, ORIGINAL);
        fs.renameSync(`${file}.new`, file);
      },
    });
    assert.strictEqual(why, writer.CHANGED_MEANWHILE);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), ORIGINAL);
  });

  it('puts back a write that lands between the last look and the rename', async () => {
    const why = await writer.compareAndWrite(file, ORIGINAL, FIXED, false, {
      beforeRename: () => fs.writeFileSync(file, THEIRS),
    });
    assert.match(why ?? '', /the file keeps that write/);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), THEIRS);
    assert.deepStrictEqual(leftovers(), []);
  });

  it('never loses the text of a writer that keeps rewriting the file meanwhile', async function () {
    this.timeout(60_000);
    // Another process rewrites the file in place as fast as it can, each time with a new number;
    // the last text it wrote is what the file must hold in the end, and every fix written must
    // have replaced exactly the text it compared.
    const script = `
      const fs = require('fs');
      const file = process.argv[1];
      const end = Date.now() + 1500;
      let n = 0;
      while (Date.now() < end) {
        fs.writeFileSync(file, 'fn a() {}\\n// ' + ++n + '\\n');
      }
      // A write into a file that a rename replaced after the writer opened it lands in the old,
      // unlinked inode, where no process can see it (an editor saving in place shares that limit):
      // the writer's last text is confirmed, as a careful writer would, and written again if lost.
      let text = 'fn a() {}\\n// ' + n + '\\n';
      while (!fs.readFileSync(file, 'utf8').startsWith(text)) {
        text = 'fn a() {}\\n// ' + ++n + '\\n';
        fs.writeFileSync(file, text);
      }
      fs.writeFileSync(file + '.last', String(n));
    `;
    const child = spawn(process.execPath, ['-e', script, file], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let written = 0;
    let refused = 0;
    while (child.exitCode === null) {
      const before = fs.readFileSync(file, 'utf8');
      const why = await writer.compareAndWrite(file, before, `${before}// fixed\n`, false);
      if (why === null) {
        written++;
      } else {
        refused++;
      }
    }
    await exited;
    const last = fs.readFileSync(`${file}.last`, 'utf8');
    const now = fs.readFileSync(file, 'utf8');
    // The writer's last text, fixed as many times as fixes ran after the writer's last write.
    assert.ok(
      /^(\/\/ fixed\n)*$/.test(now.replace(`fn a() {}\n// ${last}\n`, '')) &&
        now.startsWith(`fn a() {}\n// ${last}\n`),
      `${JSON.stringify(now)} after the writer's write ${last} (${written} written, ${refused} refused)`,
    );
    assert.ok(refused > 0, `${written} written, none refused`);
  });
});
