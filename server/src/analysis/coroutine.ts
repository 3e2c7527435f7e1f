/**
 * rustc's coroutine layout (reference/coroutine-layout.md section 3): which saved locals are
 * promoted to the shared prefix, how variants overlap, and the resulting size and alignment.
 */
import { roundUp } from './layout';

export interface SavedLocal {
  size: number;
  align: number;
  /** Suspension points (variant indices) where the local is saved. */
  variants: Set<number>;
  /** Storage interval, for the conflict relation: [start, end). */
  start: number;
  end: number;
  /** MIR-like declaration order. */
  order: number;
  /** Forced into the prefix (drop flags conflict with everything). */
  forcePromote?: boolean;
}

export interface CoroutineShape {
  upvars: { size: number; align: number }[];
  locals: SavedLocal[];
  suspendCount: number;
}

export interface CoroutineLayout {
  size: number;
  align: number;
  tagSize: number;
  prefixSize: number;
  /** Indices into `locals` that went to the prefix. */
  promoted: Set<number>;
  /** End offset of each Suspend variant. */
  variantEnds: number[];
}

function conflicts(a: SavedLocal, b: SavedLocal): boolean {
  return a === b || (a.start < b.end && b.start < a.end) || !!a.forcePromote || !!b.forcePromote;
}

function trailingZeros(x: number): number {
  if (x === 0) {
    return 0;
  }
  let n = 0;
  while (x % 2 === 0) {
    x /= 2;
    n++;
  }
  return n;
}

export function layoutCoroutine(shape: CoroutineShape): CoroutineLayout {
  const n = shape.suspendCount;
  const tagSize = n + 3 <= 256 ? 1 : 2;
  const sorted = shape.locals.map((l, i) => ({ l, i })).sort((a, b) => a.l.order - b.l.order || a.i - b.i);
  const L = sorted.map((s) => s.l);
  const promoted = new Set<number>();
  L.forEach((l, i) => {
    if (l.variants.size >= 2 || l.forcePromote) {
      promoted.add(i);
    }
  });
  const conflictSets = L.map((a) => L.map((b, j) => (conflicts(a, b) ? j : -1)).filter((j) => j >= 0));
  const variantOf = (i: number) => (promoted.has(i) ? -1 : [...L[i].variants][0]);
  for (let a = 0; a < L.length; a++) {
    if (promoted.has(a)) {
      continue;
    }
    for (const b of conflictSets[a]) {
      if (promoted.has(b) || (variantOf(a) !== -1 && variantOf(a) === variantOf(b))) {
        continue;
      }
      const loser = conflictSets[a].length > conflictSets[b].length ? a : b;
      promoted.add(loser);
    }
  }
  const used = new Set<number>();
  L.forEach((_, i) => {
    if (!promoted.has(i)) {
      used.add(variantOf(i));
    }
  });
  if (used.size < 2) {
    L.forEach((_, i) => promoted.add(i));
  }

  const prefix = [...shape.upvars, { size: tagSize, align: tagSize }, ...L.filter((_, i) => promoted.has(i))];
  const prefixAlign = Math.max(1, ...prefix.map((p) => p.align));
  const prefixSize = roundUp(prefix.reduce((s, p) => s + p.size, 0), prefixAlign);
  let align = prefixAlign;
  const variantEnds: number[] = [];
  for (let v = 0; v < n; v++) {
    const fields = L.filter((l, i) => !promoted.has(i) && l.variants.has(v)).sort(
      (a, b) => trailingZeros(Math.max(a.size, a.align)) - trailingZeros(Math.max(b.size, b.align)),
    );
    let off = prefixSize;
    for (const f of fields) {
      off = roundUp(off, f.align) + f.size;
      align = Math.max(align, f.align);
    }
    variantEnds.push(off);
  }
  const size = roundUp(Math.max(prefixSize, ...variantEnds), align);
  const promotedOriginal = new Set([...promoted].map((i) => sorted[i].i));
  return { size, align, tagSize, prefixSize, promoted: promotedOriginal, variantEnds };
}
