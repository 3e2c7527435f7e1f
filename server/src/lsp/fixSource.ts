/**
 * Where the language server gets its fixes: the analysis layer's `computeFixes`, which the CLI uses
 * too, so an editor quick fix and `rust-future-size fix` make exactly the same change.
 */
import type { Edition } from '../analysis/engine';
import { computeFixes } from '../analysis/fixes/fixes';
import type { Fix } from '../analysis/fixes/fixTypes';
import type { FileReport } from '../analysis/report';

export function fixesFor(text: string, report: FileReport, edition: Edition): Fix[] {
  return computeFixes(text, report, { file: report.file, edition });
}
