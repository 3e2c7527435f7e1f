/**
 * Names shared by the language server, the VS Code client and the tests. Plain constants and types
 * only: the client imports this file, so it must not pull in the server or the analysis.
 */

/** The settings section (`rustFutureSize.*`); also the LanguageClient id, so `rustFutureSize.trace.server` works. */
export const SETTINGS_SECTION = 'rustFutureSize';

/** `source` of every diagnostic. */
export const DIAGNOSTIC_SOURCE = 'rust-future-size';

/** Stable diagnostic codes; each one is a heading (and so an anchor) in the README. */
export const DIAGNOSTIC_CODES = ['large-value-held-across-await', 'large-future', 'guard-held-across-await'] as const;
export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];

export const Commands = {
  showFutureLayout: 'rustFutureSize.showFutureLayout',
  restartServer: 'rustFutureSize.restartServer',
} as const;

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
}
