/**
 * The VS Code side: starts the language server for Rust files on disk, adds two commands and the
 * status bar item (`statusBar.ts`); the server's own command (Measure Exact Sizes with rustc) runs
 * through `measure.ts`. Everything else (hints, hovers, diagnostics, fixes, the crate index) comes
 * from the server.
 */
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { serverNodeFlags } from '../../server/src/nodeFlags';
import {
  Commands,
  FutureLayoutParams,
  InitializationOptions,
  SETTINGS_SECTION,
  WORKSPACE_TRUST_NOTIFICATION,
  WorkspaceTrustParams,
} from '../../server/src/protocol';
import { LayoutDocuments } from './layoutDocuments';
import { registerRevealAwait } from './revealAwait';
import { measureExactSizes } from './measure';
import { QuietLanguageClient } from './quietClient';
import { ServerStatusItem } from './statusBar';

let client: QuietLanguageClient | undefined;

/** What the extension gives other extensions, its tests among them. */
export interface RustFutureSizeApi {
  /** The status bar item's text and tooltip. */
  status(): { text: string; tooltip: string };
  /** The errors the language client has written to the log, oldest first. */
  loggedErrors(): readonly string[];
}

export async function activate(context: vscode.ExtensionContext): Promise<RustFutureSizeApi> {
  const module = context.asAbsolutePath(path.join('server', 'dist', 'server.js'));
  const flags = serverNodeFlags(os.availableParallelism());
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { execArgv: flags } },
    debug: {
      module,
      transport: TransportKind.ipc,
      options: { execArgv: [...flags, '--nolazy', '--inspect=6009'] },
    },
  };
  const initializationOptions: InitializationOptions = {
    workspaceTrusted: vscode.workspace.isTrusted,
    serverStatus: true,
    // Dependencies' indexed items are kept there across sessions (safe to delete).
    cacheDir: context.globalStorageUri.fsPath,
  };
  // One channel for the extension's life: the client would make a new one on each restart.
  const outputChannel = vscode.window.createOutputChannel('Rust Future Size');
  context.subscriptions.push(outputChannel);
  const clientOptions: LanguageClientOptions = {
    // Only files on disk: hints must not end up in diff views, git history or other virtual documents.
    documentSelector: [{ scheme: 'file', language: 'rust' }],
    outputChannel,
    initializationOptions,
    middleware: {
      executeCommand: (command, args, next) =>
        command === Commands.measureExactSizes
          ? measureExactSizes(languageClient, args)
          : next(command, args),
      workspace: {
        // VS Code answers with every default filled in; the server must know whether the user set
        // `largeFutureThreshold`, as clippy.toml's `future-size-threshold` is the default otherwise.
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) {
            return result;
          }
          return result.map((value: unknown, i) => {
            const item = params.items[i];
            if (item?.section !== SETTINGS_SECTION || !value || typeof value !== 'object') {
              return value;
            }
            const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
            return userSetThreshold(scope)
              ? value
              : withoutKey(value as Record<string, unknown>, 'largeFutureThreshold');
          });
        },
      },
    },
  };
  const languageClient = new QuietLanguageClient(
    SETTINGS_SECTION,
    'Rust Future Size',
    serverOptions,
    clientOptions,
  );
  client = languageClient;

  const layouts = new LayoutDocuments(languageClient);
  const statusItem = new ServerStatusItem(languageClient, outputChannel);
  context.subscriptions.push(
    statusItem,
    layouts.register(),
    registerRevealAwait(),
    vscode.commands.registerCommand(Commands.showFutureLayout, (at?: FutureLayoutParams) =>
      layouts.showAtCursor(at),
    ),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      if (languageClient.isRunning()) {
        void languageClient.sendNotification(WORKSPACE_TRUST_NOTIFICATION, {
          trusted: true,
        } satisfies WorkspaceTrustParams);
      }
      initializationOptions.workspaceTrusted = true;
    }),
    vscode.commands.registerCommand(Commands.restartServer, async () => {
      try {
        await languageClient.restart();
      } catch (error) {
        void vscode.window.showErrorMessage(
          `Rust Future Size: cannot restart the language server: ${describe(error)}`,
        );
      }
    }),
  );

  try {
    await languageClient.start();
  } catch (error) {
    // VS Code does not tell the user when activation fails; say it, then let VS Code record the failure.
    void vscode.window.showErrorMessage(
      `Cannot activate the Rust Future Size extension: ${describe(error)}`,
    );
    throw error;
  }
  return {
    status: () => statusItem.shown,
    loggedErrors: () => languageClient.loggedErrors,
  };
}

export function deactivate(): Thenable<void> | undefined {
  return client?.stop();
}

function userSetThreshold(scope: vscode.Uri | undefined): boolean {
  const inspected = vscode.workspace
    .getConfiguration(SETTINGS_SECTION, scope)
    .inspect('largeFutureThreshold');
  return [
    inspected?.globalValue,
    inspected?.workspaceValue,
    inspected?.workspaceFolderValue,
    inspected?.globalLanguageValue,
    inspected?.workspaceLanguageValue,
    inspected?.workspaceFolderLanguageValue,
  ].some((v) => v !== undefined);
}

function withoutKey(value: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...value };
  delete copy[key];
  return copy;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
