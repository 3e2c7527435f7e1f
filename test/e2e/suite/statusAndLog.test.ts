/**
 * The status bar item and a quiet log, in a real VS Code: the item follows the server to idle, and
 * Restart Server, with editor requests arriving while the server stops, writes no error to the log.
 * Runs after extension.test.ts (files run in name order), on the same workspace.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import { until } from './editorProbes';

const EXTENSION_ID = 'rust-future-size.rust-future-size';

interface Api {
  status(): { text: string; tooltip: string };
  loggedErrors(): readonly string[];
}

async function api(): Promise<Api> {
  const extension = vscode.extensions.getExtension<Api>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed`);
  return extension.activate();
}

async function showMainFile(): Promise<vscode.TextDocument> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  const document = await vscode.workspace.openTextDocument(
    vscode.Uri.joinPath(folder.uri, 'src/main.rs'),
  );
  await vscode.window.showTextDocument(document);
  return document;
}

suite('rust-future-size in VS Code: status bar item and log', () => {
  let main: vscode.TextDocument;

  suiteSetup(async () => {
    main = await showMainFile();
  });

  test('the status bar item follows the server to idle, and opens a menu', async () => {
    const extension = await api();
    const shown = await until('an idle server', () => {
      const status = extension.status();
      return /^\$\((check|warning)\) Future Size$/.test(status.text) ? status : undefined;
    });
    assert.match(shown.tooltip, /Rust Future Size/);
    assert.match(shown.tooltip, /Click for the log and the commands/);
    assert.ok((await vscode.commands.getCommands(true)).includes('rustFutureSize.statusMenu'));
  });

  test('Restart Server, with requests arriving while it stops, logs no error', async () => {
    const extension = await api();
    const before = extension.loggedErrors().length;
    const everything = new vscode.Range(0, 0, main.lineCount, 0);
    const requests = () =>
      Promise.all([
        vscode.commands.executeCommand('vscode.executeCodeActionProvider', main.uri, everything),
        vscode.commands.executeCommand('vscode.executeInlayHintProvider', main.uri, everything),
      ]);
    const restarted = vscode.commands.executeCommand('rustFutureSize.restartServer');
    await Promise.all([requests(), restarted, requests()]);
    await until('hints after the restart', async () => {
      const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>(
        'vscode.executeInlayHintProvider',
        main.uri,
        everything,
      );
      return hints.length ? true : undefined;
    });
    await until('the item back to idle', () =>
      /^\$\((check|warning)\) Future Size$/.test(extension.status().text) ? true : undefined,
    );
    // The old server process's exit is reported a little after the restart.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.deepStrictEqual(extension.loggedErrors().slice(before), []);
  });
});
