/** Function and method calls: receivers (autoref), arguments, and callees that are consumed. */
import { callLeavesCrateAndStd, FnInfo } from '../items/items';
import type { SyntaxNode } from '../syntax/parser';
import { findMethod, isStdPath, receiverMode } from '../types/infer';
import { peelRefs, prim, ref, Ty } from '../types/types';
import { argumentMode } from './captures';
import { walkOperands, walkValueOperand } from './expressions';
import { Local } from './held';
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
    if (byRef && recvTy.k !== 'ref' && args.some((a) => w.containsAwait(a))) {
      // `v.push(x.await)`: the autoref `&mut v` is taken before the argument is awaited.
      receiverTemp = w.newTemp(ref(recvTy, modeOf === 'mut'), receiver);
    }
  } else if (byRef && recvTy.k !== 'ref') {
    walkValueOperand(w, receiver, 'borrow');
  } else {
    // A receiver that already is a reference (`self.io.registration().readiness()`) is reborrowed
    // through (`&*tmp`): its temporary is not borrowed, so it is not kept across an await (measured).
    w.walkExpr(receiver, 'move');
  }
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
}

/** `f(args)`, `path::f(args)`, `Ctor(args)`, `(expr)(args)`. */
function walkFunctionCall(w: WalkState, fnNode: SyntaxNode | null, args: SyntaxNode[]): void {
  if (fnNode && fnNode.type !== 'identifier' && fnNode.type !== 'scoped_identifier') {
    w.walkExpr(fnNode, 'borrow');
  } else if (fnNode?.type === 'identifier' && w.lookup(fnNode.text)) {
    const local = w.lookup(fnNode.text)!;
    if (calledOnce(w, local.ty) || local.closure?.once) {
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
