/**
 * While a file does not parse, tree-sitter's error recovery can swallow code far from the mistake:
 * one half-typed `=>` in a match arm can turn every fn below it into ERROR nodes, and their hints
 * would vanish until the arm is finished. Those fns did not change, so their last analysis still
 * holds: it is kept, moved to where their text is now, until the file parses again. A future that
 * disappeared for a reason (deleted, edited, commented out, inside a string now) is not inside an
 * ERROR node, or its text is no longer where it was, and is not kept.
 */
import type { SyntaxNode } from '../syntax/parser';
import type { FileReport, FutureReport } from '../report';
import { shiftReport } from './shiftReport';

/** A fn of one analysis with the reports of its futures, and what it takes to find its text in the next version of the file. */
export interface FutureRecord {
  reports: FutureReport[];
  text: string;
  /** Where its text starts in the file (string index), and that position as a 0-based row and column. */
  start: number;
  anchor: { row: number; column: number };
}

/**
 * The fns of `previous` (the last analysis of the same document, `previousLength` characters long)
 * hidden from `report` by parse errors, with their futures moved to where their text is now in
 * `text`. `present`: where the fns of `report` start (string indices).
 */
export function hiddenFutures(
  previous: readonly FutureRecord[],
  previousLength: number,
  report: FileReport,
  present: ReadonlySet<number>,
  text: string,
  root: SyntaxNode,
): FutureRecord[] {
  if (previous.length === 0 || !root.hasError) {
    return [];
  }
  const lengthDelta = text.length - previousLength;
  let lineStarts: number[] | null = null;
  const kept: FutureRecord[] = [];
  for (const record of previous) {
    // One edit since the last analysis either moved the text by its length change or left it in place.
    const start = [record.start + lengthDelta, record.start].find(
      (at) => at >= 0 && isAt(text, record.text, at),
    );
    if (start === undefined || present.has(start) || !insideError(root, start)) {
      continue;
    }
    lineStarts ??= startsOfLines(text);
    const anchor = positionOf(lineStarts, start);
    const reports = record.reports.map((r) => ({
      ...shiftReport(r, record.anchor, anchor, report.file),
      kept: true,
    }));
    kept.push({ reports, text: record.text, start, anchor });
  }
  return kept;
}

/**
 * `text.startsWith(part, at)`, which V8 compares character by character: every fn of a large file
 * is looked for on every keystroke, and a slice compared with `===` is compared as memory.
 */
function isAt(text: string, part: string, at: number): boolean {
  return text.slice(at, at + part.length) === part;
}

function insideError(root: SyntaxNode, index: number): boolean {
  for (
    let node: SyntaxNode | null = root.descendantForIndex(index);
    node && node.id !== root.id;
    node = node.parent
  ) {
    if (node.type === 'ERROR') {
      return true;
    }
  }
  return false;
}

function startsOfLines(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    starts.push(i + 1);
  }
  return starts;
}

function positionOf(lineStarts: readonly number[], index: number): { row: number; column: number } {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (lineStarts[mid] <= index) {
      low = mid;
    } else {
      high = mid - 1;
    }
  }
  return { row: low, column: index - lineStarts[low] };
}
