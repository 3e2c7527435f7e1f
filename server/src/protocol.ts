/**
 * Names shared by the language server, the VS Code client and the tests. Plain constants and types
 * only: the client imports this file, so it must not pull in the server or the analysis.
 */

/** The settings section (`rustFutureSize.*`); also the LanguageClient id, so `rustFutureSize.trace.server` works. */
export const SETTINGS_SECTION = 'rustFutureSize';

/** `source` of every diagnostic. */
export const DIAGNOSTIC_SOURCE = 'rust-future-size';

/** Stable diagnostic codes; each one is a heading (and so an anchor) in the README. */
export const DIAGNOSTIC_CODES = [
  'large-value-held-across-await',
  'large-future',
  'guard-held-across-await',
] as const;
export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];

export const Commands = {
  showFutureLayout: 'rustFutureSize.showFutureLayout',
  restartServer: 'rustFutureSize.restartServer',
  /** A client command (a held value's inlay hint): selects `arguments[0]`, a `RevealAwaitArgs`. */
  revealAwait: 'rustFutureSize.revealAwait',
  /** A server command (`workspace/executeCommand`): calibrates the crate of `arguments[0].uri`. */
  measureExactSizes: 'rustFutureSize.measureExactSizes',
} as const;

/** `initializationOptions` the server understands; every field is optional. */
export interface InitializationOptions {
  /**
   * Whether the workspace is trusted (VS Code's workspace trust). Calibration runs `cargo`, which
   * runs build scripts and procedural macros, so it is refused when this is `false`. Clients that do
   * not send it are treated as trusted: they run the command only when their user asks for it.
   */
  workspaceTrusted?: boolean;
  /** Whether the client wants `rustFutureSize/serverStatus` notifications (off when not sent). */
  serverStatus?: boolean;
  /**
   * A folder the server may keep dependencies' indexed items in across sessions (VS Code's global
   * storage); without it they are read from their sources in every session.
   */
  cacheDir?: string;
}

/** Notification, client → server: the workspace's trust changed (VS Code can only grant it). */
export const WORKSPACE_TRUST_NOTIFICATION = 'rustFutureSize/workspaceTrust';
export interface WorkspaceTrustParams {
  trusted: boolean;
}

/** `arguments[0]` of `rustFutureSize.revealAwait`: the `await` keyword to select (LSP, 0-based). */
export interface RevealAwaitArgs {
  uri: string;
  range: {
    start: { line: number; character: number };
    end: { line: number; character: number };
  };
}

/** `arguments[0]` of `rustFutureSize.measureExactSizes`: a document of the crate to measure. */
export interface MeasureExactSizesArgs {
  uri: string;
}

/** What `rustFutureSize.measureExactSizes` answers; the server also says it in a message. */
export type MeasureExactSizesResult =
  | { ok: true; crate: string; file: string; measured: number; total: number; rustc: string }
  | { ok: false; error: string; cancelled?: boolean };

/** `// rust-future-size: allow(CODE)` on the line above a diagnostic silences it. */
export const ALLOW_COMMENT_PREFIX = 'rust-future-size: allow';

/** URI scheme and language id of the read-only "Show Future Layout" documents. */
export const LAYOUT_SCHEME = 'rust-future-layout';
export const LAYOUT_LANGUAGE_ID = 'rust-future-layout';

/** Custom request: the layout of the future at a position, as the text of a read-only document. */
export const FUTURE_LAYOUT_REQUEST = 'rustFutureSize/futureLayout';

export interface FutureLayoutParams {
  textDocument: { uri: string };
  /** 0-based, UTF-16 (LSP). */
  position: { line: number; character: number };
}

/** `null` when no future encloses the position. */
export type FutureLayoutResult = {
  /** The future's name, for the document title. */
  name: string;
  text: string;
} | null;

/** What `Diagnostic.data` carries, so code actions find their fixes again. */
export interface DiagnosticData {
  /** `code:future:line:col`, unique within one version of a document. */
  id: string;
  /** FutureReport.name of the future the finding is about. */
  future: string;
  /** The held value the finding is about (1-based), or null for a whole future. */
  target: { line: number; column: number } | null;
  /** Where the future starts (1-based `async` keyword): fixes are matched by it, as names differ between single-file and crate analyses. */
  futureAt?: { line: number; column: number };
}

/**
 * Notification, server → client, sent only to clients that ask for it
 * (`InitializationOptions.serverStatus`): what the server is doing, for a status bar. Each one
 * replaces the last; `lastError` stays until a newer error replaces it.
 */
export const SERVER_STATUS_NOTIFICATION = 'rustFutureSize/serverStatus';
export type ServerState = 'starting' | 'indexing' | 'measuring' | 'idle';
export interface ServerStatusParams {
  state: ServerState;
  /** `indexing`/`measuring`: the crate's name. */
  crate?: string;
  /** `indexing`: how many files the crate analysis reads, once the module tree is known. */
  files?: number;
  /** A short line for the tooltip (`reading the module tree`, cargo's progress). */
  message?: string;
  /** The last error the server logged, with when (ISO 8601); null when there was none. */
  lastError: { message: string; at: string } | null;
  /**
   * Dependencies a size needed whose sources are not on this machine, with why
   * (`tokio 1.24.2: sources not found`): their types are lower bounds. Unset when none.
   */
  missingDependencies?: string[];
  /** While the dependencies are indexed in the background: how many of how many are done. */
  dependencies?: { indexed: number; total: number };
}
