import * as assert from 'assert';
import * as fs from 'fs';
import { CodeAction } from 'vscode-languageserver-protocol/node';
import { applyEdits, editsOf, fixture, LspSession, positionOf } from './support/lspSession';

describe('code actions', () => {
  let lsp: LspSession;
  before(async () => {
    lsp = new LspSession();
    await lsp.initialize();
  });
  after(() => lsp.dispose());

  it('offers the scope-and-drop block as the preferred quick fix, and applying it resolves the diagnostic', async () => {
    const f = fixture('guard.rs');
    await lsp.open(f.uri, f.text);
    const [diagnostic] = await lsp.waitForDiagnostics(f.uri, (d) => d.length === 1);
    const actions =
      (await lsp.codeActions(f.uri, diagnostic.range, [diagnostic], ['quickfix'])) ?? [];
    assert.ok(actions.length >= 1, 'a quick fix');
    const [first] = actions;
    assert.strictEqual(first.title, 'Move `guard` into its own block');
    assert.strictEqual(first.kind, 'quickfix');
    assert.strictEqual(first.isPreferred, true);
    assert.deepStrictEqual(first.diagnostics, [diagnostic]);
    // Version-checked edit, so a stale fix cannot be applied to newer text.
    const change = first.edit?.documentChanges?.[0] as { textDocument: { version: number } };
    assert.strictEqual(change.textDocument.version, 1);

    const fixed = applyEdits(f.text, editsOf(first, f.uri));
    assert.strictEqual(fixed, fs.readFileSync(f.path.replace(/\.rs$/, '.fixed.rs'), 'utf8'));

    // Apply it the way an editor does: as a change of the open document.
    const edits = editsOf(first, f.uri);
    await lsp.change(
      f.uri,
      edits.map((e) => ({ range: e.range, text: e.newText })),
    );
    assert.deepStrictEqual(await lsp.waitForDiagnostics(f.uri), []);
  });

  it('offers the same fix as a refactoring at the cursor, without a diagnostic', async () => {
    const f = fixture('guard.rs');
    const uri = f.uri.replace('guard.rs', 'guard-refactor.rs');
    await lsp.open(uri, f.text);
    const at = positionOf(f.text, 'guard = stats');
    const actions = (await lsp.codeActions(uri, { start: at, end: at })) ?? [];
    assert.deepStrictEqual(
      actions.map((a: CodeAction) => [a.title, a.kind, a.isPreferred]),
      [['Move `guard` into its own block', 'refactor.rewrite', true]],
    );
    // Not when only quick fixes are asked for, and nothing on unrelated lines.
    assert.deepStrictEqual(
      await lsp.codeActions(uri, { start: at, end: at }, [], ['quickfix']),
      [],
    );
    const elsewhere = positionOf(f.text, 'pub hits');
    assert.deepStrictEqual(await lsp.codeActions(uri, { start: elsewhere, end: elsewhere }), []);
  });

  it('offers boxing, not preferred, where the value must live across the await', async () => {
    const f = fixture('buffers.rs');
    await lsp.open(f.uri, f.text);
    const diagnostics = await lsp.waitForDiagnostics(f.uri, (d) => d.length === 2);
    const value = diagnostics.find((d) => d.code === 'large-value-held-across-await')!;
    const actions = (await lsp.codeActions(f.uri, value.range, [value], ['quickfix'])) ?? [];
    assert.deepStrictEqual(
      actions.map((a) => [a.title, a.isPreferred ?? false]),
      [
        ['Put `buf` in a `Box`', false],
        ['Allow `large-value-held-across-await` here', false],
      ],
    );
    const boxed = applyEdits(f.text, editsOf(actions[0], f.uri));
    assert.match(boxed, /let mut buf = Box::new\(\[0u8; 16384\]\);/);
    // The large-future diagnostic offers the fixes of its future too.
    const future = diagnostics.find((d) => d.code === 'large-future')!;
    const forFuture = (await lsp.codeActions(f.uri, future.range, [future], ['quickfix'])) ?? [];
    assert.deepStrictEqual(
      forFuture.map((a) => a.title),
      ['Put `buf` in a `Box`', 'Allow `large-future` here'],
    );
  });
});
