/**
 * Moving a report with its source text: an unchanged future keeps its analysis when code above it
 * changes, and only its positions (and position-based names, `async block@12:5`) move.
 */
import type { FutureReport, HeldValue } from '../report';

/** `report`, made when the future's text started at `was`, moved to where it starts now (0-based rows and columns). */
export function shiftReport(
  report: FutureReport,
  was: { row: number; column: number },
  now: { row: number; column: number },
  file: string,
): FutureReport {
  const rowDelta = now.row - was.row;
  const colDelta = now.column - was.column;
  if (rowDelta === 0 && colDelta === 0 && report.file === file) {
    return report;
  }
  const line = (l: number) => l + rowDelta;
  const col = (l: number, c: number) => (l - 1 === was.row ? c + colDelta : c);
  // Blocks and closures are named by position (`async block@12:5`); they live in the same fn, so move too.
  const renamed = (text: string) =>
    text.replace(
      /(async (?:block|closure))@(\d+)(?::(\d+))?/g,
      (_m, what: string, l: string, c?: string) =>
        `${what}@${line(+l)}${c === undefined ? '' : `:${col(+l, +c)}`}`,
    );
  const held = (h: HeldValue): HeldValue => ({
    ...h,
    line: line(h.line),
    column: col(h.line, h.column),
    endLine: line(h.endLine),
    endColumn: col(h.endLine, h.endColumn),
    type: h.type === null ? null : renamed(h.type),
  });
  return {
    ...report,
    file,
    name: renamed(report.name),
    unknown: report.unknown.map(renamed),
    line: line(report.line),
    column: col(report.line, report.column),
    endLine: line(report.endLine),
    upvars: report.upvars.map(held),
    awaits: report.awaits.map((a) => ({
      ...a,
      line: line(a.line),
      column: col(a.line, a.column),
      held: a.held.map(held),
    })),
    ...(report.rustcBlockAt
      ? {
          rustcBlockAt: {
            line: line(report.rustcBlockAt.line),
            column: col(report.rustcBlockAt.line, report.rustcBlockAt.column),
          },
        }
      : {}),
    nameSpan: report.nameSpan && {
      line: line(report.nameSpan.line),
      column: col(report.nameSpan.line, report.nameSpan.column),
      endLine: line(report.nameSpan.endLine),
      endColumn: col(report.nameSpan.endLine, report.nameSpan.endColumn),
    },
  };
}
