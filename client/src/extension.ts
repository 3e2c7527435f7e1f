/**
 * The VS Code side: starts the language server for Rust files on disk and adds two commands.
 * Everything else (hints, hovers, diagnostics, fixes) comes from the server.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { Commands, SETTINGS_SECTION } from '../../server/src/protocol';
import { LayoutDocuments } from './layoutDocuments';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const module = context.asAbsolutePath(path.join('server', 'dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    // Only files on disk: hints must not end up in diff views, git history or other virtual documents.
    documentSelector: [{ scheme: 'file', language: 'rust' }],
    outputChannelName: 'Rust Future Size',
  };
  const languageClient = new LanguageClient(SETTINGS_SECTION, 'Rust Future Size', serverOptions, clientOptions);
  client = languageClient;

  const layouts = new LayoutDocuments(languageClient);
  context.subscriptions.push(
    layouts.register(),
    vscode.commands.registerCommand(Commands.showFutureLayout, () => layouts.showAtCursor()),
    vscode.commands.registerCommand(Commands.restartServer, async () => {
      try {
        await languageClient.restart();
      } catch (error) {
        void vscode.window.showErrorMessage(`Rust Future Size: cannot restart the language server: ${describe(error)}`);
      }
    }),
  );

  try {
    await languageClient.start();
  } catch (error) {
    // VS Code does not tell the user when activation fails; say it, then let VS Code record the failure.
    void vscode.window.showErrorMessage(`Cannot activate the Rust Future Size extension: ${describe(error)}`);
    throw error;
  }
}

export function deactivate(): Thenable<void> | undefined {
  return client?.stop();
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
