/**
 * Every lint, in the order its findings are listed within a future. The README documents each
 * code under a heading of that name.
 */
import type { FileReport } from '../analysis/report';
import type { DiagnosticCode } from '../protocol';
import type { SourceText } from '../text/sourceText';
import type { Finding, Lint, LintOptions } from './finding';
import { guardHeldAcrossAwait } from './guardHeldAcrossAwait';
import { largeFuture } from './largeFuture';
import { largeValueHeldAcrossAwait } from './largeValueHeldAcrossAwait';
import { applyLintLevels, ModuleAncestor } from './levels';

export const LINTS: readonly Lint[] = [
  guardHeldAcrossAwait,
  largeValueHeldAcrossAwait,
  largeFuture,
];

export function lintOf(code: DiagnosticCode): Lint {
  return LINTS.find((lint) => lint.code === code)!;
}

/** Every lint's findings in a file, future by future, before levels are applied. */
export function checkFile(report: FileReport, source: SourceText, options: LintOptions): Finding[] {
  const order = new Map(report.futures.map((future, i) => [future, i]));
  const findings = LINTS.flatMap((lint) => lint.check(report, source, options));
  // Stable: within a future, the lints' order.
  return findings.sort((a, b) => (order.get(a.future) ?? 0) - (order.get(b.future) ?? 0));
}

/** The findings of a file that its lint levels report, each at its level. */
export function lintFile(
  report: FileReport,
  source: SourceText,
  options: LintOptions,
  ancestors?: () => readonly ModuleAncestor[],
): Finding[] {
  return applyLintLevels(checkFile(report, source, options), {
    text: source.text,
    lines: source.lines,
    ancestors,
  });
}
