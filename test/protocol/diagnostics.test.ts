import * as assert from 'assert';
import { Diagnostic, DiagnosticSeverity } from 'vscode-languageserver-protocol/node';
import { fixture, LspSession, positionOf } from './support/lspSession';

function byCode(diagnostics: Diagnostic[], code: string): Diagnostic[] {
  return diagnostics.filter((d) => d.code === code);
}

describe('diagnostics', () => {
  let lsp: LspSession;
  before(async () => {
    lsp = new LspSession();
    await lsp.initialize();
  });
  after(() => lsp.dispose());

  it('reports a std MutexGuard held across an await, on the binding, with the await as related information', async () => {
    const f = fixture('guard.rs');
    await lsp.open(f.uri, f.text);
    const diagnostics = await lsp.waitForDiagnostics(f.uri);
    const guards = byCode(diagnostics, 'guard-held-across-await');
    assert.strictEqual(guards.length, 1, JSON.stringify(diagnostics));
    const [d] = guards;
    const binding = positionOf(f.text, 'guard = stats.lock().unwrap()');
    assert.deepStrictEqual(d.range, {
      start: binding,
      end: { line: binding.line, character: binding.character + 'guard'.length },
    });
    assert.strictEqual(d.severity, DiagnosticSeverity.Warning);
    assert.strictEqual(d.source, 'rust-future-size');
    assert.match(d.message, /^this `MutexGuard` is held across an await point\n/);
    assert.ok(
      d.codeDescription?.href.endsWith('README.md#guard-held-across-await'),
      d.codeDescription?.href,
    );
    const awaitPos = positionOf(f.text, 'await;', 0, 1);
    assert.deepStrictEqual(
      d.relatedInformation?.map((r) => [r.location.uri, r.location.range.start, r.message]),
      [[f.uri, awaitPos, 'await point where `guard` is still held']],
    );
    // The scoped version and tokio's async guard are fine.
    assert.strictEqual(diagnostics.length, 1);
  });

  it('reports RefCell borrows and RwLock guards', async () => {
    const f = fixture('refcell.rs');
    await lsp.open(f.uri, f.text);
    const guards = byCode(await lsp.waitForDiagnostics(f.uri), 'guard-held-across-await');
    assert.deepStrictEqual(
      guards.map((d) => d.message.split('\n')[0]),
      [
        'this `RefCell` reference is held across an await point',
        'this `RwLockReadGuard` is held across an await point',
      ],
    );
  });

  it('reports a large value held across awaits and a large future, with clippy wording', async () => {
    const f = fixture('buffers.rs');
    await lsp.open(f.uri, f.text);
    const diagnostics = await lsp.waitForDiagnostics(f.uri);
    const [value] = byCode(diagnostics, 'large-value-held-across-await');
    assert.ok(value, JSON.stringify(diagnostics));
    assert.deepStrictEqual(value.range.start, positionOf(f.text, 'buf = [0u8'));
    assert.match(
      value.message,
      /^`buf` \(`\[u8; 16384\]`\) is held across 2 await points, which stores its 16384 bytes in the future/,
    );
    assert.strictEqual(value.relatedInformation?.length, 2);
    const [future] = byCode(diagnostics, 'large-future');
    assert.ok(future, JSON.stringify(diagnostics));
    assert.deepStrictEqual(future.range.start, positionOf(f.text, 'copy('));
    assert.match(
      future.message,
      /^large future with a size of 16456 bytes\nhelp: the largest values it stores are buf \(16384 B\)/,
    );
    assert.ok(future.codeDescription?.href.endsWith('#large-future'));
    assert.strictEqual(diagnostics.length, 2, 'the small future has no diagnostic');
  });

  it('uses UTF-16 columns after non-ASCII text', async () => {
    const f = fixture('unicode.rs');
    await lsp.open(f.uri, f.text);
    const [d] = byCode(await lsp.waitForDiagnostics(f.uri), 'large-value-held-across-await');
    const start = positionOf(f.text, 'données = [');
    assert.deepStrictEqual(d.range, {
      start,
      end: { line: start.line, character: start.character + 'données'.length },
    });
    assert.deepStrictEqual(
      d.relatedInformation?.[0].location.range.start,
      positionOf(f.text, 'await; n'),
    );
  });

  it('follows incremental edits', async () => {
    const f = fixture('buffers.rs');
    const uri = f.uri.replace('buffers.rs', 'buffers-edited.rs');
    await lsp.open(uri, f.text);
    await lsp.waitForDiagnostics(uri, (d) => d.length === 2);
    const at = positionOf(f.text, '16384');
    await lsp.change(uri, [
      { range: { start: at, end: { line: at.line, character: at.character + 5 } }, text: '64' },
    ]);
    assert.deepStrictEqual(await lsp.waitForDiagnostics(uri), []);
    assert.match(lsp.text(uri), /\[0u8; 64\]/);
  });

  it('clears diagnostics when the document closes', async () => {
    const f = fixture('guard.rs');
    const uri = f.uri.replace('guard.rs', 'guard-closed.rs');
    await lsp.open(uri, f.text);
    await lsp.waitForDiagnostics(uri, (d) => d.length === 1);
    await lsp.close(uri);
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 5000;
      const poll = () =>
        lsp.diagnostics.get(uri)?.diagnostics.length === 0
          ? resolve()
          : Date.now() > deadline
            ? reject(new Error('not cleared'))
            : setTimeout(poll, 20);
      poll();
    });
  });
});

/** An async fn that holds a std `MutexGuard` across an await, under `attribute`. */
function guardedFn(name: string, attribute: string): string {
  return `
${attribute}
pub async fn ${name}(stats: &std::sync::Mutex<u64>) {
    let mut guard = stats.lock().unwrap();
    *guard += 1;
    flush().await;
}
`;
}

describe('diagnostic severity from lint levels', () => {
  let lsp: LspSession;
  before(async () => {
    lsp = new LspSession();
    await lsp.initialize();
  });
  after(() => lsp.dispose());

  it('shows #[deny] and #[forbid] findings as errors, #[warn] ones at the setting', async () => {
    const text =
      'async fn flush() {}\n' +
      guardedFn('plain', '') +
      guardedFn('warned', '#[warn(clippy::await_holding_lock)]') +
      guardedFn('denied', '#[deny(clippy::await_holding_lock)]') +
      // A lint group sets the level too; `forbid` on the module cannot be lowered by a `warn`.
      '#[forbid(clippy::suspicious)]\nmod strict {\n    use super::flush;\n' +
      guardedFn('forbidden', '#[warn(clippy::await_holding_lock)]') +
      '}\n';
    await lsp.configurationChanged({
      diagnostics: { severity: { 'guard-held-across-await': 'information' } },
    });
    const uri = fixture('guard.rs').uri.replace('guard.rs', 'guard-levels.rs');
    await lsp.open(uri, text);
    const diagnostics = await lsp.waitForDiagnostics(uri, (d) => d.length === 4);
    const severities = diagnostics
      .sort((a, b) => a.range.start.line - b.range.start.line)
      .map((d) => d.severity);
    assert.deepStrictEqual(severities, [
      DiagnosticSeverity.Information,
      DiagnosticSeverity.Information,
      DiagnosticSeverity.Error,
      DiagnosticSeverity.Error,
    ]);
  });
});
