/**
 * Applies SourceEdits to a text, refusing anything that could corrupt it: edits that overlap,
 * positions outside the text or inside a CRLF pair, and fixes computed for another version.
 * Pure: no file system, no LSP, so the CLI, the language server and the tests share it.
 */
import type { Fix, SourceEdit, SourcePosition } from './fixTypes';

export type ApplyResult = { ok: true; text: string } | { ok: false; reason: string };

/**
 * A short fingerprint of a text: its length and a 53-bit hash of its UTF-16 code units.
 * Fixes carry the fingerprint of the text they were computed for; a different text never matches
 * in practice, so a stale fix cannot be applied to a newer version of the file.
 */
export function sourceHash(text: string): string {
  // cyrb53 (public domain): two multiplicative 32-bit lanes mixed at the end.
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const hash = 4294967296 * (2097151 & h2) + (h1 >>> 0);
  return `${text.length.toString(36)}-${hash.toString(36)}`;
}

/** Offsets of the first character of every line (lines end at `\n`, as in tree-sitter). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    starts.push(i + 1);
  }
  return starts;
}

/** The offset of `pos`, or null when it is not inside the text (past a line end, inside `\r\n`). */
export function offsetAt(
  text: string,
  starts: readonly number[],
  pos: SourcePosition,
): number | null {
  if (
    !Number.isInteger(pos.row) ||
    !Number.isInteger(pos.column) ||
    pos.row < 0 ||
    pos.column < 0 ||
    pos.row >= starts.length
  ) {
    return null;
  }
  const lineEnd = pos.row + 1 < starts.length ? starts[pos.row + 1] - 1 : text.length;
  const offset = starts[pos.row] + pos.column;
  if (offset > lineEnd) {
    return null;
  }
  // Splitting a `\r\n` pair or a surrogate pair would corrupt the text.
  if (offset > 0 && offset < text.length && text[offset] === '\n' && text[offset - 1] === '\r') {
    return null;
  }
  if (
    offset > 0 &&
    offset < text.length &&
    isLowSurrogate(text.charCodeAt(offset)) &&
    isHighSurrogate(text.charCodeAt(offset - 1))
  ) {
    return null;
  }
  return offset;
}

/** An edit as offsets into the text it applies to. */
export interface ResolvedEdit {
  start: number;
  end: number;
  newText: string;
  /** The edit as given (rows and columns of the same places). */
  edit: SourceEdit;
}

/**
 * `edits` as offsets into `text`, in text order; a reason when a position is invalid or two edits
 * overlap (two insertions at the same place too: their order would be a guess).
 */
export function resolveEdits(
  text: string,
  edits: readonly SourceEdit[],
): { ok: true; edits: ResolvedEdit[] } | { ok: false; reason: string } {
  const starts = lineStarts(text);
  const resolved: ResolvedEdit[] = [];
  for (const edit of edits) {
    const start = offsetAt(text, starts, edit.start);
    const end = offsetAt(text, starts, edit.end);
    if (start === null || end === null) {
      return { ok: false, reason: `edit at ${describe(edit.start)} is outside the text` };
    }
    if (end < start) {
      return { ok: false, reason: `edit at ${describe(edit.start)} ends before it starts` };
    }
    resolved.push({ start, end, newText: edit.newText, edit });
  }
  resolved.sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < resolved.length; i++) {
    const prev = resolved[i - 1];
    const next = resolved[i];
    if (
      next.start < prev.end ||
      (next.start === prev.start && (prev.start === prev.end || next.start === next.end))
    ) {
      return { ok: false, reason: 'edits overlap' };
    }
  }
  return { ok: true, edits: resolved };
}

/** The text with resolved edits (from {@link resolveEdits}) applied. */
export function applyResolved(text: string, resolved: readonly ResolvedEdit[]): string {
  let out = '';
  let at = 0;
  for (const edit of resolved) {
    out += text.slice(at, edit.start) + edit.newText;
    at = edit.end;
  }
  return out + text.slice(at);
}

/**
 * Applies `edits` (positions refer to `text`, not to each other's results).
 * Fails without changing anything when a position is invalid or two edits overlap; two insertions
 * at the same place are refused too, because their order would be a guess.
 */
export function applyEdits(text: string, edits: readonly SourceEdit[]): ApplyResult {
  const resolved = resolveEdits(text, edits);
  if (!resolved.ok) {
    return resolved;
  }
  return { ok: true, text: applyResolved(text, resolved.edits) };
}

/** Applies one fix, only to the exact text it was computed for. */
export function applyFix(text: string, fix: Pick<Fix, 'edits' | 'sourceHash'>): ApplyResult {
  return applyFixes(text, [fix]);
}

/**
 * Applies several fixes together. Every fix must have been computed for `text` (same
 * {@link sourceHash}) and no two may touch the same range; otherwise nothing is applied.
 */
export function applyFixes(
  text: string,
  fixes: readonly Pick<Fix, 'edits' | 'sourceHash'>[],
): ApplyResult {
  const hash = sourceHash(text);
  for (const fix of fixes) {
    if (fix.sourceHash === undefined) {
      return {
        ok: false,
        reason: 'the fix does not say which version of the file it was computed for',
      };
    }
    if (fix.sourceHash !== hash) {
      return { ok: false, reason: 'the file has changed since the fix was computed' };
    }
  }
  return applyEdits(
    text,
    fixes.flatMap((fix) => fix.edits),
  );
}

/** Whether two sets of edits touch overlapping ranges (then they cannot be applied together). */
export function editsConflict(a: readonly SourceEdit[], b: readonly SourceEdit[]): boolean {
  const key = (p: SourcePosition) => p.row * 1e7 + p.column;
  for (const x of a) {
    for (const y of b) {
      const xs = key(x.start);
      const xe = key(x.end);
      const ys = key(y.start);
      const ye = key(y.end);
      if ((xs < ye && ys < xe) || xs === ys) {
        return true;
      }
    }
  }
  return false;
}

function describe(pos: SourcePosition): string {
  return `${pos.row + 1}:${pos.column + 1}`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
