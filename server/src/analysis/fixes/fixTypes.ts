/**
 * Fixes are plain text edits computed in the analysis layer, so the CLI and the language server
 * apply exactly the same change. Positions are 0-based rows and UTF-16 columns (tree-sitter's own).
 */

export interface SourcePosition {
  row: number;
  column: number;
}

export interface SourceEdit {
  start: SourcePosition;
  end: SourcePosition;
  newText: string;
}

export type FixKind = 'wrap-in-block' | 'drop-before-await' | 'box-value' | 'box-pin-future';

export interface Fix {
  /** Stable within one version of a file: `kind:future:line:col`. */
  id: string;
  kind: FixKind;
  /** Imperative, clippy-style: "Move `buffer` into its own block". */
  title: string;
  /** Only where the edit is provably safe: no use after the await, no borrow escaping, no binding lost. */
  preferred: boolean;
  /** Why this fix is (not) preferred, or what it changes, for docs and tooltips. */
  detail: string;
  /** The future the fix shrinks (FutureReport.name) and the value it targets. */
  futureName: string;
  target: { name: string | null; line: number; column: number };
  /** Bytes the engine expects the future to shrink by (null when unknown). */
  expectedSaving: number | null;
  edits: SourceEdit[];
  /**
   * Fingerprint (`sourceHash` in applyEdits.ts) of the text the edits were computed for.
   * `applyFix` refuses a fix whose fingerprint does not match the text it is given.
   */
  sourceHash?: string;
  /** The first `.await` the fix frees the value at (1-based position of the `await` keyword, 0-based index). */
  await?: { index: number; line: number; column: number };
  /** What the engine says the value costs at that await (its size in that Suspend variant); null when unknown. */
  valueSize?: number | null;
  /**
   * `box-pin-future` only: the future put on the heap (`FutureReport.name` and 1-based position),
   * so the `large-future` diagnostic on it offers the fix where it is awaited or handed over.
   */
  pinned?: { name: string; line: number; column: number };
}
