import * as assert from 'assert';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol/node';
import { delay, fixture, LspSession } from './support/lspSession';

describe('settings', () => {
  let lsp: LspSession;
  const f = fixture('buffers.rs');
  beforeEach(async () => {
    lsp = new LspSession();
    await lsp.initialize();
  });
  afterEach(() => lsp.dispose());

  it('are pulled with workspace/configuration and applied: thresholds, severity, disabled codes', async () => {
    lsp.settings = {
      largeValueThreshold: 8,
      largeFutureThreshold: 20000,
      diagnostics: { severity: { 'large-value-held-across-await': 'hint' }, disabled: [] },
    };
    await lsp.open(f.uri, f.text);
    const diagnostics = await lsp.waitForDiagnostics(f.uri);
    assert.ok(lsp.configurationRequests >= 1);
    // buf, total, n in `copy`; header in `small`; conn (8 B) is an argument held across awaits too.
    const names = diagnostics.map((d) =>
      f.text.split('\n')[d.range.start.line].slice(d.range.start.character, d.range.end.character),
    );
    assert.deepStrictEqual(names, ['conn', 'buf', 'total', 'n', 'header']);
    assert.ok(
      diagnostics.every(
        (d) => d.code === 'large-value-held-across-await' && d.severity === DiagnosticSeverity.Hint,
      ),
    );

    await lsp.configurationChanged({
      diagnostics: { disabled: ['large-value-held-across-await'] },
      largeFutureThreshold: 100,
    });
    const after = await lsp.waitForDiagnostics(f.uri, (d) => d.length !== diagnostics.length);
    assert.deepStrictEqual(
      after.map((d) => [d.code, d.severity]),
      [['large-future', DiagnosticSeverity.Warning]],
    );
  });

  it('refresh inlay hints after a change, and can turn hints off', async () => {
    await lsp.open(f.uri, f.text);
    await lsp.waitForDiagnostics(f.uri);
    assert.ok(((await lsp.inlayHints(f.uri)) ?? []).length > 0);
    await lsp.configurationChanged({
      inlayHints: { futureSize: { enable: false }, heldValues: { minSize: 1000 } },
    });
    for (let i = 0; i < 100 && lsp.inlayHintRefreshes === 0; i++) {
      await delay(20);
    }
    assert.strictEqual(lsp.inlayHintRefreshes, 1);
    const hints = (await lsp.inlayHints(f.uri)) ?? [];
    assert.deepStrictEqual(
      hints.map((h) => (typeof h.label === 'string' ? h.label : h.label[0].value)),
      ['held 16384 B across 2 awaits'],
    );
  });

  it('keep the last good configuration when a value is invalid, and say what is wrong', async () => {
    lsp.settings = { largeFutureThreshold: 50 };
    await lsp.open(f.uri, f.text);
    const good = await lsp.waitForDiagnostics(f.uri);
    assert.strictEqual(good.filter((d) => d.code === 'large-future').length, 2);

    await lsp.configurationChanged({
      largeFutureThreshold: 'big',
      diagnostics: { disabled: ['no-such-code'] },
    });
    for (let i = 0; i < 100 && lsp.messages.length === 0; i++) {
      await delay(20);
    }
    assert.strictEqual(lsp.messages.length, 1);
    assert.strictEqual(lsp.messages[0].type, 2 /* Warning */);
    assert.match(lsp.messages[0].message, /^rust-future-size: invalid settings `/);
    assert.match(
      lsp.messages[0].message,
      /`rustFutureSize\.largeFutureThreshold`: expected number, received string/,
    );
    assert.match(
      lsp.messages[0].message,
      /`rustFutureSize\.diagnostics\.disabled\.0`: expected one of "large-value-held-across-await"/,
    );
    assert.match(lsp.messages[0].message, /The previous configuration stays in force\.$/);
    await delay(400);
    const kept = lsp.diagnostics.get(f.uri)!.diagnostics;
    assert.deepStrictEqual(
      kept.map((d) => d.code),
      good.map((d) => d.code),
    );
  });

  it('fall back to the defaults for a client without workspace/configuration', async () => {
    await lsp.dispose();
    lsp = new LspSession();
    await lsp.initialize({});
    await lsp.open(f.uri, f.text);
    const diagnostics = await lsp.waitForDiagnostics(f.uri);
    assert.deepStrictEqual(
      diagnostics.map((d) => d.code),
      ['large-value-held-across-await', 'large-future'],
    );
    assert.strictEqual(lsp.configurationRequests, 0);
    // Without relatedInformation/codeDescription support they are left out.
    assert.strictEqual(diagnostics[0].relatedInformation, undefined);
    assert.strictEqual(diagnostics[0].codeDescription, undefined);
  });
});
