/**
 * What a lint is and what it finds. Plain data, no LSP types: `lsp/diagnostics.ts` turns findings
 * into LSP diagnostics and the CLI prints them as text or SARIF.
 */
import type { FileReport, FutureReport, HeldValue } from '../analysis/report';
import type { DiagnosticCode } from '../protocol';
import type { SourceText, Span } from '../text/sourceText';

/** clippy's lint groups (https://doc.rust-lang.org/clippy/lints.html). */
export type ClippyGroup =
  | 'correctness'
  | 'suspicious'
  | 'style'
  | 'complexity'
  | 'perf'
  | 'pedantic'
  | 'restriction'
  | 'nursery'
  | 'cargo';

/** A clippy lint one of ours mirrors: `#[allow(clippy::NAME)]` and its group silence ours too. */
export interface ClippyLint {
  name: string;
  group: ClippyGroup;
}

/** The level a reported finding has: rustc's `warn`, or `deny`/`forbid` (an error). */
export type ReportedLevel = 'warn' | 'deny';

export interface Finding {
  code: DiagnosticCode;
  /** `code:future:line:col`, unique within one version of a document. */
  id: string;
  future: FutureReport;
  /** The held value the finding is about, or null for the whole future. */
  target: HeldValue | null;
  span: Span;
  /** First line clippy-style (lowercase, no final period); later lines `help:`/`note:`. */
  message: string;
  related: { span: Span; message: string }[];
  /** The clippy lint this finding is an instance of, whose attributes set its level, if any. */
  clippy: ClippyLint | null;
  level: ReportedLevel;
}

export interface LintOptions {
  largeValueThreshold: number;
  largeFutureThreshold: number;
}

export interface Lint {
  code: DiagnosticCode;
  /** The clippy lints it mirrors (a finding names which one it is). */
  clippy: readonly ClippyLint[];
  /** Its level when no attribute or setting says otherwise. */
  defaultLevel: ReportedLevel;
  /** One sentence: what it reports. */
  description: string;
  /** Every finding of the lint in a file, before levels are applied. */
  check(report: FileReport, source: SourceText, options: LintOptions): Finding[];
}

/** `code:future:line:col`. */
export function findingId(
  code: DiagnosticCode,
  future: FutureReport,
  at: { line: number; column: number },
): string {
  return `${code}:${future.name}:${at.line}:${at.column}`;
}

/** The futures a lint looks at: those the engine analysed. */
export function analysedFutures(report: FileReport): FutureReport[] {
  return report.futures.filter((future) => !future.skipped);
}
