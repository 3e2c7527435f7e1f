/**
 * The extension in a real VS Code, through the public API only: activation, diagnostics, inlay
 * hints, hovers, code actions applied and saved, Show Future Layout, settings, Restart Server.
 * The workspace is a copy of test/fixtures/lsp/workspace.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { labelOf, until, workspaceFile } from './editorProbes';

const EXTENSION_ID = 'rust-future-size.rust-future-size';

function codeOf(diagnostic: vscode.Diagnostic): string {
  const code = diagnostic.code;
  return typeof code === 'object' ? String(code.value) : String(code);
}

function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'rust-future-size');
}

function positionOf(
  document: vscode.TextDocument,
  needle: string,
  occurrence = 1,
): vscode.Position {
  let at = -1;
  for (let i = 0; i < occurrence; i++) {
    at = document.getText().indexOf(needle, at + 1);
    assert.ok(at >= 0, `${needle} in ${document.uri.path}`);
  }
  return document.positionAt(at);
}

/** The example crate's src/main.rs, open in an editor. */
async function showMainFile(): Promise<vscode.TextDocument> {
  const document = await vscode.workspace.openTextDocument(workspaceFile('src/main.rs'));
  await vscode.window.showTextDocument(document);
  return document;
}

suite('rust-future-size in VS Code', () => {
  let main: vscode.TextDocument;

  suiteSetup(async () => {
    main = await showMainFile();
  });

  test('activates on a Rust file', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is installed`);
    await until('activation', () => (extension.isActive ? true : undefined));
  });

  test('reports the guard and the large buffer as diagnostics with codes and README links', async () => {
    const diagnostics = await until('diagnostics', () => {
      const found = ours(main.uri);
      return found.length === 3 ? found : undefined;
    });
    assert.deepStrictEqual(diagnostics.map(codeOf).sort(), [
      'guard-held-across-await',
      'large-future',
      'large-value-held-across-await',
    ]);
    const guard = diagnostics.find((d) => codeOf(d) === 'guard-held-across-await')!;
    assert.strictEqual(main.getText(guard.range), 'guard');
    assert.strictEqual(guard.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(guard.message, /^this `MutexGuard` is held across an await point/);
    assert.deepStrictEqual(
      guard.relatedInformation?.map((r) => r.location.range.start.line),
      [positionOf(main, 'conn.write(b"hit").await').line],
    );
    const target = (guard.code as { target: vscode.Uri }).target;
    assert.strictEqual(target.fragment, 'guard-held-across-await');
    assert.ok(target.path.endsWith('/README.md'), target.toString());
  });

  test('shows inlay hints for future sizes and held bindings', async () => {
    const range = new vscode.Range(0, 0, main.lineCount, 0);
    const hints = await until('inlay hints', async () => {
      const found = await vscode.commands.executeCommand<vscode.InlayHint[]>(
        'vscode.executeInlayHintProvider',
        main.uri,
        range,
      );
      return found.length ? found : undefined;
    });
    const labels = hints.map((h) => `${h.position.line + 1}: ${labelOf(h)}`);
    assert.ok(labels.includes('19: future 16456 B'), labels.join('\n'));
    assert.ok(labels.includes('20: held 16384 B across 2 awaits'), labels.join('\n'));
    assert.ok(labels.includes('34: future 72 B'), labels.join('\n'));
    assert.ok(labels.includes('35: held 16 B across 1 await'), labels.join('\n'));
    // VS Code resolves tooltips when the user points at a hint (the UI test does that); the
    // provider's answer leaves them out.
    assert.ok(hints.every((h) => h.tooltip === undefined));
  });

  test('explains an `.await` on hover', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      main.uri,
      positionOf(main, 'await;'),
    );
    const text = hovers
      .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)))
      .join('\n');
    assert.match(text, /\*\*await #0\*\* of `copy` \(state `Suspend0`\)/);
    assert.match(text, /`buf` \| 16384\u00a0B \| \d+ \| `\[u8; 16384\]`/);
  });

  test('Show Future Layout opens a read-only layout document', async () => {
    const editor = await vscode.window.showTextDocument(main);
    const inside = positionOf(main, 'total += n');
    editor.selection = new vscode.Selection(inside, inside);
    const layout = await vscode.commands.executeCommand<vscode.TextDocument>(
      'rustFutureSize.showFutureLayout',
    );
    assert.ok(layout, 'the command returns the document it opened');
    assert.strictEqual(layout.uri.scheme, 'rust-future-layout');
    assert.strictEqual(layout.languageId, 'rust-future-layout');
    assert.match(layout.getText(), /^\/\/ Future layout of async fn `copy`/);
    assert.match(layout.getText(), /\nvariant Suspend1 {2}await #1 at line 27 {2}ends at 16456\n/);
    // A content provider's scheme is no file system, so the editor opens it read-only.
    assert.notStrictEqual(vscode.workspace.fs.isWritableFileSystem(layout.uri.scheme), true);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test("a future's hint opens that future's layout, wherever the cursor is", async () => {
    // The hint's label carries `rustFutureSize.showFutureLayout` with the future's start (the
    // protocol tests check that); `vscode.executeInlayHintProvider` cannot show it here, as VS Code
    // releases a provider's commands before that API command converts the hints back.
    const editor = await vscode.window.showTextDocument(main);
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    const start = positionOf(main, 'async fn copy');
    const layout = await vscode.commands.executeCommand<vscode.TextDocument>(
      'rustFutureSize.showFutureLayout',
      {
        textDocument: { uri: main.uri.toString() },
        position: { line: start.line, character: start.character },
      },
    );
    assert.match(layout.getText(), /^\/\/ Future layout of async fn `copy`/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});

suite('rust-future-size in VS Code: fixes and settings', () => {
  let main: vscode.TextDocument;

  suiteSetup(async () => {
    main = await showMainFile();
  });

  test('applies the preferred quick fix, saves it, and the warning goes away', async () => {
    const guard = ours(main.uri).find((d) => codeOf(d) === 'guard-held-across-await');
    assert.ok(guard);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      main.uri,
      guard.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const fix = actions.find((a) => a.title === 'Move `guard` into its own block');
    assert.ok(fix, actions.map((a) => a.title).join(', '));
    assert.strictEqual(fix.isPreferred, true);
    assert.ok(fix.edit && (await vscode.workspace.applyEdit(fix.edit)));
    assert.ok(await main.save());
    const onDisk = fs.readFileSync(main.uri.fsPath, 'utf8');
    assert.match(
      onDisk,
      /\n {4}\{\n {8}let mut guard = stats\.lock\(\)\.unwrap\(\);\n {8}guard\.hits \+= 1;\n {4}\}\n {4}conn\.write\(b"hit"\)\.await;/,
    );
    await until('the guard warning to clear', () =>
      ours(main.uri).some((d) => codeOf(d) === 'guard-held-across-await') ? undefined : true,
    );
  });

  test('applies settings changes: threshold and disabled codes', async () => {
    const config = vscode.workspace.getConfiguration('rustFutureSize');
    try {
      await config.update('largeValueThreshold', 8, vscode.ConfigurationTarget.Global);
      await until('more large values', () =>
        ours(main.uri).filter((d) => codeOf(d) === 'large-value-held-across-await').length > 1
          ? true
          : undefined,
      );
      await config.update(
        'diagnostics.disabled',
        ['large-value-held-across-await', 'large-future'],
        vscode.ConfigurationTarget.Global,
      );
      await until('all diagnostics disabled', () =>
        ours(main.uri).length === 0 ? true : undefined,
      );
    } finally {
      await config.update('largeValueThreshold', undefined, vscode.ConfigurationTarget.Global);
      await config.update('diagnostics.disabled', undefined, vscode.ConfigurationTarget.Global);
    }
    await until('diagnostics back', () => (ours(main.uri).length === 2 ? true : undefined));
  });
});

suite('rust-future-size in VS Code: Measure, other documents and restart', () => {
  let main: vscode.TextDocument;

  suiteSetup(async () => {
    main = await showMainFile();
  });

  test('Measure Exact Sizes with rustc: the command is contributed, runs cargo, and marks hints (measured)', async function () {
    const contributed = (
      vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as {
        contributes: { commands: { command: string; title: string }[] };
      }
    ).contributes.commands;
    assert.ok(
      contributed.some(
        (c) =>
          c.command === 'rustFutureSize.measureExactSizes' &&
          c.title === 'Measure Exact Sizes with rustc',
      ),
    );
    assert.ok(
      (await vscode.commands.getCommands(true)).includes('rustFutureSize.measureExactSizes'),
    );
    // Where the server looks for cargo: the PATH, then $CARGO_HOME/bin and ~/.cargo/bin.
    const dirs = [
      ...(process.env.PATH ?? '').split(path.delimiter),
      path.join(process.env.CARGO_HOME ?? path.join(os.homedir(), '.cargo'), 'bin'),
    ];
    if (!dirs.some((dir) => dir && fs.existsSync(path.join(dir, 'cargo')))) {
      console.log('cargo is not installed here; skipping');
      this.skip();
    }
    this.timeout(180_000);
    await vscode.window.showTextDocument(main);
    const result = await vscode.commands.executeCommand<{
      ok: boolean;
      measured?: number;
      error?: string;
    }>('rustFutureSize.measureExactSizes');
    assert.ok(result?.ok, JSON.stringify(result));
    const range = new vscode.Range(0, 0, main.lineCount, 0);
    const hints = await until('measured hints', async () => {
      const found = await vscode.commands.executeCommand<vscode.InlayHint[]>(
        'vscode.executeInlayHintProvider',
        main.uri,
        range,
      );
      return found.some((h) => labelOf(h) === 'future 16456 B (measured)') ? found : undefined;
    });
    assert.ok(hints.some((h) => labelOf(h) === 'future 16456 B (measured)'));
  });

  test('leaves documents that are not files alone', async () => {
    const untitled = await vscode.workspace.openTextDocument({
      language: 'rust',
      content: 'async fn f() { let b = [0u8; 99999]; g().await; b.len(); }\n',
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.deepStrictEqual(ours(untitled.uri), []);
    const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>(
      'vscode.executeInlayHintProvider',
      untitled.uri,
      new vscode.Range(0, 0, 1, 0),
    );
    assert.deepStrictEqual(hints, []);
  });

  test('Restart Server brings the server back', async () => {
    await vscode.commands.executeCommand('rustFutureSize.restartServer');
    await vscode.window.showTextDocument(main);
    const range = new vscode.Range(0, 0, main.lineCount, 0);
    await until('inlay hints after the restart', async () => {
      const found = await vscode.commands.executeCommand<vscode.InlayHint[]>(
        'vscode.executeInlayHintProvider',
        main.uri,
        range,
      );
      // Measured since the calibration test above, when cargo is installed.
      return found.some((h) => /^future 16456 B( \(measured\))?$/.test(labelOf(h)))
        ? true
        : undefined;
    });
  });
});
