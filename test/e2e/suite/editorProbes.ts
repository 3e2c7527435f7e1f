/**
 * What the extension-host tests share: a file of the opened workspace, waiting for the editor to
 * show something, and a hint's text.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';

export function workspaceFile(relative: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return vscode.Uri.joinPath(folder.uri, relative);
}

/** Polls until `probe` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function labelOf(hint: vscode.InlayHint): string {
  return typeof hint.label === 'string'
    ? hint.label
    : hint.label.map((part) => part.value).join('');
}
