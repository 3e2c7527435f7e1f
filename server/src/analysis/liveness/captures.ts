/** Closures and async blocks met in a body: what they capture, and the value of a plain closure. */
import { typeFromNode } from '../items/items';
import type { SyntaxNode } from '../syntax/parser';
import { hasUnknown, isAdt, Ty, UNKNOWN } from '../types/types';
import { closureValueType } from './closureType';
import {
  Capture,
  CaptureFrame,
  isAsyncClosure,
  Local,
  MAX_NESTED_FUTURE_WALK,
  UseKind,
} from './held';
import { bindPattern } from './patterns';
import { named } from './syntaxShapes';
import type { WalkState } from './walkState';

/** Owning std types, never `Copy` whatever their type arguments are (`vec![..]` is `Vec<_>`). */
const NEVER_COPY = ['Vec', 'String', 'Box', 'Rc', 'Arc', 'VecDeque', 'HashMap', 'BTreeMap'];

/**
 * Moving a value of this type out of a capture makes the closure `FnOnce`: a type not known may
 * be `Copy`, and then it is not known to be.
 */
function knownNotCopy(ty: Ty): boolean {
  return !hasUnknown(ty) || isAdt(ty, ...NEVER_COPY);
}

export function walkNestedFuture(
  w: WalkState,
  node: SyntaxNode,
  isMove: boolean,
  params?: SyntaxNode | null,
  body?: SyntaxNode | null,
): void {
  const isFuture = node.type === 'async_block' || isAsyncClosure(node);
  if (isFuture && w.captureFrames.filter((f) => f.isFuture).length >= MAX_NESTED_FUTURE_WALK) {
    // What it captures is not known, so neither is what it keeps alive of this body.
    w.approximations.add(`async blocks nested more than ${MAX_NESTED_FUTURE_WALK} deep`);
    return;
  }
  const frame: CaptureFrame = {
    firstLocalId: w.nextId,
    isMove,
    isFuture,
    captured: new Map(),
    regionDepth: w.regionStack.length,
  };
  w.captureFrames.push(frame);
  const savedPoint = w.point;
  w.pushScope();
  if (params) {
    // Unannotated, a closure's parameters have the types its callee's `Fn(..)` bound gives.
    const expected = w.typer.closureParamTypes(node);
    named(params).forEach((p, i) => {
      const pat = p.type === 'parameter' ? p.childForFieldName('pattern') : p;
      const tyNode = p.type === 'parameter' ? p.childForFieldName('type') : null;
      if (pat) {
        bindPattern(
          w,
          pat,
          tyNode ? typeFromNode(tyNode, w.ctx.index, w.ctx.scope) : (expected[i] ?? UNKNOWN),
          w.point,
          'binding',
        );
      }
    });
  }
  const inner = body ?? node.namedChildren.find((c) => c?.type === 'block') ?? null;
  if (inner) {
    if (inner.type === 'block') {
      w.walkBlock(inner);
    } else {
      w.walkExpr(inner, 'move');
    }
  }
  if (!isFuture) {
    // Typed while its parameters and locals are in scope.
    const output = w.inferEnv.closureOutput?.(node);
    w.closureCalls.set(node.id, { once: !!frame.movesCapture, ...(output ? { output } : {}) });
  }
  w.popScope();
  w.captureFrames.pop();
  // Locals created inside a nested body belong to it, not to this future.
  for (const l of w.locals) {
    if (l.id >= frame.firstLocalId) {
      l.inPlace = true;
    }
  }
  w.point = Math.max(w.point, savedPoint);
  // Only futures not inside another future of this body: deeper ones are found by that future's own walk.
  if (isFuture && w.captureFrames.every((f) => !f.isFuture)) {
    const nested = { node, captures: [...frame.captured.values()] };
    w.nested.push(nested);
    // Analysed right away, so that awaiting it later in this body knows its output type.
    w.ctx.onNestedFuture?.(nested);
  } else if (!isFuture) {
    // A plain closure's value is its captures.
    const placeOf = (ty: Ty, place: string) => placeType(w, ty, place);
    const captures = [...frame.captured.values()];
    w.closureTypes.set(node.id, closureValueType(captures, w.ctx.edition, placeOf));
  }
}

/** How a place was used: through the pointer it holds (`r.len()`, `*r`), or as itself. */
function notePlaceUse(cap: Capture, path: string, use: 'through' | 'direct'): void {
  const uses = (cap.placeUses ??= new Map());
  const before = uses.get(path);
  uses.set(path, before === undefined || before === use ? use : 'both');
}

/** The type of a field path (`a.b`) of a value of type `ty`. */
export function placeType(w: WalkState, ty: Ty, place: string): Ty {
  return place ? place.split('.').reduce((t, field) => w.typer.fieldType(t, field), ty) : ty;
}

export function walkClosure(w: WalkState, node: SyntaxNode): void {
  const isMove = node.children.some((c) => c?.type === 'move');
  walkNestedFuture(
    w,
    node,
    isMove && !isAsyncClosure(node),
    node.childForFieldName('parameters'),
    node.childForFieldName('body'),
  );
}

export function walkAsyncBlock(w: WalkState, node: SyntaxNode): void {
  walkNestedFuture(
    w,
    node,
    node.children.some((c) => c?.type === 'move'),
  );
}

/**
 * A use, inside a closure or async block, of a variable of the body around it: the closure
 * captures the variable (by value or by reference, place by place in edition 2021), and the
 * capture is itself a use in the enclosing frames, where the closure is created.
 */
export function useFromClosure(
  w: WalkState,
  frame: CaptureFrame,
  local: Local,
  kind: UseKind,
  path: string,
): void {
  const traits = w.ctx.traits(local.ty);
  const isRefLocal = local.ty.k === 'ref' || local.ty.k === 'ptr';
  // The place used decides how it is taken: a `Copy` field of a struct that is not is copied.
  const placeTy = path ? placeType(w, local.ty, path) : local.ty;
  const isRefPlace = placeTy.k === 'ref' || placeTy.k === 'ptr';
  // A `&mut` reference passed on inside the body (`peek(buf)`) is reborrowed, not moved into the closure.
  const movedOut = kind === 'move' && !w.ctx.traits(placeTy).copy && !isRefPlace;
  const byValue = frame.isMove || movedOut;
  frame.movesCapture ||= movedOut && knownNotCopy(placeTy);
  let cap = frame.captured.get(local);
  if (!cap) {
    cap = { local, paths: new Set(), byValue: false };
    frame.captured.set(local, cap);
  }
  cap.paths.add(path);
  cap.byValue ||= byValue;
  const through = (kind === 'borrow' && !w.explicitBorrow) || w.derefOperand;
  notePlaceUse(cap, path, through ? 'through' : 'direct');
  // The closure or block itself is what uses the variable, at its creation.
  // A reference used through itself (`client.get()`) is captured as `*client`: no borrow of the local.
  // Editions 2015/2018 capture whole variables: a capture by reference is `&client` itself, a borrow
  // of the local even when it is a reference (measured: `|| self.io.peek(buf)` keeps `self` and `buf`).
  const wholeVariable = w.ctx.edition === '2015' || w.ctx.edition === '2018';
  const throughDeref =
    isRefLocal && !wholeVariable && usedThroughReference(w, kind, path, byValue, traits.copy);
  // A reference field used through itself (`o.r.len()`) is reborrowed (`&*o.r`): the closure
  // borrows what `o.r` points to, not `o`, which only needs to be read (measured).
  const throughField = !wholeVariable && !byValue && path !== '' && placeTy.k === 'ref' && through;
  const captureKind: UseKind = byValue
    ? traits.copy
      ? 'read'
      : 'move'
    : throughField
      ? 'read'
      : 'borrow';
  cap.throughRef = (cap.throughRef ?? true) && throughDeref && !cap.byValue;
  // Outer frames see the capture as a use too; a capture by reference is `&local` (or `&local.field`).
  // It happens where the closure is created, whatever branch of the closure's body uses the variable
  // (measured: `move || if c { s.len() } else { 0 }` moves `s` unconditionally).
  const outer = w.captureFrames.pop()!;
  const innerRegions = w.regionStack.splice(outer.regionDepth);
  try {
    if (throughDeref || captureKind !== 'borrow') {
      // A capture by value takes the whole variable in editions 2015/2018, and in 2021 the place
      // used, out of a value the closure does not reach through a pointer (`move || s.a.len()`
      // moves `s.a` alone; measured).
      const place =
        !wholeVariable &&
        !throughDeref &&
        path !== '' &&
        !isRefLocal &&
        !isAdt(local.ty, 'Box', 'Rc', 'Arc');
      w.use(local, throughDeref ? 'read' : captureKind, path, place ? [[]] : 'whole');
    } else {
      w.withExplicitBorrow(() => w.use(local, captureKind, wholeVariable ? '' : path));
    }
  } finally {
    w.regionStack.push(...innerRegions);
    w.captureFrames.push(outer);
  }
}

/**
 * A reference local's use reaches through it (edition 2021 cuts the captured place at the deref
 * of a shared reference): a field or element of what it points to, a non-`Copy` move that is a
 * reborrow, an implicit borrow (`client.get()`), or a read under `*` or built-in indexing.
 */
function usedThroughReference(
  w: WalkState,
  kind: UseKind,
  path: string,
  byValue: boolean,
  copy: boolean,
): boolean {
  return (
    path !== '' ||
    (kind === 'move' && !byValue && !copy) ||
    (kind === 'borrow' && !w.explicitBorrow) ||
    (kind === 'read' && w.derefOperand)
  );
}

/**
 * How a call passes an argument: a shared reference local passed where the parameter is a
 * reference is reborrowed (`&*r`), so a closure or async block around the call captures `r`
 * itself by value (rustc's capture analysis cuts a place at the deref of a shared reference), and
 * `r` is not borrowed (measured: `async { look(r) }` does not keep `r`,
 * engine/100_closures_and_async_blocks.rs). Anything else is moved (or copied).
 */
export function argumentMode(w: WalkState, arg: SyntaxNode, param: Ty | undefined): UseKind {
  if (param?.k !== 'ref' || param.mut || arg.type !== 'identifier') {
    return 'move';
  }
  const local = w.lookup(arg.text);
  return local?.ty.k === 'ref' && !local.ty.mut ? 'borrow' : 'move';
}
