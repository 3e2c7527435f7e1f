/**
 * The per-future ratchet: every future compared with rustc gets a verdict of its own, and the known
 * gaps are an explicit list that may only shrink.
 *
 * A gap is recorded with its exact mismatch text, so a future that gets worse in another way fails
 * too, and a gap that closes fails until it is taken off the list (`RFS_SHRINK_GAPS=1` rewrites the
 * list with the closed gaps removed; it never adds one).
 */
import * as fs from 'fs';
import * as path from 'path';
import { FileComparison, describeMismatch } from './compare';

/** `file name` → what differs from rustc (null when the future matches rustc exactly). */
export type Verdicts = Map<string, string | null>;

/** Known gaps per corpus: `file name` → the mismatch text, and the reason it is accepted for now. */
export type GapList = Record<string, Record<string, { mismatch: string; why: string }>>;

/**
 * One verdict per future of the comparisons, keyed by the file (relative to `root`) and the future's
 * name; the mismatch text leaves out the line and file, which `describeMismatch` puts first.
 */
export function futureVerdicts(comparisons: FileComparison[], root: string): Verdicts {
  const verdicts: Verdicts = new Map();
  const add = (file: string, name: string, verdict: string | null) => {
    const base = `${relative(root, file)} ${name}`;
    let key = base;
    for (let n = 2; verdicts.has(key); n++) {
      key = `${base} #${n}`;
    }
    verdicts.set(key, verdict);
  };
  for (const comparison of comparisons) {
    for (const score of comparison.scores) {
      const mismatch = describeMismatch(score);
      add(score.file, score.name, mismatch === null ? null : mismatch.slice(mismatch.indexOf(`${score.name}: `) + score.name.length + 2));
    }
    for (const future of comparison.unmatchedEngine) {
      add(future.file, future.name, future.skipped !== undefined ? `skipped (${future.skipped})` : 'no matching rustc future');
    }
    for (const future of comparison.unmatchedRustc) {
      add(comparison.file, future.name, `not reported by the engine (rustc size ${future.size})`);
    }
  }
  return verdicts;
}

function relative(root: string, file: string): string {
  const edition = / \(edition \d+\)$/.exec(file)?.[0] ?? '';
  const bare = file.slice(0, file.length - edition.length);
  return (path.isAbsolute(bare) ? path.relative(root, bare) : bare).split(path.sep).join('/') + edition;
}

export interface RatchetResult {
  /** Futures that differ from rustc and are not on the list, or differ otherwise than listed. */
  regressions: string[];
  /** Listed gaps whose future now matches rustc (or is gone): the list must shrink. */
  closed: string[];
}

/** Checks verdicts whose keys start with `prefix` against the gaps listed for them. */
export function checkRatchet(verdicts: Verdicts, gaps: Record<string, { mismatch: string }>, prefix = ''): RatchetResult {
  const regressions: string[] = [];
  const closed: string[] = [];
  for (const [key, verdict] of verdicts) {
    if (!key.startsWith(prefix) || verdict === null) {
      continue;
    }
    const gap = gaps[key];
    if (!gap) {
      regressions.push(`${key}: ${verdict}`);
    } else if (gap.mismatch !== verdict) {
      regressions.push(`${key}: ${verdict} (the known gap was: ${gap.mismatch})`);
    }
  }
  for (const [key, gap] of Object.entries(gaps)) {
    if (key.startsWith(prefix) && !verdicts.get(key)) {
      closed.push(`${key}: was ${gap.mismatch}`);
    }
  }
  return { regressions, closed };
}

/** Reads the gap list; with `RFS_SHRINK_GAPS=1`, `shrinkGaps` later writes it back without closed gaps. */
export function readGaps(file: string): GapList {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as GapList) : {};
}

/** Removes the closed gaps of one corpus from the list file (never adds any). */
export function shrinkGaps(file: string, corpus: string, verdicts: Verdicts): void {
  const list = readGaps(file);
  const gaps = list[corpus] ?? {};
  for (const key of Object.keys(gaps)) {
    if (!verdicts.get(key)) {
      delete gaps[key];
    }
  }
  list[corpus] = gaps;
  fs.writeFileSync(file, JSON.stringify(list, null, 2) + '\n');
}

/** Whether a mismatch text claims an exact size that differs from rustc's (the worst defect). */
export function isWrongExactClaim(mismatch: string): boolean {
  return /^size engine \d+ vs rustc/.test(mismatch);
}

/** Whether a mismatch text is a lower bound above rustc's size. */
export function isInvalidBound(mismatch: string): boolean {
  const m = /^size engine (\d+) \(lower bound\) vs rustc (\d+)/.exec(mismatch);
  return m !== null && Number(m[1]) > Number(m[2]);
}
