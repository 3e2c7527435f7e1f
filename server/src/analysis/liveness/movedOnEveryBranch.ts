/**
 * A value moved on every branch of an `if`/`else` or a `match` (`if c { enc(v) } else { enc(v) }`)
 * is moved once the construct is done, on every path: rustc keeps neither its storage across a
 * later await nor a drop flag for it (measured with rustc 1.95: 32 bytes for a `Vec` moved in
 * both branches before an await, where keeping it would be 56; engine fixture 94).
 */
import type { BodyResult, Use } from './held';
import { isPrefix } from './held';

/**
 * Whether `moves` leave no path through the region path `at` with the value: one of them sits on
 * it, or every branch of a construct under it whose branches are exhaustive (see
 * `BodyResult.exhaustiveGroups`) moves it or returns. `skipGroup`: a construct not to count (the
 * one the await itself is a branch of).
 */
export function movedOnEveryBranch(
  moves: readonly Use[],
  at: readonly number[],
  body: BodyResult,
  skipGroup?: number,
): boolean {
  const path = [...at];
  if (moves.some((m) => isPrefix(m.region, path))) {
    return true;
  }
  const depth = path.length;
  const below = moves.filter((m) => m.region.length > depth && isPrefix(path, m.region));
  const groups = new Set(below.map((m) => body.regionGroups.get(m.region[depth])));
  for (const group of groups) {
    if (group === undefined || group === skipGroup || !body.exhaustiveGroups?.has(group)) {
      continue;
    }
    const branches = [...body.regionGroups].filter(([, g]) => g === group).map(([r]) => r);
    const covered = branches.every(
      (r) => body.returningRegions.has(r) || movedOnEveryBranch(below, [...path, r], body),
    );
    if (covered) {
      return true;
    }
  }
  return false;
}

/**
 * Moved on every path that reaches the await at `region`, by constructs finished before it: at
 * each depth of the await's path, a construct beside the one the await is in.
 */
export function movedOnEveryPathTo(
  moves: readonly Use[],
  region: readonly number[],
  body: BodyResult,
): boolean {
  for (let depth = region.length; depth >= 0; depth--) {
    const skip = depth < region.length ? body.regionGroups.get(region[depth]) : undefined;
    if (movedOnEveryBranch(moves, region.slice(0, depth), body, skip)) {
      return true;
    }
  }
  return false;
}
