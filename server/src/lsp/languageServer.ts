/**
 * Glues the features together on one connection: capabilities, settings, the document store, the
 * crate index, and one module per LSP feature.
 */
import * as path from 'path';
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
import { analyzeSource, initAnalysis } from '../analysis/engine';
import { parseRust, type WasmPaths } from '../analysis/syntax/parser';
import { Commands, InitializationOptions, WORKSPACE_TRUST_NOTIFICATION, WorkspaceTrustParams } from '../protocol';
import { CalibrationFeature } from './calibrationCommand';
import { CodeActionsFeature } from './codeActions';
import { ClippyConfig } from '../lints/clippyConfig';
import { CrateRunner } from './crateRunner';
import { DiagnosticsFeature } from './diagnostics';
import { DocumentStore, filePathOf } from './documents';
import { HoversFeature } from './hovers';
import { InlayHintsFeature } from './inlayHints';
import { LayoutDocumentFeature } from './layoutDocument';
import { SettingsStore } from './settings';
import { WorkspaceIndex } from './workspace';

/**
 * The first analysis pays for JIT compilation of the engine; one small analysis while the client is
 * still starting up moves that cost off the user's first open document.
 */
const WARM_UP_SOURCE = `
struct Conn { buf: Vec<u8>, id: u64 }
impl Conn { async fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> { Ok(out.len()) } }
async fn handle(mut conn: Conn, lock: &std::sync::Mutex<u32>) -> usize {
    let mut buf = [0u8; 1024];
    let n = conn.read(&mut buf).await.unwrap_or(0);
    let name = format!("{}", conn.id);
    match conn.read(&mut buf[..n]).await { Ok(m) => m + name.len(), Err(_) => 0 }
}
`;

function warmUp(): void {
  try {
    analyzeSource(WARM_UP_SOURCE, { file: 'warm-up.rs', edition: '2021' });
  } catch {
    // Only a warm-up: a failure here shows up, with detail, on the first real document.
  }
}

/**
 * tree-sitter's WebAssembly starts out in V8's baseline tier: a first 2,500-line parse takes about
 * 40 ms, and the same parse after a 160-line one about 15 ms (measured), the hot parser functions
 * having been optimised meanwhile. The warm-up parse costs about 7 ms, so it pays for itself even
 * when a document is already waiting.
 */
function warmUpParser(): void {
  try {
    parseRust(WARM_UP_SOURCE.repeat(20), 1000).delete();
  } catch {
    // As above.
  }
}

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
  let workspaceFolder: string | null = null;
  // Requests wait for the parser; a failure to load it is logged once and answered with nothing.
  const ready = initAnalysis(options.wasmPaths).then(
    () => {
      warmUpParser();
      // After the documents already waiting for the parser: the first of them warms the JIT just as well.
      setImmediate(() => {
        if (documents.all().length === 0) {
          warmUp();
        }
      });
      return true;
    },
    (error: unknown) => {
      connection.console.error(`[parser] FAILED to load tree-sitter: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      void connection.window.showErrorMessage(`rust-future-size: cannot load the Rust parser: ${String(error)}`);
      return false;
    },
  );
  documents.setReady(ready);

  const diagnostics = new DiagnosticsFeature(connection, documents, settings, { docsUrl: options.docsUrl, relatedInformation: false, codeDescription: false });

  const clippy = new ClippyConfig((message) => {
    connection.console.warn(`[clippy] ${message}`);
    void connection.window.showWarningMessage(`rust-future-size: ${message}`);
  });
  settings.setThresholdDefault((uri) => (uri.startsWith('file:') ? (clippy.thresholdFor(filePathOf(uri))?.value ?? null) : null));
  const refreshHints = () => {
    if (inlayHintRefresh) {
      connection.languages.inlayHint.refresh().catch(() => undefined);
    }
  };
  const runner = new CrateRunner((message) => connection.console.log(message), options.wasmPaths);
  const workspace = new WorkspaceIndex(connection, documents, runner, refreshHints);
  const calibration = new CalibrationFeature(connection, documents, settings, workspace, runner);

  const inlayHintsFeature = new InlayHintsFeature(connection, documents, settings);

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const caps = params.capabilities;
    const lazyTooltips = !!caps.textDocument?.inlayHint?.resolveSupport?.properties.includes('tooltip');
    inlayHintsFeature.setLazyTooltips(lazyTooltips);
    settings.setPullSupported(!!caps.workspace?.configuration);
    configurationChanges = !!caps.workspace?.didChangeConfiguration?.dynamicRegistration;
    watchedFiles = !!caps.workspace?.didChangeWatchedFiles?.dynamicRegistration;
    documentChanges = !!caps.workspace?.workspaceEdit?.documentChanges;
    inlayHintRefresh = !!caps.workspace?.inlayHint?.refreshSupport;
    diagnostics.configure({
      relatedInformation: !!caps.textDocument?.publishDiagnostics?.relatedInformation,
      codeDescription: !!caps.textDocument?.publishDiagnostics?.codeDescriptionSupport,
    });
    const progress = !!caps.window?.workDoneProgress;
    workspace.setProgressSupported(progress);
    calibration.setProgressSupported(progress);
    calibration.setTrusted((params.initializationOptions as InitializationOptions | undefined)?.workspaceTrusted !== false);
    const root = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
    workspaceFolder = root ?? null;
    if (root?.startsWith('file:')) {
      documents.setRoot(fileURLToPath(root));
    }
    const folders = (params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : [])).filter((u) => u.startsWith('file:'));
    clippy.setWorkspaceRoots(folders.map((u) => fileURLToPath(u)));
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        inlayHintProvider: { resolveProvider: lazyTooltips },
        hoverProvider: true,
        codeActionProvider: caps.textDocument?.codeAction?.codeActionLiteralSupport
          ? { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite] }
          : true,
        executeCommandProvider: { commands: [Commands.measureExactSizes] },
      },
      serverInfo: { name: 'rust-future-size', version: options.version },
    };
  });

  connection.onInitialized(() => {
    if (workspaceFolder) {
      documents.prepare(workspaceFolder);
    }
    if (configurationChanges) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: undefined });
    }
    if (watchedFiles) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: ['**/Cargo.toml', '**/*.rs', '**/clippy.toml', '**/.clippy.toml', '**/target/rust-future-size/calibration.json'].map((globPattern) => ({ globPattern })),
      });
    }
  });

  const refreshAll = (editions: boolean) => {
    documents.invalidateAll({ editions });
    refreshHints();
  };
  connection.onDidChangeConfiguration(() => {
    connection.console.log('[settings] configuration changed; pulling it again');
    settings.clear();
    refreshAll(false);
  });
  connection.onDidChangeWatchedFiles(({ changes }) => {
    const names = new Set(changes.map((c) => path.basename(filePathOf(c.uri))));
    if (names.has('clippy.toml') || names.has('.clippy.toml')) {
      clippy.clear();
      settings.clear();
    }
    if (names.has('Cargo.toml') || names.has('clippy.toml') || names.has('.clippy.toml')) {
      refreshAll(names.has('Cargo.toml'));
    }
    workspace.filesChanged(changes);
  });
  connection.onNotification(WORKSPACE_TRUST_NOTIFICATION, (params: WorkspaceTrustParams) => calibration.setTrusted(params.trusted === true));
  connection.onShutdown(() => {
    calibration.dispose();
    workspace.dispose();
    runner.dispose();
  });

  diagnostics.register();
  inlayHintsFeature.register();
  new HoversFeature(connection, documents).register();
  new CodeActionsFeature(connection, documents, () => documentChanges).register();
  new LayoutDocumentFeature(connection, documents).register();
  calibration.register();

  connection.listen();
}
