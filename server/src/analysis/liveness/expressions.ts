/** Operators, operands and value temporaries of expressions in an async body. */
import type { SyntaxNode } from '../syntax/parser';
import { Ty, UNKNOWN, adt, isAdt, peelRefs, prim } from '../types/types';
import type { BodyWalker } from './bodyWalker';
import { Local, UseKind } from './held';
import { unifyOperands } from './intInference';
import { isConstantExpression, isPlace, named } from './syntaxShapes';

/**
 * The left side of `=`: writing a local or its fields is no use of it; writing through a reference
 * reads the reference; `v[i] = x` on a non-array calls `IndexMut::index_mut(&mut v)`.
 */
export function walkAssignTarget(w: BodyWalker, left: SyntaxNode, whole = true): void {
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
      return;
    }
  }
  w.walkExpr(left, 'read');
}

/** A value expression used by reference: evaluated into a temporary that lives to the end of the statement. */
export function walkValueOperand(w: BodyWalker, node: SyntaxNode, _kind: 'borrow' | 'read'): void {
  if (isPlace(node)) {
    w.walkExpr(node, _kind);
    return;
  }
  w.walkExpr(node, 'move');
  // `&[1, 2]`, `&CONST`: constant expressions are promoted to statics, no temporary.
  if (producesValue(w, node) && !(_kind === 'borrow' && isConstantExpression(node))) {
    const temp = w.newTemp(w.typeOf(node), node);
    temp.uses.push({ point: ++w.point, kind: _kind === 'borrow' ? 'borrow' : 'read', region: [...w.regionStack] });
  }
}

export function producesValue(w: BodyWalker, node: SyntaxNode): boolean {
  return ['call_expression', 'macro_invocation', 'await_expression', 'struct_expression', 'array_expression', 'tuple_expression', 'try_expression', 'index_expression', 'binary_expression', 'type_cast_expression'].includes(node.type);
}

export function isPrimitive(w: BodyWalker, t: Ty): boolean {
  return t.k === 'prim';
}

export function controlFlowOf(w: BodyWalker, t: Ty): Ty {
  const p = peelRefs(t);
  if (isAdt(p, 'Result')) {
    const err = p.k === 'adt' ? p.args[1] ?? UNKNOWN : UNKNOWN;
    const segs = p.k === 'adt' ? p.segments : [];
    const e = segs.includes('io') || (p.k === 'adt' && p.args.length === 1) ? adt('io::Error') : err;
    return adt('ControlFlow', e, p.k === 'adt' ? p.args[0] ?? UNKNOWN : UNKNOWN);
  }
  if (isAdt(p, 'Option')) {
    return adt('ControlFlow', prim('bool'), p.k === 'adt' ? p.args[0] ?? UNKNOWN : UNKNOWN);
  }
  return adt('ControlFlow', UNKNOWN, UNKNOWN);
}

export function walkBinary(w: BodyWalker, node: SyntaxNode): void {
  const op = node.childForFieldName('operator')?.text ?? node.children[1]?.type ?? '';
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  if (op === '&&' || op === '||') {
    if (left) {
      w.walkExpr(left, 'read');
    }
    if (right) {
      w.inRegion(() => w.walkExpr(right, 'read'));
    }
    return;
  }
  const comparison = ['==', '!=', '<', '>', '<=', '>='].includes(op);
  if (left && right && !['<<', '>>'].includes(op)) {
    unifyOperands(w, left, right);
  }
  const pending: Local[] = [];
  for (const side of [left, right]) {
    if (!side) {
      continue;
    }
    const t = peelRefs(w.typeOf(side));
    const builtin = t.k === 'prim' || t.k === 'unknown';
    if (comparison && !builtin) {
      // `PartialEq::eq(&a, &b)`.
      if (isPlace(side)) {
        w.walkExpr(side, 'borrow');
      } else {
        walkValueOperand(w, side, 'borrow');
      }
    } else {
      w.walkExpr(side, comparison ? 'read' : 'move');
    }
    if (side === left && right && w.containsAwait(right)) {
      pending.push(...holdOperand(w, side));
    }
  }
  releaseOperands(w, pending);
}

/**
 * An operand evaluated before a later operand's `.await` (`f.await + g.await`, `call(a, b.await)`)
 * is kept in a temporary until the whole expression is computed.
 */
export function holdOperand(w: BodyWalker, operand: SyntaxNode): Local[] {
  if (isConstantExpression(operand) || w.dead) {
    return [];
  }
  return [w.newTemp(w.typeOf(operand), operand)];
}

export function releaseOperands(w: BodyWalker, temps: Local[]): void {
  for (const t of temps) {
    t.uses.push({ point: ++w.point, kind: 'read', region: [...w.regionStack] });
  }
}

/** Operands evaluated in order (call arguments, tuple and array elements). */
export function walkOperands(w: BodyWalker, nodes: SyntaxNode[], before?: (node: SyntaxNode, i: number) => void, modeOf: (n: SyntaxNode) => UseKind = () => 'move'): void {
  const pending: Local[] = [];
  nodes.forEach((n, i) => {
    before?.(n, i);
    w.walkExpr(n, modeOf(n));
    if (nodes.slice(i + 1).some((later) => w.containsAwait(later))) {
      pending.push(...holdOperand(w, n));
    }
  });
  releaseOperands(w, pending);
}

export function walkAwait(w: BodyWalker, node: SyntaxNode): void {
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
export function inferIndexTypes(w: BodyWalker, base: SyntaxNode, index: SyntaxNode): void {
  const indexed = peelRefs(w.typeOf(base));
  if (indexed.k !== 'array' && indexed.k !== 'slice' && indexed.k !== 'str' && !isAdt(indexed, 'Vec', 'String', 'VecDeque')) {
    return;
  }
  const operands = index.type === 'range_expression' ? named(index) : [index];
  for (let i = 0; i < operands.length; i++) {
    const operand = operands[i];
    if (operand.type === 'binary_expression' && /^[-+*/%]$/.test(operand.childForFieldName('operator')?.text ?? '')) {
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
