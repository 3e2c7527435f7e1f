/**
 * The Move fix's block ends with the returned binding's initializer, not `let x = init; x`
 * (clippy's `let_and_return`), keeps `mut` where the code after the block needs it, and keeps the
 * `let` where a temporary of the tail would outlive a local of the block. With clippy on the
 * machine, every golden `*.fixed.rs` is linted too.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Fix } from '../../server/src/analysis/fixes/fixTypes';
import { defaultFixtureSets, goldenPath } from '../support/fixAccuracy';
import { loadServerModule } from '../support/repoPaths';

const engine =
  loadServerModule<typeof import('../../server/src/analysis/engine')>('analysis/engine');
const fixes =
  loadServerModule<typeof import('../../server/src/analysis/fixes/fixes')>('analysis/fixes/fixes');
const apply = loadServerModule<typeof import('../../server/src/analysis/fixes/applyEdits')>(
  'analysis/fixes/applyEdits',
);

const PRELUDE = `use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
pub struct Yield(bool);
impl Future for Yield {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.0 { Poll::Ready(()) } else { self.0 = true; Poll::Pending }
    }
}
pub async fn pause() { Yield(false).await }
pub fn use_ref<T>(_: &T) {}
pub fn encode(data: &[u8]) -> Vec<u8> { data.to_vec() }
`;

/** The text after the Move fix of `name`, from the fn's signature to its closing brace. */
function moved(body: string, name: string): string {
  const text = `${PRELUDE}\npub async fn f(seed: u8) -> usize {\n${body}}\n`;
  const report = engine.analyzeSource(text, { file: 'lib.rs', edition: '2021' });
  const list: Fix[] = fixes.computeFixes(text, report, { file: 'lib.rs', edition: '2021' });
  const fix = list.find((f) => f.kind === 'wrap-in-block' && f.target.name === name);
  assert.ok(fix, `no Move for ${name}: ${list.map((f) => f.id).join(', ')}`);
  const result = apply.applyFix(text, fix);
  assert.ok(result.ok);
  return result.text.slice(result.text.indexOf('pub async fn f('));
}

describe('Move: the block ends with the initializer', () => {
  before(() => engine.initAnalysis());

  it('ends with `init`, not `let payload = init; payload`; `mut` outside when mutated', () => {
    const out = moved(
      `    let mut buf = [seed; 1024];
    buf[0] = 1;
    let mut payload = encode(&buf[..16]);
    pause().await;
    payload.push(seed);
    payload.len()
`,
      'buf',
    );
    assert.strictEqual(
      out,
      `pub async fn f(seed: u8) -> usize {
    let mut payload = {
        let mut buf = [seed; 1024];
        buf[0] = 1;
        encode(&buf[..16])
    };
    pause().await;
    payload.push(seed);
    payload.len()
}
`,
    );
  });

  it('drops `mut` where the code after never mutates it, and keeps the type annotation', () => {
    const out = moved(
      `    let mut buf = [seed; 1024];
    buf[1] = 2;
    let mut payload: Vec<u8> = encode(&buf[..8]); // eight bytes
    pause().await;
    payload.len()
`,
      'buf',
    );
    assert.match(out, /^ {4}let payload: Vec<u8> = \{$/m);
    assert.match(out, /^ {8}encode\(&buf\[\.\.8\]\) \/\/ eight bytes\n {4}\};$/m);
  });

  it('keeps the `let` where a temporary of the tail would borrow a local of the block', () => {
    const out = moved(
      `    let mut scratch = [seed; 768];
    scratch[0] = 0;
    let cell = std::cell::RefCell::new(Vec::from(&scratch[..4]));
    let len = cell.borrow().len();
    pause().await;
    len
`,
      'scratch',
    );
    assert.match(out, /^ {8}let len = cell\.borrow\(\)\.len\(\);\n {8}len\n {4}\};$/m);
  });

  it('keeps the `let` when a comment sits inside it, so no text is lost', () => {
    const out = moved(
      `    let mut buf = [seed; 1024];
    use_ref(&buf);
    let n = /* the first byte */ buf[0] as usize;
    pause().await;
    n
`,
      'buf',
    );
    assert.match(out, /let n = \/\* the first byte \*\/ buf\[0\] as usize;\n {8}n\n/);
  });
});

/** clippy-driver from `$CLIPPY_DRIVER` or the PATH, or null. */
function clippyDriver(): string | null {
  const candidate = process.env.CLIPPY_DRIVER || 'clippy-driver';
  const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? candidate : null;
}

/** How many `let_and_return` warnings clippy gives for `text`. */
function letAndReturnCount(driver: string, text: string, dir: string): number {
  const file = path.join(dir, 'lib.rs');
  fs.writeFileSync(file, text);
  const result = spawnSync(
    driver,
    [
      ...['--edition', '2021', '--crate-type', 'lib', '--crate-name', 'fixture'],
      ...['--emit=metadata', '-o', path.join(dir, 'lib.rmeta')],
      ...['-A', 'clippy::all', '-W', 'clippy::let_and_return'],
      file,
    ],
    { encoding: 'utf8', env: { ...process.env, RUSTC_BOOTSTRAP: '1' } },
  );
  assert.strictEqual(result.status, 0, result.stderr);
  return (result.stderr.match(/#let_and_return\b/g) ?? []).length;
}

describe('Move: clippy on the golden fixed files', function () {
  this.timeout(600_000);
  let dir = '';
  before(function () {
    if (clippyDriver() === null) {
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfs-clippy-'));
  });
  after(() => {
    if (dir) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('adds no `let_and_return` to any fixture', () => {
    const driver = clippyDriver()!;
    const problems: string[] = [];
    let linted = 0;
    for (const set of defaultFixtureSets()) {
      for (const file of set.files) {
        const golden = goldenPath(set.name, file);
        const original = fs.readFileSync(file, 'utf8');
        const fixed = fs.existsSync(golden) ? fs.readFileSync(golden, 'utf8') : original;
        if (fixed === original || !/\blet\b[^;]*=\s*\{$/m.test(fixed)) {
          continue;
        }
        linted++;
        const before = letAndReturnCount(driver, original, dir);
        const after = letAndReturnCount(driver, fixed, dir);
        if (after > before) {
          problems.push(`${path.basename(golden)}: ${after - before} new let_and_return`);
        }
      }
    }
    assert.ok(linted >= 10, `only ${linted} fixed files with a Move block`);
    assert.deepStrictEqual(problems, []);
  });
});
