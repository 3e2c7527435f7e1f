/**
 * `// rust-future-size: allow(CODE, ...)` on the line directly above a finding silences it; the
 * "Allow `CODE` here" code action writes or extends such a comment.
 */
import { ALLOW_COMMENT_PREFIX } from '../protocol';

/** The prefix as a pattern: its spaces may be any spacing. */
function escapedPrefix(): string {
  return ALLOW_COMMENT_PREFIX.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s*');
}

const ALLOW_COMMENT = new RegExp(String.raw`^\s*//\s*${escapedPrefix()}\(\s*([^)]*)\)`);

/** The codes a `// rust-future-size: allow(...)` line names; null when it is no such comment. */
export function allowCommentCodes(line: string): string[] | null {
  const match = ALLOW_COMMENT.exec(line);
  if (!match) {
    return null;
  }
  return match[1]
    .split(',')
    .map((code) => code.trim())
    .filter((code) => code.length > 0);
}

/**
 * Whether the line above `line0` (0-based) is an allow comment naming `code`. `lineText` gives a
 * line ('' past the end): a file's diagnostics read the lines above their findings, not all.
 */
export function allowedByComment(
  lineText: (line0: number) => string,
  line0: number,
  code: string,
): boolean {
  return line0 > 0 && (allowCommentCodes(lineText(line0 - 1))?.includes(code) ?? false);
}

export interface TextInsertion {
  /** 0-based; `start === end` inserts. */
  start: { line: number; character: number };
  end: { line: number; character: number };
  newText: string;
}

/**
 * The edit behind "Allow `CODE` here": a comment with the line's indentation inserted above it, or
 * the code added to an allow comment that is already there.
 */
export function allowCommentEdit(
  lines: readonly string[],
  line0: number,
  code: string,
  eol: string,
): TextInsertion {
  const above = line0 > 0 ? (lines[line0 - 1] ?? '') : '';
  const codes = line0 > 0 ? allowCommentCodes(above) : null;
  const list = codes ? ALLOW_COMMENT.exec(above) : null;
  if (codes && list) {
    // Only the list in the parentheses changes; whatever follows them (a reason) stays.
    const close = list.index + list[0].length - 1;
    const open = above.lastIndexOf('(', close);
    return {
      start: { line: line0 - 1, character: open + 1 },
      end: { line: line0 - 1, character: close },
      newText: [...codes, code].join(', '),
    };
  }
  const indent = /^\s*/.exec(lines[line0] ?? '')![0];
  return {
    start: { line: line0, character: 0 },
    end: { line: line0, character: 0 },
    newText: `${indent}// ${ALLOW_COMMENT_PREFIX}(${code})${eol}`,
  };
}
