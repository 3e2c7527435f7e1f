/**
 * Refactorings on a held binding, asked for at the cursor: Move, Drop and Box where they are safe,
 * even when no diagnostic is shown and the future as a whole would not shrink (another await's
 * state sets its size). They are planned and verified as the quick fixes are (the result parses,
 * the engine sees no future grow), with two differences: a Box is offered for any value larger
 * than the pointer it becomes, and a fix that leaves the future's size unchanged is kept when the
 * state at its await gets smaller. Only bindings declared on the requested lines are planned, so
 * the cost stays that of a few candidates.
 */
import { computeFixes, FixOptions } from './fixes';
import type { Fix } from './fixTypes';
import type { FileReport } from '../report';

/** A Box must save something: a value of more than the pointer it becomes. */
export const REFACTOR_BOX_MIN_BYTES = 16;

/** The refactorings for bindings declared on 1-based lines `fromLine..=toLine`. */
export function computeRefactorings(
  text: string,
  report: FileReport,
  fromLine: number,
  toLine: number,
  options: FixOptions = {},
): Fix[] {
  return computeFixes(text, report, {
    boxValueMinBytes: REFACTOR_BOX_MIN_BYTES,
    ...options,
    refactorLines: { from: fromLine, to: toLine },
  });
}
