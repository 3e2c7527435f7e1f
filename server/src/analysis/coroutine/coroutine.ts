/**
 * rustc's coroutine layout (reference/coroutine-layout.md section 3): which saved locals are
 * promoted to the shared prefix, how variants overlap, and the resulting size and alignment.
 */
import { roundUp } from '../types/layout';

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
  /** The region (branch path) where its storage is declared. */
  region?: number[];
  /** Moves inside branches after which, on that branch, it needs no storage. */
  freedAfter?: { point: number; region: number[] }[];
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
  tagOffset: number;
  /** Offset of each saved local (in the prefix when promoted, else in its variant), by input index. */
  localOffsets: number[];
  upvarOffsets: number[];
}

function conflicts(a: SavedLocal, b: SavedLocal): boolean {
  return (
    a === b ||
    !!a.forcePromote ||
    !!b.forcePromote ||
    (a.start < b.end && b.start < a.end && !freedBefore(a, b) && !freedBefore(b, a))
  );
}

/** `b` lives only on a branch, after `a` was moved out there. */
function freedBefore(a: SavedLocal, b: SavedLocal): boolean {
  const region = b.region;
  return (
    region !== undefined &&
    !!a.freedAfter?.some((f) => b.start > f.point && f.region.every((r, i) => region[i] === r))
  );
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
  const sorted = shape.locals
    .map((l, i) => ({ l, i }))
    .sort((a, b) => a.l.order - b.l.order || a.i - b.i);
  const L = sorted.map((s) => s.l);
  const promoted = new Set<number>();
  L.forEach((l, i) => {
    if (l.variants.size >= 2 || l.forcePromote) {
      promoted.add(i);
    }
  });
  const conflictSets = L.map((a) =>
    L.map((b, j) => (conflicts(a, b) ? j : -1)).filter((j) => j >= 0),
  );
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

  // The prefix: upvars, tag and promoted locals, packed by decreasing alignment (a stable order).
  type Slot = { size: number; align: number; key: string };
  const prefix: Slot[] = [
    ...shape.upvars.map((u, i) => ({ ...u, key: `u${i}` })),
    { size: tagSize, align: tagSize, key: 'tag' },
    ...L.map((l, i) => ({ size: l.size, align: l.align, key: `l${sorted[i].i}` })).filter((_, i) =>
      promoted.has(i),
    ),
  ];
  const prefixAlign = Math.max(1, ...prefix.map((p) => p.align));
  const offsets = new Map<string, number>();
  let cursor = 0;
  for (const slot of [...prefix].sort((a, b) => b.align - a.align)) {
    offsets.set(slot.key, cursor);
    cursor += slot.size;
  }
  const prefixSize = roundUp(cursor, prefixAlign);
  let align = prefixAlign;
  const variantEnds: number[] = [];
  for (let v = 0; v < n; v++) {
    const fields = L.map((l, i) => ({ l, i }))
      .filter(({ l, i }) => !promoted.has(i) && l.variants.has(v))
      .sort(
        (a, b) =>
          trailingZeros(Math.max(a.l.size, a.l.align)) -
          trailingZeros(Math.max(b.l.size, b.l.align)),
      );
    let off = prefixSize;
    for (const { l, i } of fields) {
      off = roundUp(off, l.align);
      offsets.set(`l${sorted[i].i}`, off);
      off += l.size;
      align = Math.max(align, l.align);
    }
    variantEnds.push(off);
  }
  const size = roundUp(Math.max(prefixSize, ...variantEnds), align);
  const promotedOriginal = new Set([...promoted].map((i) => sorted[i].i));
  const localOffsets = shape.locals.map((_, i) => offsets.get(`l${i}`) ?? 0);
  const upvarOffsets = shape.upvars.map((_, i) => offsets.get(`u${i}`) ?? 0);
  return {
    size,
    align,
    tagSize,
    tagOffset: offsets.get('tag') ?? 0,
    prefixSize,
    promoted: promotedOriginal,
    variantEnds,
    localOffsets,
    upvarOffsets,
  };
}
