/** What a move out of part of a local leaves behind (partial moves, measured with rustc 1.95). */
import { isAdt, Ty } from '../types/types';
import { isPrefix, Local, Use } from './held';
import type { WalkState } from './walkState';

/**
 * A move out of parts of a local (`let x = s.a;`, `let (a, _) = t;`). Measured with rustc 1.95:
 * when a part with drop glue stays (with the parts moved earlier on this path), the local is
 * still dropped at its scope end and stays saved (a partial move). When every such part is gone,
 * the local is dead after the move, but its storage lives on: if the move was conditional, the
 * drop at the scope end still reads it (settled in `run`, once diverging regions are known).
 */
export function classifyMove(w: WalkState, local: Local, use: Use, moved: string[][]): void {
  if (moved.some((p) => p.length === 0)) {
    return;
  }
  let earlier = w.movedParts.get(local);
  if (!earlier) {
    earlier = [];
    w.movedParts.set(local, earlier);
  }
  const before = earlier.filter((m) => isPrefix(m.region, use.region)).flatMap((m) => m.paths);
  earlier.push({ region: use.region, paths: moved });
  const left = leftAfterMoving(w, local.ty, [...before, ...moved]);
  // Parts moved out after something that can unwind: the scope's shared cleanup is reached with
  // the parts and without them, so a drop flag guards them and the drop at the scope end still
  // reads the local (measured: `other(); drop(v.a);`, `drop(v.c); drop(v.a);`). A whole local
  // moved so needs only the flag.
  const unwindsBetween = w.unwindPoints.some(
    (u) => u.point > local.init && u.point < use.point && isPrefix(u.region, use.region),
  );
  if (left === 'drop' || (left === 'none' && unwindsBetween)) {
    use.partial = true;
  } else if (left === 'none') {
    use.partsLeft = true;
    w.partMoves.push({ local, use });
  }
}

/**
 * After moving the given paths out of a value of type `ty`: whether a part with drop glue stays
 * ('drop': the value is still dropped at its scope end), nothing droppable stays ('none'), or the
 * type cannot be seen into ('opaque').
 */
export function leftAfterMoving(
  w: WalkState,
  ty: Ty,
  paths: string[][],
): 'drop' | 'none' | 'opaque' {
  if (paths.some((p) => p.length === 0)) {
    return 'none';
  }
  const drop = w.ctx.traits(ty).drop;
  if (paths.length === 0) {
    return drop ? 'drop' : 'none';
  }
  // Moving out of an enum variant, or out of a box (its allocation is still freed), leaves the rest to drop.
  if (paths.some((p) => p[0].startsWith('@')) || isAdt(ty, 'Box')) {
    return drop ? 'drop' : 'none';
  }
  const parts = partsOf(w, ty);
  if (!parts) {
    return 'opaque';
  }
  let result: 'none' | 'opaque' = 'none';
  for (const part of parts) {
    const r = leftAfterMoving(
      w,
      part.ty,
      paths.filter((p) => p[0] === part.name).map((p) => p.slice(1)),
    );
    if (r === 'drop') {
      return 'drop';
    }
    if (r === 'opaque') {
      result = 'opaque';
    }
  }
  return result;
}

/** The parts a move can take out of a value one by one: tuple elements, array elements, struct fields. */
export function partsOf(w: WalkState, ty: Ty): { name: string; ty: Ty }[] | null {
  if (ty.k === 'tuple') {
    return ty.elems.map((e, i) => ({ name: String(i), ty: e }));
  }
  if (ty.k === 'array') {
    return ty.len === null || ty.len > 4096
      ? null
      : Array.from({ length: ty.len }, (_, i) => ({ name: String(i), ty: ty.elem }));
  }
  if (ty.k === 'adt') {
    const user = w.ctx.index.types.get(ty.segments[ty.segments.length - 1]);
    if (user?.kind === 'struct' && !user.dropImpl) {
      return user.fields.map((f) => ({ name: f.name, ty: w.typer.fieldType(ty, f.name) }));
    }
  }
  return null;
}
