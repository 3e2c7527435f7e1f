/**
 * Every lint, in the order its findings are listed within a future. The README documents each
 * code under a heading of that name.
 */
import type { FileReport, FutureReport } from '../analysis/report';
import type { DiagnosticCode } from '../protocol';
import type { SourceText } from '../text/sourceText';
import type { Finding, Lint, LintOptions } from './finding';
import { instancesOf } from '../analysis/coroutine/instanceReports';
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

/**
 * Each future's findings, every lint's, while the engine hands out the same report object: a
 * keystroke keeps the reports of the fns it did not touch (`keptReports.ts`), and only the edited
 * fn's futures are linted again. A report object is the same only while its fn's text and place
 * are, and a finding reads the text at its future's positions alone (its spans), all in that fn.
 */
const findingsMemo = new WeakMap<
  FutureReport,
  { options: string; instances: readonly FutureReport[]; findings: Finding[] }
>();

/** The same instance reports, one for one (a generic fn is judged by its largest instance). */
function sameReports(a: readonly FutureReport[], b: readonly FutureReport[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}

/** Every lint's findings in a file, future by future, before levels are applied. */
export function checkFile(report: FileReport, source: SourceText, options: LintOptions): Finding[] {
  const key = `${options.largeValueThreshold}|${options.largeFutureThreshold}`;
  const findings: Finding[] = [];
  for (const future of report.futures) {
    let memo = findingsMemo.get(future);
    const instances = instancesOf(report, future);
    if (!memo || memo.options !== key || !sameReports(memo.instances, instances)) {
      // Each lint looks at one future at a time: given this one alone, it finds this one's.
      const alone: FileReport = { ...report, futures: [future] };
      // Within a future, the lints' order.
      memo = {
        options: key,
        instances,
        findings: LINTS.flatMap((lint) => lint.check(alone, source, options)),
      };
      findingsMemo.set(future, memo);
    }
    findings.push(...memo.findings);
  }
  return findings;
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
    lineText: (line0) => source.lineText(line0),
    ancestors,
  });
}
