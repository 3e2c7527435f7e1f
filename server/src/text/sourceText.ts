/**
 * Source positions for the engine's 1-based line/column pairs. The engine reports where a value or
 * an `.await` starts; spans (a name, the `await` keyword) are recovered from the text here.
 * Columns are UTF-16 code units on both sides (tree-sitter's and LSP's default), so no conversion.
 * No LSP imports: `Pos` and `Span` have the shape of LSP's Position and Range.
 */
import type { AwaitPoint, FutureReport, HeldValue } from '../analysis/report';

export interface Pos {
  line: number;
  character: number;
}

export interface Span {
  start: Pos;
  end: Pos;
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;

export class SourceText {
  /** Where each line starts, found on first use (a keystroke's analysis is asked about a few lines, not all). */
  private starts: Uint32Array | null = null;
  private split: string[] | null = null;

  constructor(readonly text: string) {}

  /** Every line, without its line break. */
  get lines(): string[] {
    return (this.split ??= this.text.split(/\r?\n/));
  }

  get lineCount(): number {
    return this.lineStarts().length;
  }

  lineText(line0: number): string {
    return this.linesJoined(line0, 1);
  }

  /** `count` lines from `line0` joined with `\n` (fewer at the end of the text). */
  private linesJoined(line0: number, count: number): string {
    const starts = this.lineStarts();
    if (line0 < 0 || line0 >= starts.length) {
      return '';
    }
    const last = Math.min(line0 + count, starts.length) - 1;
    const end = last + 1 < starts.length ? starts[last + 1] - 1 : this.text.length;
    const text = this.text.slice(starts[line0], end);
    if (!text.includes('\r')) {
      return text;
    }
    // As `split(/\r?\n/)` would: a CR belongs to the line break only right before a LF.
    const joined = text.replace(/\r\n/g, '\n');
    return end < this.text.length && joined.endsWith('\r') ? joined.slice(0, -1) : joined;
  }

  private lineStarts(): Uint32Array {
    if (!this.starts) {
      let count = 1;
      for (let at = this.text.indexOf('\n'); at >= 0; at = this.text.indexOf('\n', at + 1)) {
        count++;
      }
      const starts = new Uint32Array(count);
      let line = 1;
      for (let at = this.text.indexOf('\n'); at >= 0; at = this.text.indexOf('\n', at + 1)) {
        starts[line++] = at + 1;
      }
      this.starts = starts;
    }
    return this.starts;
  }

  /** The span of the identifier (or single character) at a 1-based position. */
  wordAt(line: number, column: number): Span {
    const line0 = line - 1;
    const start = column - 1;
    const text = this.lineText(line0);
    IDENT.lastIndex = start;
    const match = IDENT.exec(text);
    const length = match ? match[0].length : Math.min(1, Math.max(0, text.length - start));
    return {
      start: { line: line0, character: start },
      end: { line: line0, character: start + length },
    };
  }

  /** The span of a held value's name (a binding pattern may start with `mut` or `ref`). */
  valueSpan(value: Pick<HeldValue, 'name' | 'line' | 'column'>): Span {
    const line0 = value.line - 1;
    const text = this.lineText(line0);
    if (value.name) {
      const from = value.column - 1;
      const at = text.indexOf(value.name, from);
      if (at >= 0 && at - from <= 8 && isWordBoundary(text, at, value.name.length)) {
        return {
          start: { line: line0, character: at },
          end: { line: line0, character: at + value.name.length },
        };
      }
    }
    return this.wordAt(value.line, value.column);
  }

  /** The `await` keyword of an await point. */
  awaitSpan(point: Pick<AwaitPoint, 'line' | 'column'>): Span {
    const line0 = point.line - 1;
    const start = point.column - 1;
    return {
      start: { line: line0, character: start },
      end: { line: line0, character: start + 'await'.length },
    };
  }

  /** The name of an async fn, or the `async` keyword of a block (the body's start for a closure). */
  futureNameSpan(future: Pick<FutureReport, 'kind' | 'line' | 'column'>): Span {
    const line0 = future.line - 1;
    const start = future.column - 1;
    if (future.kind === 'fn') {
      const rest = this.linesJoined(line0, 4).slice(start);
      const match =
        /^async\s+(?:unsafe\s+)?(?:extern\s+(?:"[^"]*"\s+)?)?fn\s+(?:r#)?([A-Za-z_][A-Za-z0-9_]*)/.exec(
          rest,
        );
      if (match) {
        const nameOffset = match[0].length - match[1].length;
        return this.spanFrom(line0, start, nameOffset, match[1].length);
      }
    }
    return this.wordAt(future.line, future.column);
  }

  /** Where a line's last non-blank character ends. */
  endOfLine(line0: number): Pos {
    return { line: line0, character: this.lineText(line0).trimEnd().length };
  }

  /** The span `length` characters long that starts `offset` characters (across lines) after a position. */
  private spanFrom(line0: number, character: number, offset: number, length: number): Span {
    let line = line0;
    let col = character + offset;
    while (col > this.lineText(line).length && line < this.lineCount - 1) {
      col -= this.lineText(line).length + 1;
      line++;
    }
    return { start: { line, character: col }, end: { line, character: col + length } };
  }

  /**
   * The initializer of the `let` that declares a binding at a 1-based position: the text after `=`
   * up to the `;` that ends the statement (nested brackets skipped), or null when there is none.
   */
  initializerOf(line: number, column: number): string | null {
    const line0 = line - 1;
    const before = this.lineText(line0).slice(0, column - 1);
    if (!/\blet\s+(?:mut\s+)?$/.test(before) && !/\blet\s*(?:\(|\w+\s*[({])/.test(before)) {
      return null;
    }
    const rest = this.linesJoined(line0, 40).slice(column - 1);
    let depth = 0;
    let start = -1;
    for (let i = 0; i < rest.length; i++) {
      const c = rest[i];
      if (c === '"') {
        i = skipString(rest, i);
        continue;
      }
      if ('([{'.includes(c)) {
        depth++;
      } else if (')]}'.includes(c)) {
        if (depth === 0) {
          return null;
        }
        depth--;
      } else if (
        depth === 0 &&
        c === '=' &&
        start < 0 &&
        rest[i + 1] !== '=' &&
        rest[i + 1] !== '>' &&
        !'=!<>'.includes(rest[i - 1] ?? '')
      ) {
        start = i + 1;
      } else if (depth === 0 && c === ';') {
        return start < 0 ? null : rest.slice(start, i).trim();
      }
    }
    return null;
  }
}

function isWordBoundary(text: string, at: number, length: number): boolean {
  const word = /[A-Za-z0-9_]/;
  return !word.test(text[at - 1] ?? '') && !word.test(text[at + length] ?? '');
}

function skipString(text: string, quote: number): number {
  for (let i = quote + 1; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
    } else if (text[i] === '"') {
      return i;
    }
  }
  return text.length;
}
