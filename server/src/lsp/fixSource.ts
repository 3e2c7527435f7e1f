/**
 * Where the language server gets its fixes: the analysis layer's `computeFixes`, which the CLI uses
 * too, so an editor quick fix and `rust-future-size fix` make exactly the same change; and the
 * refactorings asked for at the cursor (`computeRefactorings`), planned for those lines only.
 */
import type { Edition } from '../analysis/engine';
import { computeFixes } from '../analysis/fixes/fixes';
import { computeRefactorings } from '../analysis/fixes/refactorings';
import type { Fix } from '../analysis/fixes/fixTypes';
import type { FileReport } from '../analysis/report';

/**
 * How long checking a file's candidate fixes may block the server. Far above what real files take
 * (a few hundred ms); a file of deeply nested async blocks, where each candidate re-walks the whole
 * fn, gets the fixes checked by then instead of a server that stops answering.
 */
const FIX_BUDGET_MS = 5000;

export function fixesFor(text: string, report: FileReport, edition: Edition): Fix[] {
  const deadline = performance.now() + FIX_BUDGET_MS;
  return computeFixes(text, report, { file: report.file, edition, deadline });
}

/** Refactorings for the bindings declared on 0-based lines `fromLine..=toLine`. */
export function refactoringsFor(
  text: string,
  report: FileReport,
  edition: Edition,
  fromLine: number,
  toLine: number,
): Fix[] {
  return computeRefactorings(text, report, fromLine + 1, toLine + 1, {
    file: report.file,
    edition,
  });
}
