/** Operators, operands and value temporaries of expressions in an async body. */
import { DEREF_TRAIT_TYPES } from '../types/knownTypes';
import type { SyntaxNode } from '../syntax/parser';
import { adt, hasUnknown, isAdt, peelRefs, prim, ref, Ty, UNKNOWN } from '../types/types';
import { Local, UseKind, WalkMode } from './held';
import { settleFieldValues, settleIndex, unifyAssigned, unifyOperands } from './intInference';
import { isConstantExpression, isPlace, isUnsuffixedInt, named } from './syntaxShapes';
import { isPromotedWhenBorrowed } from './promotion';
import { isOpenNumber } from '../types/infer';
import type { WalkState } from './walkState';
import { coercedArgumentArray } from './coercedTemps';

/**
 * The left side of `=`: writing a local or its fields is no use of it; writing through a reference
 * reads the reference; `v[i] = x` on a non-array calls `IndexMut::index_mut(&mut v)`.
 */
export function walkAssignTarget(w: WalkState, left: SyntaxNode, whole = true): void {
  if (left.type === 'identifier') {
    const local = w.lookup(left.text);
    // Writing one element (`buf[0] = 1`) neither uses the array nor ends its old value (measured:
    // a buffer read after the await that precedes such a write is kept across it).
    if (local && !w.dead && whole) {
      local.uses.push({ point: ++w.point, kind: 'write', region: [...w.regionStack] });
    }
    return;
  }
  if (left.type === 'index_expression') {
    const [base, idx] = named(left);
    if (idx) {
      w.walkExpr(idx, 'move');
    }
    if (base) {
      const bt = w.typeOf(base);
      if (bt.k === 'array' && isPlace(base)) {
        walkAssignTarget(w, base, false);
      } else {
        w.walkExpr(base, 'borrow');
      }
    }
    return;
  }
  if (left.type === 'field_expression') {
    const root = w.placeRoot(left);
    if (root && !root.viaDeref && root.local.ty.k !== 'ref' && root.local.ty.k !== 'ptr') {
      w.partWrites.push({ local: root.local, point: w.point });
      return;
    }
  }
  w.walkExpr(left, 'read');
}

/** A value expression used by reference: evaluated into a temporary that lives to the end of the statement. */
export function walkValueOperand(w: WalkState, node: SyntaxNode, _kind: 'borrow' | 'read'): void {
  if (isPlace(node)) {
    w.walkExpr(node, _kind);
    return;
  }
  w.walkExpr(node, 'move');
  // `&[1, 2]`, `&CONST`: constant expressions are promoted to statics, no temporary.
  if (producesValue(node) && !(_kind === 'borrow' && isPromotedWhenBorrowed(node))) {
    const temp = w.newTemp(coercedArgumentArray(w.typer, node) ?? w.typeOf(node), node);
    temp.uses.push({
      point: ++w.point,
      kind: _kind === 'borrow' ? 'borrow' : 'read',
      region: [...w.regionStack],
    });
  }
}

export function producesValue(node: SyntaxNode): boolean {
  return [
    'call_expression',
    'macro_invocation',
    'await_expression',
    'struct_expression',
    'array_expression',
    'tuple_expression',
    'try_expression',
    'index_expression',
    'binary_expression',
    'type_cast_expression',
  ].includes(node.type);
}

export function isPrimitive(t: Ty): boolean {
  return t.k === 'prim';
}

export function controlFlowOf(t: Ty): Ty {
  const p = peelRefs(t);
  if (isAdt(p, 'Result')) {
    const err = p.k === 'adt' ? (p.args[1] ?? UNKNOWN) : UNKNOWN;
    const segs = p.k === 'adt' ? p.segments : [];
    const e =
      segs.includes('io') || (p.k === 'adt' && p.args.length === 1) ? adt('io::Error') : err;
    return adt('ControlFlow', e, p.k === 'adt' ? (p.args[0] ?? UNKNOWN) : UNKNOWN);
  }
  if (isAdt(p, 'Option')) {
    return adt('ControlFlow', prim('bool'), p.k === 'adt' ? (p.args[0] ?? UNKNOWN) : UNKNOWN);
  }
  return adt('ControlFlow', UNKNOWN, UNKNOWN);
}

export function walkBinary(w: WalkState, node: SyntaxNode): void {
  const op = node.childForFieldName('operator')?.text ?? node.children[1]?.type ?? '';
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  if (op === '&&' || op === '||') {
    // Each operand of a lazy boolean is a temporary scope: its temporaries are dropped before
    // the other operand runs (engine/98_awaited_operands.rs).
    if (left) {
      w.withStatement(() => w.walkExpr(left, 'read'));
    }
    if (right) {
      w.inRegion(() => w.withStatement(() => w.walkExpr(right, 'read')));
    }
    return;
  }
  const comparison = ['==', '!=', '<', '>', '<=', '>='].includes(op);
  if (left && right && !['<<', '>>'].includes(op)) {
    unifyOperands(w, left, right);
  }
  const pending: Local[] = [];
  let borrowed = false;
  for (const side of [left, right]) {
    if (!side) {
      continue;
    }
    const operandTy = w.typeOf(side);
    const t = peelRefs(operandTy);
    // Only primitive values compare without a call: `a == b` on two `&u64` is `PartialEq::eq(&a, &b)`.
    const builtin =
      operandTy.k === 'prim' ||
      (t.k === 'unknown' && !isLocalOfUnknownType(w, side)) ||
      (operandTy === t && w.ctx.aliasedPrimitive?.(t) != null);
    if (comparison && !builtin) {
      borrowed = true;
      // `PartialEq::eq(&a, &b)`: the operand's own place is borrowed, a reference local too
      // (`k == key` with `key: &str` takes `&key`, which keeps `key` to its scope's end).
      if (isPlace(side)) {
        const unknown = t.k === 'unknown' ? w.lookup(side.text) : undefined;
        const before = unknown?.uses.length ?? 0;
        w.withExplicitBorrow(() => w.walkExpr(side, 'borrow'));
        if (unknown && unknown.uses.length === before + 1) {
          w.tentativeBorrows.push({ local: unknown, uses: before });
        }
      } else {
        walkValueOperand(w, side, 'borrow');
      }
    } else {
      w.walkExpr(side, comparison ? 'read' : 'move');
    }
    if (side === left && right && w.containsAwait(right)) {
      // A compared value is held by reference (`PartialEq::eq(&a, &b)`), its value in its own
      // temporary.
      pending.push(...holdOperand(w, side, borrowed));
    }
  }
  releaseOperands(w, pending, borrowed ? 'read' : 'move');
}

/**
 * A binding whose type is not known, compared (`mechanism != sasl::SCRAM_SHA_256_PLUS`): were it a
 * `&str`, `PartialEq::ne(&mechanism, ..)` borrows it and rustc keeps it to its scope's end, so it
 * is taken as borrowed (held, its type unknown: a lower bound), never as a primitive no one holds.
 */
function isLocalOfUnknownType(w: WalkState, side: SyntaxNode): boolean {
  return side.type === 'identifier' && w.lookup(side.text)?.ty.k === 'unknown';
}

/**
 * An operand evaluated before a later operand's `.await` (`f.await + g.await`, `call(a, b.await)`)
 * is kept in a temporary until the whole expression is computed.
 */
export function holdOperand(w: WalkState, operand: SyntaxNode, byReference = false): Local[] {
  if (isConstantExpression(operand) || w.dead) {
    return [];
  }
  const held = w.typeOf(operand);
  const temp = w.newTemp(byReference ? ref(held) : held, operand);
  if (!byReference && WRITTEN_BY_CONSUMER.has(operand.type)) {
    temp.storageFrom = w.point - 0.5;
  }
  return [temp];
}

/**
 * Values written to their destination by the call or aggregate that consumes their own operand
 * temporaries: the destination needs storage from the call on, while those still do (rustc's
 * storage conflicts gen a call's destination before its moved arguments are killed), so the two
 * cannot share bytes (`add(add(b, x.await), y.await)`: 48 B, not 40;
 * engine/110_callees_and_indexed_bases.rs). A built-in operator's result does not conflict
 * (measured).
 */
const WRITTEN_BY_CONSUMER = new Set([
  'call_expression',
  'tuple_expression',
  'array_expression',
  'struct_expression',
]);

/**
 * Temporaries an expression makes before anything else (a callee, a box, an indexed base): MIR
 * declares a `let`'s bindings before it lowers the initialiser, so they come after a binding made
 * at the same point, which decides ties between locals to promote (`let v = c(a, f().await)`:
 * rustc promotes `&c`, not `v`; fuzz seed 5029 with `--operands`).
 */
export function afterBindings(temps: Local[]): Local[] {
  temps.forEach((t) => (t.order += 0.25));
  return temps;
}

/**
 * The operation that consumes the held operands. A temporary moved into it (`a + b`, a call's
 * argument) needs no storage after that, as rustc's storage conflicts count it; one only borrowed
 * (`PartialEq::eq(&a, &b)`) keeps it to the statement's end.
 */
export function releaseOperands(w: WalkState, temps: Local[], kind: 'move' | 'read'): void {
  const point = ++w.point;
  for (const t of temps) {
    t.uses.push({ point, kind, region: [...w.regionStack] });
  }
}

/** Operands evaluated in order (call arguments, tuple and array elements). */
export function walkOperands(
  w: WalkState,
  nodes: SyntaxNode[],
  before?: (node: SyntaxNode, i: number) => void,
  modeOf: (n: SyntaxNode) => UseKind = () => 'move',
): void {
  const pending: Local[] = [];
  nodes.forEach((n, i) => {
    before?.(n, i);
    w.walkExpr(n, modeOf(n));
    if (nodes.slice(i + 1).some((later) => w.containsAwait(later))) {
      pending.push(...holdOperand(w, n));
    }
  });
  releaseOperands(w, pending, 'move');
}

export function walkAwait(w: WalkState, node: SyntaxNode): void {
  const operand = node.namedChildren[0];
  if (operand) {
    w.walkExpr(operand, 'move');
  }
  w.registerAwait(node, operand ? w.typeOf(operand) : UNKNOWN);
}

/**
 * `&buf[..n]`, `v[i]`: an index of an array, slice, `Vec` or string, or a bound of a range that
 * indexes one, is a `usize`. A local whose type the syntax could not tell (`let n = reader.read(..)
 * .await?;`) gets that type, so it is not taken for a value with drop glue.
 */
export function inferIndexTypes(w: WalkState, base: SyntaxNode, index: SyntaxNode): void {
  const indexed = peelRefs(w.typeOf(base));
  const byUsize =
    indexed.k === 'array' ||
    indexed.k === 'slice' ||
    indexed.k === 'str' ||
    isAdt(indexed, 'Vec', 'String', 'VecDeque');
  settleIndex(w, index, byUsize);
  if (!byUsize) {
    return;
  }
  const operands = index.type === 'range_expression' ? named(index) : [index];
  for (let i = 0; i < operands.length; i++) {
    const operand = operands[i];
    if (
      operand.type === 'binary_expression' &&
      /^[-+*/%]$/.test(operand.childForFieldName('operator')?.text ?? '')
    ) {
      operands.push(...named(operand));
    } else if (operand.type === 'parenthesized_expression') {
      operands.push(...named(operand));
    } else if (operand.type === 'identifier') {
      const local = w.lookup(operand.text);
      if (local && local.ty.k === 'unknown') {
        local.ty = prim('usize');
      }
    }
  }
}

// ---- the walk of each expression kind (see EXPRESSION_WALKS in bodyWalker.ts) ----

/** A local named on its own: used as the context says (`x;` reads it). */
export function walkPath(w: WalkState, node: SyntaxNode, mode: WalkMode): void {
  const local = w.lookup(node.text);
  if (local) {
    w.use(local, mode === 'discard' ? 'read' : mode);
  }
}

export function walkField(w: WalkState, node: SyntaxNode, mode: WalkMode): void {
  const root = w.placeRoot(node);
  if (root && !root.viaDeref && isAdt(root.local.ty, ...DEREF_TRAIT_TYPES)) {
    // `guard.field` goes through `Deref::deref(&guard)`: a borrow of the guard itself.
    w.use(root.local, 'borrow', '');
    return;
  }
  if (root) {
    let kind: UseKind = mode === 'discard' ? 'read' : mode;
    if (kind === 'move' && w.ctx.traits(w.typeOf(node)).copy) {
      kind = 'read';
    }
    if (root.viaDeref && kind === 'borrow') {
      kind = 'read';
    }
    w.use(root.local, kind, root.path);
    return;
  }
  const base = node.childForFieldName('value');
  if (base) {
    walkValueOperand(w, base, mode === 'borrow' ? 'borrow' : 'read');
  }
}

export function walkIndex(w: WalkState, node: SyntaxNode, mode: WalkMode): void {
  const [base, idx] = named(node);
  if (base && idx) {
    inferIndexTypes(w, base, idx);
  }
  const heldBase = base && idx ? indexedBaseHeldAcrossIndex(w, base, idx) : [];
  if (idx) {
    w.walkExpr(idx, 'move');
  }
  releaseOperands(w, heldBase, 'read');
  if (base) {
    const bt = peelRefs(w.typeOf(base));
    // Built-in array indexing is a plain place access; everything else calls `Index::index(&base)`.
    const builtin = bt.k === 'array' && idx?.type !== 'range_expression';
    if (isPlace(base) && builtin && w.typeOf(base).k === 'ref') {
      // `b[1]` with `b: &[u8; N]` is `(*b)[1]`: used through the reference (a closure or async
      // block around it captures `b` itself, not a borrow of it; measured).
      w.withDerefOperand(() => w.walkExpr(base, mode === 'borrow' ? 'borrow' : 'read'));
    } else if (isPlace(base)) {
      w.walkExpr(base, builtin ? (mode === 'borrow' ? 'borrow' : 'read') : 'borrow');
    } else {
      walkValueOperand(w, base, 'borrow');
    }
  }
}

/** Collections whose `Index` impls are indexed through `&self` of the collection itself. */
const INDEXED_COLLECTIONS = ['Vec', 'String', 'VecDeque', 'HashMap', 'BTreeMap'];

/**
 * `v[i.await]` on a `Vec` (or a map, or an array by a range) is `Index::index(&v, i)`: the borrow
 * of `v` is made before the index runs, so it is held across the index's awaits
 * (engine/110_callees_and_indexed_bases.rs). Built-in indexing (an array or slice by `usize`) and
 * a base that is a reference (reborrowed through, measured) hold none; of another type, whether a
 * borrow is made through `Deref` is not known, so the temporary is of unknown size.
 */
function indexedBaseHeldAcrossIndex(w: WalkState, base: SyntaxNode, idx: SyntaxNode): Local[] {
  if (!w.containsAwait(idx) || w.dead) {
    return [];
  }
  const baseTy = w.typeOf(base);
  const byRange = idx.type === 'range_expression';
  if (baseTy.k === 'ref' || ((baseTy.k === 'array' || baseTy.k === 'slice') && !byRange)) {
    return [];
  }
  const known = baseTy.k === 'array' || isAdt(baseTy, ...INDEXED_COLLECTIONS);
  return afterBindings([w.newTemp(known ? ref(baseTy) : UNKNOWN, base)]);
}

export function walkReference(w: WalkState, node: SyntaxNode): void {
  const operand = node.childForFieldName('value');
  if (!operand) {
    return;
  }
  if (operand.type === 'identifier' || operand.type === 'self') {
    // `&r` borrows the local itself, even when `r` is a reference.
    w.withExplicitBorrow(() => w.walkExpr(operand, 'borrow'));
  } else if (operand.type === 'field_expression' && isPlace(operand)) {
    // `&o.r` borrows the field itself, not what a reference there points to (a closure holds
    // `&o.r`, where `o.r.len()` would make it hold `&*o.r`; measured).
    w.withExplicitBorrow(() => w.walkExpr(operand, 'borrow'));
  } else if (isPlace(operand)) {
    w.walkExpr(operand, 'borrow');
  } else {
    walkValueOperand(w, operand, 'borrow');
  }
}

export function walkUnary(w: WalkState, node: SyntaxNode): void {
  const operand = node.namedChildren[0];
  if (!operand) {
    return;
  }
  if (node.children[0]?.type !== '*') {
    w.walkExpr(operand, isPrimitive(w.typeOf(operand)) ? 'read' : 'move');
    return;
  }
  const t = w.typeOf(operand);
  // `*guard` on a smart pointer calls Deref::deref(&guard).
  const viaDerefTrait = isAdt(peelRefs(t), ...DEREF_TRAIT_TYPES);
  // `*format!(..)`, `*s.to_string()`: any struct but `Box` is dereferenced through its `Deref`
  // impl too (rustc: 104 B for `query(&*format!(..)).await`, with the `String` held).
  const ownedDeref = t.k === 'adt' && !isAdt(t, 'Box');
  if ((viaDerefTrait || ownedDeref) && t.k !== 'ref' && !isPlace(operand)) {
    // `*m.lock().unwrap()`: the guard is a temporary of the statement (of the whole `match`
    // for a scrutinee), so it is still alive at an await later in it.
    walkValueOperand(w, operand, 'borrow');
  } else if (t.k === 'ref') {
    w.withDerefOperand(() => w.walkExpr(operand, 'read'));
  } else {
    w.walkExpr(operand, viaDerefTrait ? 'borrow' : 'read');
  }
}

/** `(e)`, `else e`: the inner expressions, used as the whole is. */
export function walkChildren(w: WalkState, node: SyntaxNode, mode: WalkMode): void {
  for (const c of named(node)) {
    w.walkExpr(c, mode);
  }
}

export function walkCast(w: WalkState, node: SyntaxNode): void {
  const v = node.childForFieldName('value');
  if (v) {
    w.walkExpr(v, 'read');
  }
}

export function walkAssign(w: WalkState, node: SyntaxNode): void {
  const right = node.childForFieldName('right');
  const left = node.childForFieldName('left');
  if (right) {
    w.walkExpr(right, 'move');
  }
  if (left) {
    if (right && !isUnsuffixedInt(right)) {
      unifyAssigned(w, left, right);
      typeDeferredLet(w, left, right);
    }
    walkAssignTarget(w, left);
  }
}

/**
 * `let n;` then `n = value;`: the first value with a known type gives the binding's. So does the
 * first `Some(..)` written to a `let x = None;` (`last_err = Some(e)`).
 */
function typeDeferredLet(w: WalkState, left: SyntaxNode, right: SyntaxNode): void {
  const local = left.type === 'identifier' ? w.lookup(left.text) : undefined;
  if (!local || isOpenNumber(right)) {
    return;
  }
  const openOption =
    isAdt(local.ty, 'Option') && local.ty.k === 'adt' && local.ty.args[0]?.k === 'unknown';
  if ((local.deferredInit && local.ty.k === 'unknown') || openOption) {
    const t = w.typeOf(right);
    if (
      t.k !== 'unknown' &&
      t.k !== 'never' &&
      (!openOption || (isAdt(t, 'Option') && !hasUnknown(t)))
    ) {
      local.ty = t;
    }
  }
}

export function walkCompoundAssign(w: WalkState, node: SyntaxNode): void {
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  const shift = /^(<<|>>)=$/.test(node.childForFieldName('operator')?.text ?? '');
  if (left && right && !isUnsuffixedInt(right) && !shift) {
    unifyAssigned(w, left, right);
  }
  const lt = left ? w.typeOf(left) : UNKNOWN;
  const primitive = isPrimitive(peelRefs(lt)) || lt.k === 'unknown';
  let receiverTemp: Local | null = null;
  if (left && !primitive && right && w.containsAwait(right)) {
    // `d += f().await` takes `&mut d` before evaluating the right side.
    receiverTemp = w.newTemp(ref(lt, true), left);
  }
  if (right) {
    w.walkExpr(right, 'move');
  }
  if (left) {
    w.walkExpr(left, primitive ? 'read' : 'borrow');
  }
  if (receiverTemp) {
    receiverTemp.uses.push({ point: ++w.point, kind: 'read', region: [...w.regionStack] });
  }
}

export function walkTry(w: WalkState, node: SyntaxNode): void {
  const inner = node.namedChildren[0];
  if (inner) {
    w.walkExpr(inner, 'move');
    const t = w.typeOf(inner);
    const branch = w.newTemp(controlFlowOf(t), node);
    // `fut.await?`: the ControlFlow is made from the output once the awaited future is gone (measured).
    branch.init = Math.max(branch.init, w.lastAwaiteeEnd);
  }
}

/** Tuple and array elements, call arguments: operands in order; an array's length is read. */
export function walkElements(w: WalkState, node: SyntaxNode): void {
  const len = node.childForFieldName('length');
  walkOperands(w, named(node), undefined, (c) => (c.id === len?.id ? 'read' : 'move'));
}

/**
 * Field values are operands evaluated in the order written, each into a temporary that the
 * struct is built from: one written before a later field's await is held across it, as an
 * earlier call argument is (engine/110_callees_and_indexed_bases.rs).
 */
export function walkStructLiteral(w: WalkState, node: SyntaxNode): void {
  const body = node.childForFieldName('body');
  const values: SyntaxNode[] = [];
  const fields: [string, SyntaxNode][] = [];
  for (const f of named(body)) {
    let v: SyntaxNode | null = null;
    if (f.type === 'shorthand_field_initializer' || f.type === 'base_field_initializer') {
      v = f.namedChildren[0];
      if (f.type === 'shorthand_field_initializer' && v) {
        fields.push([v.text, v]);
      }
    } else if (f.type === 'field_initializer') {
      v = f.childForFieldName('value');
      const name = f.childForFieldName('field')?.text;
      if (v && name) {
        fields.push([name, v]);
      }
    }
    if (v) {
      values.push(v);
    }
  }
  settleFieldValues(w, w.typeOf(node), fields);
  walkOperands(w, values);
}

/** `a..b` is the struct literal `Range { start: a, end: b }`: its bounds are operands in order. */
export function walkRange(w: WalkState, node: SyntaxNode): void {
  walkOperands(w, named(node));
}
