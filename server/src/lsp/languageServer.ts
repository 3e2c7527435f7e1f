/**
 * The language server as one object: `RustFutureSizeServer` is constructed with its collaborators
 * (the client session, settings, documents, the crate index, the features), which find each other
 * through constructor arguments and typed events; it answers `initialize` and the notifications
 * that concern more than one feature.
 */
import * as path from 'path';
import {
  CodeActionKind,
  Connection,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  FileEvent,
  InitializeParams,
  InitializeResult,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { analyzeSource, initAnalysis } from '../analysis/engine';
import { parseRust, type WasmPaths } from '../analysis/syntax/parser';
import { Commands, WORKSPACE_TRUST_NOTIFICATION, WorkspaceTrustParams } from '../protocol';
import { CalibrationFeature } from './calibrationCommand';
import { ClientSession } from './client';
import { CodeActionsFeature } from './codeActions';
import { ClippyConfig } from '../lints/clippyConfig';
import type { CrateRunner } from './crateRunner';
import { DiagnosticsFeature } from './diagnostics';
import { DocumentStore, filePathOf } from './documents';
import { HoversFeature } from './hovers';
import { InlayHintsFeature } from './inlayHints';
import { LayoutDocumentFeature } from './layoutDocument';
import { ObservedCrateRunner } from './observedCrateRunner';
import { ServerStatus } from './serverStatus';
import { DependencyIndexer, reportDependencyProgress } from './dependencyIndexer';
import { SettingsStore } from './settings';
import { WorkspaceIndex } from './workspace';
import { WorkspaceDiagnostics } from './workspaceDiagnostics';

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

/** A feature that answers its own requests once registered on the connection. */
export interface Feature {
  register(): void;
}

export interface ServerParts {
  client: ClientSession;
  settings: SettingsStore;
  documents: DocumentStore;
  workspace: WorkspaceIndex;
  runner: CrateRunner;
  clippy: ClippyConfig;
  diagnostics: DiagnosticsFeature;
  calibration: CalibrationFeature;
  status: ServerStatus;
  /** Every feature, registered in this order. */
  features: Feature[];
  dependencyIndexer: DependencyIndexer;
}

/** Files whose change is noticed through the client's file watcher. */
const WATCHED_FILES = [
  '**/Cargo.toml',
  '**/*.rs',
  '**/clippy.toml',
  '**/.clippy.toml',
  '**/target/rust-future-size/calibration.json',
];

export class RustFutureSizeServer {
  constructor(
    private readonly connection: Connection,
    private readonly parts: ServerParts,
    private readonly options: ServerOptions,
  ) {}

  listen(): void {
    const { connection, parts } = this;
    connection.onInitialize((params) => this.initialize(params));
    connection.onInitialized(() => this.initialized());
    connection.onDidChangeWatchedFiles(({ changes }) => this.filesChanged(changes));
    connection.onNotification(WORKSPACE_TRUST_NOTIFICATION, (params: WorkspaceTrustParams) =>
      parts.client.setTrusted(params.trusted === true),
    );
    connection.onShutdown(() => {
      parts.dependencyIndexer.dispose();
      parts.calibration.dispose();
      parts.workspace.dispose();
      parts.runner.dispose();
    });
    parts.settings.register();
    for (const feature of parts.features) {
      feature.register();
    }
    connection.listen();
  }

  private initialize(params: InitializeParams): InitializeResult {
    const { client } = this.parts;
    const supports = client.initialize(params);
    return {
      capabilities: {
        textDocumentSync: {
          openClose: true,
          change: TextDocumentSyncKind.Incremental,
          save: { includeText: false },
        },
        inlayHintProvider: { resolveProvider: supports.lazyTooltips },
        hoverProvider: true,
        codeActionProvider: supports.codeActionLiterals
          ? { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite] }
          : true,
        executeCommandProvider: { commands: [Commands.measureExactSizes] },
      },
      serverInfo: { name: 'rust-future-size', version: this.options.version },
    };
  }

  private initialized(): void {
    const { client, documents, status } = this.parts;
    status.clientInitialized();
    if (client.workspace.folderUri) {
      documents.prepare(client.workspace.folderUri);
    }
    if (client.supports.configurationChanges) {
      void this.connection.client.register(DidChangeConfigurationNotification.type, {
        section: undefined,
      });
    }
    if (client.supports.watchedFiles) {
      void this.connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: WATCHED_FILES.map((globPattern) => ({ globPattern })),
      });
    }
  }

  /** Cargo.toml changes editions; clippy.toml, the default threshold; any file, the crate index. */
  private filesChanged(changes: FileEvent[]): void {
    const { clippy, settings, documents, workspace } = this.parts;
    const names = new Set(changes.map((c) => path.basename(filePathOf(c.uri))));
    const manifest = names.has('Cargo.toml');
    const clippyToml = names.has('clippy.toml') || names.has('.clippy.toml');
    if (clippyToml) {
      clippy.clear();
      settings.clear();
    }
    if (manifest || clippyToml) {
      documents.invalidateAll({ editions: manifest });
    }
    workspace.filesChanged(changes);
  }
}

/** Loads the parser, then warms it and the engine up; `false` (logged once) when it cannot load. */
function loadParser(
  connection: Connection,
  options: ServerOptions,
  openDocuments: () => number,
): Promise<boolean> {
  return initAnalysis(options.wasmPaths).then(
    () => {
      warmUpParser();
      // After the documents already waiting for the parser: the first of them warms the JIT too.
      setImmediate(() => {
        if (openDocuments() === 0) {
          warmUp();
        }
      });
      return true;
    },
    (error: unknown) => {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      connection.console.error(`[parser] FAILED to load tree-sitter: ${detail}`);
      void connection.window.showErrorMessage(
        `rust-future-size: cannot load the Rust parser: ${String(error)}`,
      );
      return false;
    },
  );
}

/** Builds the server's parts, each with the others it needs, and starts listening. */
export function startServer(connection: Connection, options: ServerOptions): void {
  const client = new ClientSession();
  const clippy = new ClippyConfig(
    (message) => {
      connection.console.warn(`[clippy] ${message}`);
      void connection.window.showWarningMessage(`rust-future-size: ${message}`);
    },
    () => client.workspace.folders,
  );
  const clippyThreshold = (uri: string) =>
    uri.startsWith('file:') ? (clippy.thresholdFor(filePathOf(uri))?.value ?? null) : null;
  const settings = new SettingsStore(connection, client, clippyThreshold);
  // Requests wait for the parser; a failure to load it is logged once and answered with nothing.
  const ready = loadParser(connection, options, () => documents.all().length);
  const documents = new DocumentStore(connection, settings, client, ready);
  const runner = new ObservedCrateRunner(
    (message) => connection.console.log(message),
    options.wasmPaths,
  );
  const workspace = new WorkspaceIndex(connection, documents, runner, client);
  // Dependencies are indexed in the background (on the crate index's thread) into the client's
  // storage, when it gives one.
  const dependencyIndexer = new DependencyIndexer(
    (message) => connection.console.log(message),
    runner,
  );
  client.onDidInitialize(() => {
    runner.cacheDir = client.cacheDir;
    dependencyIndexer.cacheDir = client.cacheDir;
  });
  documents.onDidLoadCrateGraph((graph) => dependencyIndexer.index(graph));
  reportDependencyProgress(connection, () => client.supports.progress, dependencyIndexer);
  const crateName = (root: string) => workspace.allCrates().find((c) => c.root === root)?.name;
  const status = new ServerStatus(connection, client, runner, crateName);
  workspace.onMissingDependency((notice) => status.missingDependency(notice));
  dependencyIndexer.onDidProgress((progress) => status.dependencyIndexing(progress));
  void ready.then(() => status.parserLoaded());
  // Every error the server logs goes through here: the status bar shows the last one.
  const logError = connection.console.error.bind(connection.console);
  connection.console.error = (message: string) => {
    logError(message);
    status.recordError(message);
  };
  const calibration = new CalibrationFeature(
    connection,
    documents,
    settings,
    workspace,
    runner,
    client,
  );
  const closedFiles = new WorkspaceDiagnostics(
    connection,
    documents,
    settings,
    client,
    runner,
    (file) => workspace.moduleAncestors(file),
    { docsUrl: options.docsUrl },
  );
  const diagnostics = new DiagnosticsFeature(
    connection,
    documents,
    settings,
    client,
    { docsUrl: options.docsUrl },
    closedFiles,
  );
  const inlayHints = new InlayHintsFeature(connection, documents, settings, client);
  workspace.onDidIndex(() => inlayHints.refresh());
  const features: Feature[] = [
    diagnostics,
    inlayHints,
    new HoversFeature(connection, documents),
    new CodeActionsFeature(connection, documents, () => client.supports.documentChanges),
    new LayoutDocumentFeature(connection, documents),
    calibration,
  ];
  const parts = {
    client,
    settings,
    documents,
    workspace,
    runner,
    clippy,
    diagnostics,
    calibration,
    status,
    features,
    dependencyIndexer,
  };
  new RustFutureSizeServer(connection, parts, options).listen();
}
