/**
 * `rustFutureSize.revealAwait`, what a held value's inlay hint runs on Ctrl+click: selects the
 * `.await` the value is held across. A hint's `location` would not do: VS Code goes to the
 * definition of what is at a location, and an `await` keyword has none (or rust-analyzer's).
 */
import * as vscode from 'vscode';
import { Commands, RevealAwaitArgs } from '../../server/src/protocol';

export function registerRevealAwait(): vscode.Disposable {
  return vscode.commands.registerCommand(Commands.revealAwait, async (at: RevealAwaitArgs) => {
    const { start, end } = at.range;
    await vscode.window.showTextDocument(vscode.Uri.parse(at.uri), {
      selection: new vscode.Range(start.line, start.character, end.line, end.character),
    });
  });
}
