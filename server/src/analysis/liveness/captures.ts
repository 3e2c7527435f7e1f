/** Closures and async blocks met in a body: what they capture, and the value of a plain closure. */
import { typeFromNode } from '../items/items';
import type { SyntaxNode } from '../syntax/parser';
import { Ty, UNKNOWN, ref } from '../types/types';
import type { BodyWalker } from './bodyWalker';
import { CaptureFrame, capturedPlaces, isAsyncClosure } from './held';
import { bindPattern } from './patterns';
import { named } from './syntaxShapes';

export function walkNestedFuture(w: BodyWalker, node: SyntaxNode, isMove: boolean, params?: SyntaxNode | null, body?: SyntaxNode | null): void {
  const isFuture = node.type === 'async_block' || isAsyncClosure(node);
  const frame: CaptureFrame = { firstLocalId: w.nextId, isMove, isFuture, captured: new Map(), regionDepth: w.regionStack.length };
  w.captureFrames.push(frame);
  const savedPoint = w.point;
  w.pushScope();
  if (params) {
    for (const p of named(params)) {
      const pat = p.type === 'parameter' ? p.childForFieldName('pattern') : p;
      const tyNode = p.type === 'parameter' ? p.childForFieldName('type') : null;
      if (pat) {
        bindPattern(w, pat, tyNode ? typeFromNode(tyNode, w.ctx.index, w.ctx.scope) : UNKNOWN, w.point, 'binding');
      }
    }
  }
  const inner = body ?? node.namedChildren.find((c) => c?.type === 'block') ?? null;
  if (inner) {
    if (inner.type === 'block') {
      w.walkBlock(inner);
    } else {
      w.walkExpr(inner, 'move');
    }
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
    // A plain closure's value is its captures: by reference, or by value when moved.
    // By reference: a pointer per place (the reference's own size when the place is `*r` itself).
    const elems = [...frame.captured.values()].flatMap((c) =>
      capturedPlaces(c, w.ctx.edition).map((place) => (c.byValue ? placeType(w, c.local.ty, place) : place ? ref(UNKNOWN) : c.throughRef ? c.local.ty : ref(c.local.ty))),
    );
    w.closureTypes.set(node.id, { k: 'tuple', elems });
  }
}

/** The type of a field path (`a.b`) of a value of type `ty`. */
export function placeType(w: BodyWalker, ty: Ty, place: string): Ty {
  return place ? place.split('.').reduce((t, field) => w.typer.fieldType(t, field), ty) : ty;
}

export function walkClosure(w: BodyWalker, node: SyntaxNode): void {
  const isMove = node.children.some((c) => c?.type === 'move');
  walkNestedFuture(w, node, isMove && !isAsyncClosure(node), node.childForFieldName('parameters'), node.childForFieldName('body'));
}
