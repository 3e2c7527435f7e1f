/**
 * What the extension-host tests share: a file of the opened workspace, waiting for the editor to
 * show something, and a hint's text.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import { until as pollUntil } from '../../common/polling';

export function workspaceFile(relative: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return vscode.Uri.joinPath(folder.uri, relative);
}

/** Polls until `probe` returns a value; the editor gets 20 s, checked every 50 ms. */
export function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  return pollUntil(what, probe, timeoutMs, 50);
}

export function labelOf(hint: vscode.InlayHint): string {
  return typeof hint.label === 'string'
    ? hint.label
    : hint.label.map((part) => part.value).join('');
}
