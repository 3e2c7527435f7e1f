/**
 * Measure Exact Sizes with a scripted toolchain on the PATH (rustup, rustc and cargo as shell
 * scripts), so it does not depend on what is installed: rustup lists a nightly that cannot build a
 * dependency (an old proc-macro2's `error[E0635]`), and the measurement falls back to stable with
 * RUSTC_BOOTSTRAP=1, says so, and its hints, tooltip and layout document use rustc's sizes.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { MeasureExactSizesResult } from '../../server/src/protocol';
import { futureHintObjects, futureHints, TempCrate } from './support/crates';
import { LspSession, repoRoot, until } from './support/lspSession';

const MEASURE = 'rustFutureSize.measureExactSizes';

/** A crate whose future only rustc can size (`test/support/measuredRun.ts` checks the recording). */
const MEASURED = path.join(repoRoot, 'test', 'fixtures', 'measure', 'net-run');
const SOURCE = fs.readFileSync(path.join(MEASURED, 'lib.rs'), 'utf8');
/** What rustc prints for SOURCE's future, with net's types of 4 and 16 bytes. */
const PRINTED = fs.readFileSync(path.join(MEASURED, 'printed.txt'), 'utf8').trimEnd();

/**
 * cargo as this machine's would behave: `+nightly` fails in proc-macro2; the stable one takes
 * `-Zprint-type-sizes` only through a RUSTC_WORKSPACE_WRAPPER that sets RUSTC_BOOTSTRAP=1 for
 * rustc, and fails if RUSTC_BOOTSTRAP reaches cargo itself (the dependencies' build scripts).
 */
function fakeToolchain(dir: string, printed: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'printed.txt'), printed + '\n');
  const script = (name: string, body: string) =>
    fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  script(
    'rustup',
    'echo "stable-x86_64-unknown-linux-gnu (active, default)"; echo "nightly-x86_64-unknown-linux-gnu"',
  );
  script(
    'rustc',
    [
      'if [ "$1" = "+nightly" ]; then echo "rustc 1.97.0-nightly (e50aa6fba 2026-05-19)"; exit 0; fi',
      'echo "rustc 1.95.0 (59807616e 2026-04-14)"',
    ].join('\n'),
  );
  script(
    'cargo',
    [
      `echo "$*|RUSTC_BOOTSTRAP=$RUSTC_BOOTSTRAP|CARGO_INCREMENTAL=$CARGO_INCREMENTAL" >> "${dir}/calls.log"`,
      'if [ "$1" = "+nightly" ]; then',
      '  echo "   Compiling proc-macro2 v1.0.47" >&2',
      '  echo "error[E0635]: unknown feature \\`proc_macro_span_shrink\\`" >&2',
      '  echo "  --> /usr/share/cargo/registry/proc-macro2-1.0.47/src/lib.rs:92:30" >&2',
      '  echo "error: could not compile \\`proc-macro2\\` (lib) due to 1 previous error" >&2',
      '  exit 101',
      'fi',
      'if [ -n "$RUSTC_BOOTSTRAP" ]; then echo "error: RUSTC_BOOTSTRAP reached the build scripts" >&2; exit 101; fi',
      'if [ -z "$RUSTC_WORKSPACE_WRAPPER" ] || ! "$RUSTC_WORKSPACE_WRAPPER" sh -c \'[ "$RUSTC_BOOTSTRAP" = 1 ]\'; then',
      '  echo "error: the option \\`Z\\` is only accepted on the nightly compiler" >&2',
      '  exit 101',
      'fi',
      `cat "${dir}/printed.txt"`,
      'echo "    Finished \\`dev\\` profile [unoptimized + debuginfo] target(s) in 0.50s" >&2',
    ].join('\n'),
  );
}

describe('calibration: toolchain fallback (scripted cargo)', function () {
  this.timeout(60_000);
  let crate: TempCrate;
  let lsp: LspSession;
  let bin: string;

  before(function () {
    if (process.platform === 'win32') {
      this.skip();
    }
  });
  beforeEach(() => {
    crate = new TempCrate(null, {
      'Cargo.toml': '[package]\nname = "fallback-demo"\nversion = "0.1.0"\nedition = "2021"\n',
      'src/lib.rs': SOURCE,
    });
    bin = path.join(path.dirname(crate.root), 'bin');
    fakeToolchain(bin, PRINTED);
  });
  afterEach(async () => {
    await lsp?.dispose();
    crate.dispose();
  });

  async function start(allowRustcBootstrap: boolean): Promise<string> {
    lsp = new LspSession({ PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` });
    lsp.settings = { calibration: { allowRustcBootstrap } };
    await lsp.initialize(undefined, undefined, crate.root);
    return crate.open(lsp, 'src/lib.rs');
  }

  it('falls back from a nightly that cannot build a dependency to stable with RUSTC_BOOTSTRAP=1, and names it', async () => {
    const lib = await start(true);
    const result = await lsp.executeCommand<MeasureExactSizesResult>(
      MEASURE,
      [{ uri: lib }],
      'measure-fallback',
    );
    assert.ok(result.ok, JSON.stringify(result));
    assert.strictEqual(result.rustc, 'rustc 1.95.0 (59807616e 2026-04-14) with RUSTC_BOOTSTRAP=1');
    const calls = fs.readFileSync(path.join(bin, 'calls.log'), 'utf8').trim().split('\n');
    assert.strictEqual(calls.length, 2, calls.join('\n'));
    assert.match(calls[0], /^\+nightly rustc --lib /);
    assert.match(
      calls[1],
      /^rustc --lib .*-- -Zprint-type-sizes\|RUSTC_BOOTSTRAP=\|CARGO_INCREMENTAL=0$/,
    );
    // In the crate's own target directory, where the user's dependency builds are.
    assert.ok(
      calls.every((call) => !/--target-dir/.test(call)),
      calls.join('\n'),
    );

    const steps = lsp.progress
      .filter((p) => p.token === 'measure-fallback')
      .map((p) => p.value.message ?? '');
    assert.ok(
      steps.some((s) =>
        /rustc 1\.97\.0-nightly .* could not build it \(error\[E0635\]: unknown feature `proc_macro_span_shrink` .*\); trying the default toolchain with RUSTC_BOOTSTRAP=1/.test(
          s,
        ),
      ),
      JSON.stringify(steps),
    );
    assert.ok(
      steps.some((s) =>
        /building fallback-demo with rustc 1\.95\.0 .* with RUSTC_BOOTSTRAP=1/.test(s),
      ),
      JSON.stringify(steps),
    );
    assert.ok(
      lsp.logs.some((l) =>
        /futures measured with rustc 1\.95\.0 .* with RUSTC_BOOTSTRAP=1/.test(l),
      ),
      lsp.logs.join('\n'),
    );

    // The hint, its tooltip and the layout document: rustc's numbers, and which rustc.
    // The crate is analysed again with the measurement in the background; the hints follow it.
    await until('the measured hint', async () =>
      (await futureHints(lsp, lib)).run === 'future 56 B (measured)' ? true : undefined,
    );
    const tooltip = await lsp.tooltipOf((await futureHintObjects(lsp, lib)).run);
    assert.match(tooltip, /with RUSTC_BOOTSTRAP=1/);
    assert.match(tooltip, /listener\W+16\sB/);
    assert.doesNotMatch(tooltip, /listener\W+\?\sB/);
    const layout = await lsp.connection.sendRequest<{ text: string } | null>(
      'rustFutureSize/futureLayout',
      { textDocument: { uri: lib }, position: { line: 5, character: 8 } },
    );
    assert.ok(layout);
    assert.match(layout.text, /offset +0 {2}size +16 {2}local +listener/);
    assert.strictEqual([...layout.text.matchAll(/^ {2}total 56$/gm)].length, 5, layout.text);

    // The next run starts with the toolchain that worked.
    const again = await lsp.executeCommand<MeasureExactSizesResult>(MEASURE, [{ uri: lib }]);
    assert.ok(again.ok, JSON.stringify(again));
    const after = fs.readFileSync(path.join(bin, 'calls.log'), 'utf8').trim().split('\n');
    assert.strictEqual(after.length, 3, after.join('\n'));
    assert.match(after[2], /^rustc --lib /);
  });

  it('without permission for RUSTC_BOOTSTRAP, reports the nightly’s error and does not fall back', async () => {
    const lib = await start(false);
    const result = await lsp.executeCommand<MeasureExactSizesResult>(MEASURE, [{ uri: lib }]);
    assert.strictEqual(result.ok, false);
    assert.match(
      result.ok ? '' : result.error,
      /^error\[E0635\]: unknown feature `proc_macro_span_shrink` \(.*proc-macro2-1\.0\.47\/src\/lib\.rs:92:30\)$/,
    );
    const calls = fs.readFileSync(path.join(bin, 'calls.log'), 'utf8').trim().split('\n');
    assert.strictEqual(calls.length, 1, calls.join('\n'));
  });
});
