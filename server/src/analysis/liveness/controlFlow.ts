/** `if`, `match`, loops and jumps: scrutinees, branches (exclusive regions), loop items. */
import { isCfgdOut } from '../syntax/cfg';
import type { SyntaxNode } from '../syntax/parser';
import { rangeTypeName } from '../types/infer';
import { adt, prim, ref, Ty, UNKNOWN } from '../types/types';
import { projectedThrough, projectionType } from '../types/projections';
import { collectionIterator, collectionIteratorItem } from '../types/collectionIterators';
import { Local } from './held';
import { unifyExpected } from './intInference';
import { bindPattern, recordPatternMove, walkScrutinee } from './patterns';
import { isOpenNumber } from '../types/infer';
import {
  isDivergingStatement,
  isPlace,
  isUnsuffixedIntRange,
  named,
  patternsMayOverlap,
} from './syntaxShapes';
import type { WalkState } from './walkState';
import { walkGuard } from './guards';

export function walkIf(w: WalkState, node: SyntaxNode): void {
  const condition = node.childForFieldName('condition');
  const consequence = node.childForFieldName('consequence');
  const alternative = node.childForFieldName('alternative');
  const lets = condition ? collectLetConditions(condition) : [];
  if (lets.length === 0) {
    // A plain condition's temporaries are dropped before the branch runs.
    const awaitsBefore = w.awaits.length;
    w.withStatement(() => condition && w.walkExpr(condition, 'read'));
    const group = w.newExhaustiveGroup();
    w.noteBranchesInto(awaitsBefore, group);
    w.inRegion(() => consequence && w.walkBlock(consequence), group);
    noteFirstBranchWrite(w, node, consequence);
    w.inRegion(() => alternative && w.walkExpr(alternative, 'move'), group);
    return;
  }
  const group = w.newExhaustiveGroup();
  w.pushScope();
  const scrutineeTemps: Local[] = [];
  w.inRegion(() => {
    for (const part of lets) {
      if (part.type === 'let_condition') {
        scrutineeTemps.push(...walkScrutineeBinding(w, part));
      } else {
        w.walkExpr(part, 'read');
      }
    }
    if (consequence) {
      w.walkBlock(consequence);
    }
    noteFirstBranchWrite(w, node, consequence);
  }, group);
  if (w.ctx.edition === '2024') {
    // Edition 2024 drops `if let` temporaries before the else branch.
    w.point++;
    for (const t of scrutineeTemps) {
      t.end = w.point;
    }
  }
  w.popScopeKeeping(scrutineeTemps);
  w.inRegion(() => alternative && w.walkExpr(alternative, 'move'), group);
  w.point++;
  for (const t of scrutineeTemps) {
    if (t.end === Infinity) {
      t.end = w.point;
    }
  }
}

export function collectLetConditions(condition: SyntaxNode): SyntaxNode[] {
  if (condition.type === 'let_condition') {
    return [condition];
  }
  if (condition.type === 'let_chain') {
    return named(condition);
  }
  return [];
}

/** `let PAT = EXPR` in `if`/`while`: walks the scrutinee and binds the pattern; returns the scrutinee temporaries. */
export function walkScrutineeBinding(w: WalkState, cond: SyntaxNode): Local[] {
  const value = cond.childForFieldName('value');
  const pattern = cond.childForFieldName('pattern');
  const temps: Local[] = [];
  let ty: Ty = UNKNOWN;
  let initAt: number | null = null;
  if (value) {
    ty = w.typeOf(value);
    temps.push(...walkScrutinee(w, value));
    const last = w.awaits[w.awaits.length - 1];
    if (value.type === 'await_expression' && last?.node?.id === value.id) {
      initAt = last.point + 0.25;
    }
  }
  if (pattern) {
    const before = w.locals.length;
    // Bindings are written from the scrutinee after the awaitee is gone.
    w.point++;
    bindPattern(w, pattern, ty, w.point, 'binding');
    for (let i = before; i < w.locals.length; i++) {
      w.locals[i].init = w.point;
    }
    if (value) {
      recordPatternMove(w, value, pattern, ty, w.locals.slice(before));
    }
  }
  if (initAt !== null) {
    for (const t of temps) {
      t.init = initAt;
    }
  }
  return temps;
}

export function walkMatch(w: WalkState, node: SyntaxNode): void {
  const value = node.childForFieldName('value');
  const body = node.childForFieldName('body');
  w.pushScope();
  let ty: Ty = UNKNOWN;
  let temps: Local[] = [];
  let initAt: number | null = null;
  const awaitsBefore = w.awaits.length;
  if (value) {
    ty = w.typeOf(value);
    temps = walkScrutinee(w, value);
    const last = w.awaits[w.awaits.length - 1];
    if (value.type === 'await_expression' && last?.node?.id === value.id) {
      initAt = last.point + 0.25;
    }
    if (initAt !== null) {
      // Temporaries made before the await (`connect(a)?` in `match connect(a)?.await {`) live to
      // the end of the match across it (measured: engine/95_wrapped_futures_and_test_imports.rs).
      temps.filter((t) => t.init >= last.point).forEach((t) => (t.init = initAt!));
    }
  }
  const group = w.newExhaustiveGroup();
  w.noteBranchesInto(awaitsBefore, group);
  const arms = named(body).filter((arm) => arm.type === 'match_arm' && !isCfgdOut(arm));
  /** Patterns of the arms so far whose guard binds from the scrutinee. */
  const guarded: SyntaxNode[] = [];
  // A match with one arm always runs it (a guard would make it non-exhaustive): what the arm moves
  // is moved on every path, as with `let (a, b) = t;` (measured).
  const unconditional = arms.length === 1;
  for (const arm of arms) {
    const walkArm = () => {
      w.pushScope();
      const pat = arm.childForFieldName('pattern');
      const patNode = pat?.type === 'match_pattern' ? pat.namedChildren[0] : pat;
      const before = w.locals.length;
      w.point++;
      if (patNode) {
        bindPattern(w, patNode, ty, w.point, 'binding');
      }
      if (value) {
        recordPatternMove(w, value, patNode, ty, w.locals.slice(before), temps[temps.length - 1]);
      }
      // Reached after an earlier arm's guard failed: that guard's bindings borrowed the scrutinee
      // on the way here. An arm no guarded pattern overlaps (`Err(e)` after `Ok(n) if ..`) is
      // reached only straight from the match, unborrowed (measured).
      // (`_` has no named node: it matches anything.)
      if (value && guarded.some((g) => !patNode || patternsMayOverlap(g, patNode))) {
        borrowScrutinee(w, value, temps);
      }
      const guard = pat?.childForFieldName('condition');
      if (guard) {
        if (w.locals.length > before && value) {
          // In a guard the bindings refer into the scrutinee: from here on it counts as borrowed.
          borrowScrutinee(w, value, temps);
          if (patNode) {
            guarded.push(patNode);
          }
        }
        walkGuard(w, guard, w.locals.slice(before));
      }
      const v = arm.childForFieldName('value');
      if (v) {
        w.withStatement(() => w.walkExpr(v, 'move'));
        noteFirstBranchWrite(w, node, v);
        if (!w.blockTypes.has(node.id) && !isOpenNumber(v)) {
          const t = w.typeOf(v);
          if (t.k !== 'unknown' && t.k !== 'never') {
            w.blockTypes.set(node.id, t);
          }
        }
        if (isDivergingStatement(v)) {
          w.markDiverging(v);
        }
      }
      w.point++;
      w.popScope();
    };
    if (unconditional) {
      walkArm();
    } else {
      w.inRegion(walkArm, group);
    }
  }
  w.point++;
  for (const t of temps) {
    t.end = w.point;
  }
  w.popScope();
}

/** The scrutinee (its temporary, or the place it names) counts as borrowed from here on this path. */
export function borrowScrutinee(w: WalkState, value: SyntaxNode, temps: Local[]): void {
  const scrutineeTemp = temps[temps.length - 1];
  if (scrutineeTemp) {
    scrutineeTemp.uses.push({ point: ++w.point, kind: 'borrow', region: [...w.regionStack] });
  } else if (isPlace(value)) {
    const root = w.placeRoot(value);
    if (root && !root.viaDeref) {
      w.use(root.local, 'borrow', root.path);
    }
  }
}

export function walkWhile(w: WalkState, node: SyntaxNode): void {
  const condition = node.childForFieldName('condition');
  const body = node.childForFieldName('body');
  w.inLoop(node, () => {
    w.pushScope();
    const lets = condition ? collectLetConditions(condition) : [];
    let temps: Local[] = [];
    if (lets.length) {
      for (const part of lets) {
        if (part.type === 'let_condition') {
          temps.push(...walkScrutineeBinding(w, part));
        } else {
          w.walkExpr(part, 'read');
        }
      }
    } else if (condition) {
      w.withStatement(() => w.walkExpr(condition, 'read'));
      temps = [];
    }
    if (body) {
      w.walkBlock(body);
    }
    w.point++;
    for (const t of temps) {
      t.end = w.point;
    }
    w.popScope();
  });
}

export function walkFor(w: WalkState, node: SyntaxNode): void {
  const pattern = node.childForFieldName('pattern');
  const value = node.childForFieldName('value');
  const body = node.childForFieldName('body');
  w.pushScope();
  let iterTy: Ty = UNKNOWN;
  if (value) {
    const vt = w.typeOf(value);
    iterTy = intoIterType(vt);
    if (iterTy.k === 'unknown') {
      // An iterator of the crate's, or a projection's (`for a in addrs` with `addrs: T::Iter`).
      const own = (name: string) => w.ctx.index.types.has(name);
      iterTy = projectedThrough(vt, 'IntoIterator', 'IntoIter', own) ?? iterTy;
    }
    if (isPlace(value)) {
      w.walkExpr(value, 'move');
    } else {
      w.statementTemps.push([]);
      w.walkExpr(value, 'move');
      w.point++;
      for (const t of w.statementTemps.pop() ?? []) {
        t.end = w.point;
      }
    }
  }
  const iter = w.newLocal('iter', 'binding', iterTy, value ?? node, w.point);
  // `iter` is a hidden binding: do not let the body's code resolve the name to it.
  w.scopes[w.scopes.length - 1].names.delete('iter');
  let item = elementTypeOfIter(iterTy);
  if (item.k === 'unknown' && iterTy.k === 'unknown' && iterTy.proj) {
    item = projectionType({ self: iterTy, name: 'Item', trait: ['Iterator'] });
  }
  const literalRange =
    value && isUnsuffixedIntRange(value) ? (prim('i32') as Ty & { k: 'prim' }) : null;
  if (literalRange) {
    // `for i in 0..10`: the range, its items and `i` share one integer type that `i`'s uses settle.
    iter.ty = adt(rangeTypeName(value!), literalRange);
    item = literalRange;
  }
  w.inLoop(node, () => {
    iter.uses.push({ point: ++w.point, kind: 'borrow', region: [...w.regionStack] });
    w.pushScope();
    const next = w.newLocal(null, 'temporary', adt('Option', item), value ?? node, w.point);
    if (pattern) {
      const before = w.locals.length;
      bindPattern(w, pattern, item, w.point, 'binding');
      if (literalRange && pattern.type === 'identifier' && w.locals.length === before + 1) {
        w.flexInts.set(w.locals[before], literalRange);
      }
    }
    if (body) {
      w.walkBlock(body);
    }
    w.point++;
    next.end = w.point;
    w.popScope();
  });
  w.point++;
  w.popScope();
}

export function intoIterType(t: Ty): Ty {
  const collection = collectionIterator(t, 'into_iter');
  if (collection.k !== 'unknown') {
    return collection;
  }
  if (
    t.k === 'adt' &&
    /Iter|Range|Chars|Lines|Split|Bytes|Chunks|Drain|Windows|Enumerate|Rev|Skip|Take|StepBy|Peekable|Keys|Values/.test(
      t.segments[t.segments.length - 1],
    )
  ) {
    return t;
  }
  return UNKNOWN;
}

export function walkLoop(w: WalkState, node: SyntaxNode): void {
  const body = node.childForFieldName('body');
  w.inLoop(node, () => body && w.walkBlock(body));
}

/** `return v`, `break v`, `yield v`: the value moves out (a returned literal takes its type). */
export function walkJump(w: WalkState, node: SyntaxNode): void {
  const v = named(node).find((c) => c.type !== 'label');
  if (v && node.type === 'return_expression' && w.ctx.returnTy) {
    unifyExpected(w, v, w.ctx.returnTy);
  }
  if (v) {
    w.walkExpr(v, 'move');
  }
}

/** `unsafe { .. }`, `const { .. }`: the block inside. */
export function walkInnerBlock(w: WalkState, node: SyntaxNode): void {
  const b = node.namedChildren.find((c) => c?.type === 'block');
  if (b) {
    w.walkBlock(b);
  }
}

/** The item type of an iterator type (`slice::Iter<T>` → `&T`), for a `for` pattern. */
export function elementTypeOfIter(iterTy: Ty): Ty {
  if (iterTy.k !== 'adt') {
    return UNKNOWN;
  }
  const ofCollection = collectionIteratorItem(iterTy);
  if (ofCollection) {
    return ofCollection;
  }
  const name = iterTy.segments[iterTy.segments.length - 1];
  const arg0 = iterTy.args[0] ?? UNKNOWN;
  if (name === 'CharIndices') {
    return { k: 'tuple', elems: [prim('usize'), prim('char')] };
  }
  if (name === 'Enumerate') {
    return { k: 'tuple', elems: [prim('usize'), elementTypeOfIter(arg0)] };
  }
  if (
    name === 'Rev' ||
    name === 'Skip' ||
    name === 'Take' ||
    name === 'StepBy' ||
    name === 'Peekable'
  ) {
    return elementTypeOfIter(arg0);
  }
  if (name === 'Iter' || name === 'IterMut') {
    return ref(arg0, name === 'IterMut');
  }
  if (['Range', 'RangeFrom', 'RangeInclusive', 'IntoIter', 'Drain'].includes(name)) {
    return arg0;
  }
  if (name === 'Chars') {
    return prim('char');
  }
  if (name === 'Bytes') {
    return prim('u8');
  }
  if (name === 'Lines' || name === 'Split' || name === 'SplitWhitespace') {
    return ref({ k: 'str' });
  }
  if (name === 'Chunks' || name === 'Windows') {
    return ref({ k: 'slice', elem: arg0 });
  }
  return UNKNOWN;
}

/** The first branch of `node` ends here (at `value`'s tail, for a block): see `firstBranchWrites`. */
export function noteFirstBranchWrite(
  w: WalkState,
  node: SyntaxNode,
  value: SyntaxNode | null,
): void {
  if (!w.firstBranchWrites.has(node.id)) {
    const inner = value && (w.firstBranchWrites.get(value.id) ?? w.blockTailPoints.get(value.id));
    w.firstBranchWrites.set(node.id, inner ?? w.point);
  }
}
