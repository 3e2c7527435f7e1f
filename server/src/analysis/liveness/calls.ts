/** Function and method calls: receivers (autoref), arguments, and callees that are consumed. */
import { callLeavesCrateAndStd, FnInfo } from '../items/items';
import type { SyntaxNode } from '../syntax/parser';
import { findMethod, isStdPath, receiverMode } from '../types/infer';
import { peelRefs, prim, ref, Ty, UNKNOWN } from '../types/types';
import { argumentMode } from './captures';
import { afterBindings, holdOperand, walkOperands, walkValueOperand } from './expressions';
import { Local } from './held';
import { receiverBorrow } from './receiverBorrows';
import { STD_INTEGER_PARAM, unifyInt, unsettleIntArguments } from './intInference';
import { dependencyParams, settleByArgument } from './laterUses';
import { isPlace, named } from './syntaxShapes';
import type { WalkState } from './walkState';

export function walkCall(w: WalkState, node: SyntaxNode): void {
  let fnNode = node.childForFieldName('function');
  const args = named(node.childForFieldName('arguments'));
  if (fnNode?.type === 'generic_function') {
    fnNode = fnNode.childForFieldName('function') ?? fnNode;
  }
  const receiver = fnNode?.type === 'field_expression' ? fnNode.childForFieldName('value') : null;
  if (fnNode && receiver) {
    walkMethodCall(w, receiver, fnNode.childForFieldName('field')?.text ?? '', args);
  } else {
    walkFunctionCall(w, fnNode, args);
  }
}

/** `receiver.method(args)`: the receiver is taken by value or autoref'd, then the arguments. */
function walkMethodCall(
  w: WalkState,
  receiver: SyntaxNode,
  method: string,
  args: SyntaxNode[],
): void {
  const recvTy = w.typeOf(receiver);
  const modeOf = receiverMode(recvTy, method, w.inferEnv);
  const byRef = modeOf === 'ref' || modeOf === 'mut';
  let receiverTemp: Local | null = null;
  if (isPlace(receiver)) {
    w.inCallArgs++;
    w.walkExpr(receiver, byRef ? 'borrow' : 'move');
    w.inCallArgs--;
  } else if (byRef && recvTy.k !== 'ref') {
    walkValueOperand(w, receiver, 'borrow');
  } else {
    // A receiver that already is a reference (`self.io.registration().readiness()`) is reborrowed
    // through (`&*tmp`): its temporary is not borrowed, so it is not kept across an await (measured).
    w.walkExpr(receiver, 'move');
  }
  if (byRef && args.some((a) => w.containsAwait(a))) {
    // `v.push(x.await)`: the autoref `&mut v` (a reborrow `&mut *v` when `v` is a reference, also
    // of a call's result) is taken before the argument is awaited (measured: 8 B more, also for
    // `v: &mut Vec<_>`). Of a receiver whose type is unknown the mode is a guess: by value, the
    // temporary is the value, not a reference, so its size (and alignment) is not known either.
    receiverTemp = w.newTemp(receiverBorrow(recvTy, method, modeOf === 'mut'), receiver);
  }
  const movedReceiver = byRef ? [] : heldValueReceiver(w, receiver, args);
  w.inCallArgs++;
  walkOperands(w, args);
  w.inCallArgs--;
  if (STD_INTEGER_PARAM[method] && isStdPath(peelRefs(recvTy))) {
    unifyInt(w, args[0] ?? null, prim(STD_INTEGER_PARAM[method]));
  }
  const method_ = findMethod(recvTy, method, w.ctx.index);
  if (method_) {
    args.forEach((a, i) => {
      const param = method_.params.filter((p) => !p.isSelf)[i];
      if (param) {
        unifyInt(w, a, param.ty);
      }
    });
  }
  // Another crate's method (`stream.read_exact(&mut buf)`): its parameter types settle too.
  const foreignParams = method_ ? null : w.typer.dependencyMethodParams(recvTy, method);
  foreignParams?.forEach((p, i) => args[i] && unifyInt(w, args[i], p));
  unsettleIntArguments(w, args);
  if (receiverTemp) {
    receiverTemp.uses.push({ point: ++w.point, kind: 'read', region: [...w.regionStack] });
  }
  consumedWithArguments(w, movedReceiver, 'move');
}

/**
 * Temporaries the call consumes with its arguments, at the point the arguments are moved: the
 * call's destination needs storage from there (`holdOperand`), so they conflict with it.
 */
function consumedWithArguments(w: WalkState, temps: Local[], kind: 'move' | 'read'): void {
  for (const t of temps) {
    t.uses.push({ point: w.point, kind, region: [...w.regionStack] });
  }
}

/**
 * `acc.wrapping_add(x.await)`, `opt.unwrap_or(text().await)`: a receiver taken by value is the
 * call's first operand, copied or moved into a temporary before the arguments run, so it is held
 * across an argument's await like an earlier argument is
 * (engine/109_method_receivers_and_vec_repeat.rs).
 */
function heldValueReceiver(w: WalkState, receiver: SyntaxNode, args: SyntaxNode[]): Local[] {
  return args.some((a) => w.containsAwait(a)) ? holdOperand(w, receiver) : [];
}

/** `f(args)`, `path::f(args)`, `Ctor(args)`, `(expr)(args)`. */
function walkFunctionCall(w: WalkState, fnNode: SyntaxNode | null, args: SyntaxNode[]): void {
  let heldCallee: Local[] = [];
  let tupledArguments = false;
  if (fnNode && fnNode.type !== 'identifier' && fnNode.type !== 'scoped_identifier') {
    w.walkExpr(fnNode, 'borrow');
    heldCallee = calleeExpressionHeld(w, fnNode, args);
  } else if (fnNode?.type === 'identifier' && w.lookup(fnNode.text)) {
    const local = w.lookup(fnNode.text)!;
    const once = calledOnce(w, local.ty) || !!local.closure?.once;
    heldCallee = calleeHeldAcrossArguments(w, fnNode, local, once, args);
    tupledArguments = heldCallee.length > 0 && local.ty.k !== 'fnptr';
    if (once) {
      // `FnOnce::call_once(move f, args)`: the callee is moved as an argument of a call that can
      // unwind, so a move after an await needs its drop flag (measured: `hold<F: FnOnce()>`).
      w.inCallArgs++;
      w.walkExpr(fnNode, 'move');
      w.inCallArgs--;
    } else {
      w.walkExpr(fnNode, 'borrow');
    }
  }
  // `Some(x)`, `Ok(x)`, `Point(a, b)` build values; they are not calls that can unwind.
  const isConstructor = /^[A-Z]/.test((fnNode?.text ?? '').split('::').pop() ?? '');
  const callee = fnNode && !isConstructor ? calleeOf(w, fnNode) : null;
  const foreignParams = callee ? null : dependencyParams(w, fnNode);
  if (!isConstructor) {
    w.inCallArgs++;
  }
  walkOperands(
    w,
    args,
    (a, i) => {
      const param = callee?.params.filter((p) => !p.isSelf)[i];
      if (param) {
        unifyInt(w, a, param.ty);
      }
      settleByArgument(w, a, param?.ty ?? foreignParams?.[i]);
    },
    (a) => argumentMode(w, a, callee?.params.filter((p) => !p.isSelf)[args.indexOf(a)]?.ty),
  );
  if (!isConstructor) {
    w.inCallArgs--;
    const segments = (fnNode?.text ?? '').split('::');
    const stdParam = STD_INTEGER_PARAM[segments[segments.length - 1].trim()];
    if (
      stdParam &&
      !callee &&
      !callLeavesCrateAndStd(
        segments.map((x) => x.trim()),
        w.ctx.index,
      )
    ) {
      unifyInt(w, args[0] ?? null, prim(stdParam));
    }
    unsettleIntArguments(w, args);
  }
  if (tupledArguments) {
    // `Fn::call(&c, (a, b))`: the arguments are moved into a tuple first, so only `&c` (or `c`
    // for `FnOnce`) is consumed by the call itself, where its destination already needs storage.
    w.point++;
  }
  consumedWithArguments(w, heldCallee, 'move');
}

/**
 * A closure (or `F: Fn`) local called with an argument that awaits: the call is
 * `Fn::call(&c, (args..))`, its callee operand (`&c`, or `c` itself moved for `FnOnce`) is made
 * before the arguments run, so it is held across their awaits
 * (engine/110_callees_and_indexed_bases.rs). A fn pointer or a reference is called through
 * without a temporary kept (measured).
 */
function calleeHeldAcrossArguments(
  w: WalkState,
  fnNode: SyntaxNode,
  local: Local,
  once: boolean,
  args: SyntaxNode[],
): Local[] {
  if (!args.some((a) => w.containsAwait(a)) || w.dead) {
    return [];
  }
  if (local.ty.k === 'fnptr' || local.ty.k === 'ref') {
    return [];
  }
  if (once) {
    return afterBindings(holdOperand(w, fnNode));
  }
  return afterBindings([w.newTemp(local.ty.k === 'unknown' ? UNKNOWN : ref(local.ty), fnNode)]);
}

/**
 * `(s.f)(x.await)`: a callee written as an expression is evaluated into a temporary (a fn
 * pointer copied: measured 8 B) before the arguments run, so it is held across their awaits; of
 * another type (a closure in a field is called through `&`) its size is not known here.
 */
function calleeExpressionHeld(w: WalkState, fnNode: SyntaxNode, args: SyntaxNode[]): Local[] {
  if (!args.some((a) => w.containsAwait(a)) || w.dead) {
    return [];
  }
  const callee = w.typeOf(fnNode);
  return afterBindings([w.newTemp(callee.k === 'fnptr' ? callee : UNKNOWN, fnNode)]);
}

/** A callee of type `F: FnOnce(..)` (or `impl FnOnce(..)`): calling it consumes it. */
export function calledOnce(w: WalkState, ty: Ty): boolean {
  if (ty.k === 'param') {
    return w.ctx.onceCallables?.has(ty.name) ?? false;
  }
  return ty.k === 'unknown' && /^impl\s+(Async)?FnOnce\b/.test(ty.text);
}

export function calleeOf(w: WalkState, fnNode: SyntaxNode): FnInfo | null {
  const segs = fnNode.text
    .replace(/\s+/g, '')
    .replace(/::<[^>]*>/g, '')
    .split('::');
  const last = segs[segs.length - 1];
  if (segs.length >= 2) {
    return w.ctx.index.methods.get(`${segs[segs.length - 2]}::${last}`)?.[0] ?? null;
  }
  const fns = w.ctx.index.fns.get(last);
  return fns?.length === 1 ? fns[0] : null;
}
