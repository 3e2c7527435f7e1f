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
      add(
        score.file,
        score.name,
        mismatch === null
          ? null
          : mismatch.slice(mismatch.indexOf(`${score.name}: `) + score.name.length + 2),
      );
    }
    for (const future of comparison.unmatchedEngine) {
      add(
        future.file,
        future.name,
        future.skipped !== undefined ? `skipped (${future.skipped})` : 'no matching rustc future',
      );
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
  return (
    (path.isAbsolute(bare) ? path.relative(root, bare) : bare).split(path.sep).join('/') + edition
  );
}

export interface RatchetResult {
  /** Futures that differ from rustc and are not on the list, or differ otherwise than listed. */
  regressions: string[];
  /** Listed gaps whose future now matches rustc (or is gone): the list must shrink. */
  closed: string[];
}

/** Checks verdicts whose keys start with `prefix` against the gaps listed for them. */
export function checkRatchet(
  verdicts: Verdicts,
  gaps: Record<string, { mismatch: string }>,
  prefix = '',
): RatchetResult {
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

/**
 * The ratchet of a real crate, coarser than the fixtures' (its lower bounds move with every rule
 * added): the futures that match rustc exactly stay exact (the list only grows), the futures whose
 * held values differ from rustc are listed (only shrinks), and a wrong exact size or a bound above
 * rustc's is allowed only where listed with its text (only shrinks; the target is none).
 */
export interface RealRatchet {
  exact: string[];
  heldGaps: string[];
  wrong: Record<string, string>;
}

export interface RealRatchetResult {
  /** Exact futures that are exact no more, new held-value gaps, and new or changed wrong sizes. */
  regressions: string[];
  /** Listed gaps and wrong sizes that are gone: the list must shrink. */
  closed: string[];
  /** Futures now exact that the list does not name yet (the list may grow). */
  newlyExact: string[];
}

export function checkRealRatchet(verdicts: Verdicts, ratchet: RealRatchet): RealRatchetResult {
  const regressions: string[] = [];
  const closed: string[] = [];
  const newlyExact: string[] = [];
  const exact = new Set(ratchet.exact);
  const held = new Set(ratchet.heldGaps);
  for (const key of exact) {
    const verdict = verdicts.get(key);
    if (verdict !== null) {
      regressions.push(`${key}: was exact, now ${verdict === undefined ? 'gone' : verdict}`);
    }
  }
  for (const [key, verdict] of verdicts) {
    if (verdict === null) {
      if (!exact.has(key)) {
        newlyExact.push(key);
      }
      continue;
    }
    if ((isWrongExactClaim(verdict) || isInvalidBound(verdict)) && ratchet.wrong[key] !== verdict) {
      regressions.push(
        `${key}: ${verdict}${ratchet.wrong[key] ? ` (listed as: ${ratchet.wrong[key]})` : ''}`,
      );
    }
    if (/\bawait \d+: /.test(verdict) && !held.has(key)) {
      regressions.push(`${key}: held values differ from rustc: ${verdict}`);
    }
  }
  for (const key of held) {
    if (!/\bawait \d+: /.test(verdicts.get(key) ?? '')) {
      closed.push(`${key}: held values now as rustc`);
    }
  }
  for (const [key, text] of Object.entries(ratchet.wrong)) {
    if (verdicts.get(key) !== text) {
      closed.push(`${key}: no longer ${text}`);
    }
  }
  return { regressions, closed, newlyExact };
}

/** The ratchet the verdicts make now (what `RFS_SHRINK_GAPS=1` writes: closed gaps gone, new exact futures in). */
export function realRatchetOf(verdicts: Verdicts, previous?: RealRatchet): RealRatchet {
  const exact = [...verdicts]
    .filter(([, v]) => v === null)
    .map(([k]) => k)
    .sort();
  const heldGaps = [...verdicts]
    .filter(([, v]) => v !== null && /\bawait \d+: /.test(v))
    .map(([k]) => k)
    .sort();
  const wrong = Object.fromEntries(
    [...verdicts].filter(([, v]) => v !== null && (isWrongExactClaim(v) || isInvalidBound(v))) as [
      string,
      string,
    ][],
  );
  if (!previous) {
    return { exact, heldGaps, wrong };
  }
  // Shrinking never lists anything new that is worse: only what was listed and still holds.
  const wasHeld = new Set(previous.heldGaps);
  return {
    exact,
    heldGaps: heldGaps.filter((k) => wasHeld.has(k)),
    wrong: Object.fromEntries(Object.entries(wrong).filter(([k, v]) => previous.wrong[k] === v)),
  };
}
