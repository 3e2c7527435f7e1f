/**
 * Glues the features together on one connection: capabilities, settings, the document store, and
 * one module per LSP feature.
 */
import { fileURLToPath } from 'url';
import {
  CodeActionKind,
  Connection,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  InitializeParams,
  InitializeResult,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { initAnalysis } from '../analysis/engine';
import type { WasmPaths } from '../analysis/parser';
import { CodeActionsFeature } from './codeActions';
import { DiagnosticsFeature } from './diagnostics';
import { DocumentStore } from './documents';
import { HoversFeature } from './hovers';
import { InlayHintsFeature } from './inlayHints';
import { LayoutDocumentFeature } from './layoutDocument';
import { SettingsStore } from './settings';

export interface ServerOptions {
  /** README URL; diagnostic codes link to its anchors. */
  docsUrl: string;
  version: string;
  /** Where the two wasm files are; the parser's own lookup when omitted. */
  wasmPaths?: WasmPaths;
}

export function startServer(connection: Connection, options: ServerOptions): void {
  const settings = new SettingsStore(connection);
  const documents = new DocumentStore(connection, settings);
  let documentChanges = false;
  let configurationChanges = false;
  let watchedFiles = false;
  let inlayHintRefresh = false;
  // Requests wait for the parser; a failure to load it is logged once and answered with nothing.
  const ready = initAnalysis(options.wasmPaths).then(
    () => true,
    (error: unknown) => {
      connection.console.error(`[parser] FAILED to load tree-sitter: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      void connection.window.showErrorMessage(`rust-future-size: cannot load the Rust parser: ${String(error)}`);
      return false;
    },
  );
  documents.setReady(ready);

  const diagnostics = new DiagnosticsFeature(connection, documents, settings, { docsUrl: options.docsUrl, relatedInformation: false, codeDescription: false });

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const caps = params.capabilities;
    settings.setPullSupported(!!caps.workspace?.configuration);
    configurationChanges = !!caps.workspace?.didChangeConfiguration?.dynamicRegistration;
    watchedFiles = !!caps.workspace?.didChangeWatchedFiles?.dynamicRegistration;
    documentChanges = !!caps.workspace?.workspaceEdit?.documentChanges;
    inlayHintRefresh = !!caps.workspace?.inlayHint?.refreshSupport;
    diagnostics.configure({
      relatedInformation: !!caps.textDocument?.publishDiagnostics?.relatedInformation,
      codeDescription: !!caps.textDocument?.publishDiagnostics?.codeDescriptionSupport,
    });
    const root = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
    if (root?.startsWith('file:')) {
      documents.setRoot(fileURLToPath(root));
    }
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        inlayHintProvider: { resolveProvider: false },
        hoverProvider: true,
        codeActionProvider: caps.textDocument?.codeAction?.codeActionLiteralSupport
          ? { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite] }
          : true,
      },
      serverInfo: { name: 'rust-future-size', version: options.version },
    };
  });

  connection.onInitialized(() => {
    if (configurationChanges) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: undefined });
    }
    if (watchedFiles) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/Cargo.toml' }] });
    }
  });

  const refreshAll = (editions: boolean) => {
    documents.invalidateAll({ editions });
    if (inlayHintRefresh) {
      connection.languages.inlayHint.refresh().catch(() => undefined);
    }
  };
  connection.onDidChangeConfiguration(() => {
    connection.console.log('[settings] configuration changed; pulling it again');
    settings.clear();
    refreshAll(false);
  });
  connection.onDidChangeWatchedFiles(() => refreshAll(true));

  diagnostics.register();
  new InlayHintsFeature(connection, documents, settings).register();
  new HoversFeature(connection, documents).register();
  new CodeActionsFeature(connection, documents, () => documentChanges).register();
  new LayoutDocumentFeature(connection, documents).register();

  connection.listen();
}
