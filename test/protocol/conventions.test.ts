/**
 * The ecosystem's conventions: clippy.toml's `future-size-threshold`, `#[allow(clippy::large_futures)]`,
 * and `// rust-future-size: allow(CODE)` with its quick fix.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Diagnostic } from 'vscode-languageserver-protocol/node';
import { TempCrate } from './support/crates';
import { applyEdits, editsOf, fixture, LspSession, until } from './support/lspSession';

/** `code name` for each diagnostic, `name` being the fn the range is in (or on). */
function summary(text: string, diagnostics: Diagnostic[]): string[] {
  const lines = text.split('\n');
  return diagnostics.map((d) => {
    let fn = '?';
    for (let line = d.range.start.line; line >= 0; line--) {
      const m = /async fn (\w+)/.exec(lines[line]);
      if (m) {
        fn = m[1];
        break;
      }
    }
    return `${d.code} ${fn}`;
  });
}

const BIG_CRATE = {
  'Cargo.toml': '[package]\nname = "thresholds"\nversion = "0.1.0"\nedition = "2021"\n',
  'src/lib.rs':
    'async fn tick() {}\n\npub async fn big() -> usize {\n    let buffer = [0u8; 1500];\n    tick().await;\n    buffer.len()\n}\n',
};

let lsp: LspSession;

describe('conventions: clippy.toml', () => {
  afterEach(() => lsp.dispose());

  let crate: TempCrate;
  beforeEach(async () => {
    crate = new TempCrate(null, BIG_CRATE);
    lsp = new LspSession();
    // The workspace folder is the crate's parent, where a .clippy.toml may be too.
    await lsp.initialize(undefined, undefined, path.dirname(crate.root));
  });
  afterEach(() => crate.dispose());

  it('gives the default largeFutureThreshold, from the crate up to the workspace folder; a set threshold wins', async () => {
    crate.write('clippy.toml', 'future-size-threshold = 1000\ntoo-many-arguments-threshold = 9\n');
    const lib = await crate.open(lsp, 'src/lib.rs');
    const reported = await lsp.waitForDiagnostics(lib, (d) =>
      d.some((x) => x.code === 'large-future'),
    );
    assert.deepStrictEqual(summary(lsp.text(lib), reported), [
      'large-value-held-across-await big',
      'large-future big',
    ]);
    assert.match(reported[1].message, /^large future with a size of 1502 bytes/);

    // clippy.toml goes; a .clippy.toml in the workspace folder above says 2000.
    fs.rmSync(crate.path('clippy.toml'));
    fs.writeFileSync(
      path.join(path.dirname(crate.root), '.clippy.toml'),
      'future-size-threshold = 2000\n',
    );
    await lsp.filesChanged([
      { uri: crate.uri('clippy.toml'), type: 3 },
      { uri: crate.uri('../.clippy.toml'), type: 1 },
    ]);
    const quiet = await lsp.waitForDiagnostics(
      lib,
      (d) => !d.some((x) => x.code === 'large-future'),
    );
    assert.deepStrictEqual(summary(lsp.text(lib), quiet), ['large-value-held-across-await big']);

    fs.writeFileSync(
      path.join(path.dirname(crate.root), '.clippy.toml'),
      'future-size-threshold = 100\n',
    );
    await lsp.filesChanged([{ uri: crate.uri('../.clippy.toml'), type: 2 }]);
    await lsp.waitForDiagnostics(lib, (d) => d.some((x) => x.code === 'large-future'));

    // The setting, when the client sends it, wins over clippy.toml.
    await lsp.configurationChanged({ largeFutureThreshold: 16384 });
    await lsp.waitForDiagnostics(lib, (d) => !d.some((x) => x.code === 'large-future'));
  });

  it('warns about a clippy.toml that does not parse, and keeps the default', async () => {
    crate.write('clippy.toml', 'future-size-threshold = = 10\n');
    const lib = await crate.open(lsp, 'src/lib.rs');
    const diagnostics = await lsp.waitForDiagnostics(lib);
    assert.deepStrictEqual(summary(lsp.text(lib), diagnostics), [
      'large-value-held-across-await big',
    ]);
    await until('the warning', () => (lsp.messages.length ? true : undefined));
    assert.match(
      lsp.messages[0].message,
      /clippy\.toml: does not parse .* its future-size-threshold is ignored/,
    );
  });
});

describe('conventions: allow attributes and comments', () => {
  afterEach(() => lsp.dispose());

  beforeEach(async () => {
    lsp = new LspSession();
    await lsp.initialize();
  });

  it('#[allow(clippy::large_futures)] (or expect, or clippy::pedantic) silences large-future, the nearest attribute winning; allow comments silence their codes', async () => {
    const f = fixture('allow.rs');
    await lsp.open(f.uri, f.text);
    const diagnostics = await lsp.waitForDiagnostics(f.uri);
    assert.deepStrictEqual(summary(f.text, diagnostics), [
      'large-value-held-across-await allowed',
      'large-value-held-across-await reported',
      'large-future reported',
      'large-value-held-across-await inner',
      'large-value-held-across-await loud',
      'large-future loud',
      'large-value-held-across-await call',
    ]);
  });

  it('follows #![allow] in the crate root and #[warn] on a `mod` declaration into other files', async () => {
    const crate = new TempCrate(null, {
      'Cargo.toml': '[package]\nname = "attrs"\nversion = "0.1.0"\nedition = "2021"\n',
      'src/lib.rs':
        '#![allow(clippy::large_futures)]\npub mod quiet;\n#[warn(clippy::large_futures)]\npub mod loud;\npub async fn tick() {}\n',
      'src/quiet.rs':
        'pub async fn q() -> usize {\n    let buffer = [0u8; 20000];\n    crate::tick().await;\n    buffer.len()\n}\n',
      'src/loud.rs':
        'pub async fn l() -> usize {\n    let buffer = [0u8; 20000];\n    crate::tick().await;\n    buffer.len()\n}\n',
    });
    try {
      const quiet = await crate.open(lsp, 'src/quiet.rs');
      const loud = await crate.open(lsp, 'src/loud.rs');
      // Once the crate's module tree is known.
      await until(
        'the crate index',
        () => (lsp.logs.some((l) => /\[crate\] indexed attrs/.test(l)) ? true : undefined),
        15_000,
      );
      await lsp.waitForDiagnostics(quiet, (d) => d.length === 1);
      assert.deepStrictEqual(summary(lsp.text(quiet), lsp.diagnostics.get(quiet)!.diagnostics), [
        'large-value-held-across-await q',
      ]);
      const loudDiagnostics = await lsp.waitForDiagnostics(loud, (d) => d.length === 2);
      assert.deepStrictEqual(summary(lsp.text(loud), loudDiagnostics), [
        'large-value-held-across-await l',
        'large-future l',
      ]);
    } finally {
      crate.dispose();
    }
  });

  it('offers "Allow `CODE` here", not preferred, which inserts the comment with the line\'s indentation or extends one', async () => {
    const f = fixture('allow.rs');
    const uri = f.uri.replace('allow.rs', 'allow-fix.rs');
    await lsp.open(uri, f.text);
    const diagnostics = await lsp.waitForDiagnostics(uri);
    const inner = diagnostics.find(
      (d) =>
        d.code === 'large-value-held-across-await' &&
        f.text.split('\n')[d.range.start.line].startsWith('        let buffer'),
    )!;
    const actions = (await lsp.codeActions(uri, inner.range, [inner], ['quickfix'])) ?? [];
    const allow = actions.find((a) => a.title === 'Allow `large-value-held-across-await` here')!;
    assert.ok(allow, JSON.stringify(actions.map((a) => a.title)));
    assert.strictEqual(allow.isPreferred, undefined);
    assert.strictEqual(actions[actions.length - 1], allow, 'offered last');
    assert.deepStrictEqual(allow.diagnostics, [inner]);
    const edits = editsOf(allow, uri);
    const fixed = applyEdits(f.text, edits);
    assert.ok(
      fixed.includes(
        '    pub async fn inner() -> usize {\n        // rust-future-size: allow(large-value-held-across-await)\n        let buffer = [0u8; 20000];\n',
      ),
      fixed,
    );
    await lsp.change(
      uri,
      edits.map((e) => ({ range: e.range, text: e.newText })),
    );
    const after = await lsp.waitForDiagnostics(uri, (d) => d.length === diagnostics.length - 1);
    assert.ok(!summary(lsp.text(uri), after).includes('large-value-held-across-await inner'));

    // `commented` has an allow comment above its fn already: the code joins it, and the future's value goes.
    const text = lsp
      .text(uri)
      .replace(
        'allow(large-future, guard-held-across-await)',
        'allow(guard-held-across-await) -- no lock here',
      );
    const start = { line: 0, character: 0 };
    const end = { line: lsp.text(uri).split('\n').length, character: 0 };
    await lsp.change(uri, [{ range: { start, end }, text }]);
    const withFuture = await lsp.waitForDiagnostics(uri, (d) =>
      summary(text, d).includes('large-future commented'),
    );
    const future = withFuture.find((d) => summary(text, [d])[0] === 'large-future commented')!;
    const [extend] = (
      (await lsp.codeActions(uri, future.range, [future], ['quickfix'])) ?? []
    ).filter((a) => a.title === 'Allow `large-future` here');
    const extended = applyEdits(text, editsOf(extend, uri));
    assert.ok(
      extended.includes(
        '\n// rust-future-size: allow(guard-held-across-await, large-future) -- no lock here\npub async fn commented()',
      ),
      extended,
    );
  });
});
