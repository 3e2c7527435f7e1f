/** Settling the type of unsuffixed integer literal bindings from their uses, as rustc infers it. */
import type { SyntaxNode } from '../syntax/parser';
import { peelRefs, Ty } from '../types/types';
import { Local } from './held';
import { argumentRoot, isUnsuffixedInt, named } from './syntaxShapes';
import type { WalkState } from './walkState';

export const INTEGER_NAMES: Record<string, true> = {
  u8: true,
  u16: true,
  u32: true,
  u64: true,
  u128: true,
  usize: true,
  i8: true,
  i16: true,
  i32: true,
  i64: true,
  i128: true,
  isize: true,
};

/** std functions and methods whose first parameter is an integer of one type (what settles a literal passed there). */
export const STD_INTEGER_PARAM: Record<string, string> = {
  with_capacity: 'usize',
  reserve: 'usize',
  reserve_exact: 'usize',
  truncate: 'usize',
  split_off: 'usize',
  swap_remove: 'usize',
  skip: 'usize',
  take: 'usize',
  nth: 'usize',
  step_by: 'usize',
  chunks: 'usize',
  windows: 'usize',
  repeat: 'usize',
  from_secs: 'u64',
  from_millis: 'u64',
  from_micros: 'u64',
  from_nanos: 'u64',
};

export const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '&', '|', '^']);

/** Settles integer literal bindings from the type an expression is expected to have (`Ok(n)` returned as `io::Result<usize>`). */
export function unifyExpected(w: WalkState, node: SyntaxNode, ty: Ty): void {
  if (node.type === 'identifier' && ty.k === 'array') {
    // `let b: [u8; 4] = a;` with `let a = [0; 4];`
    const local = w.lookup(node.text);
    if (local && ty.elem.k === 'prim' && ty.elem.name in INTEGER_NAMES) {
      settleInt(w, local, ty.elem.name);
    }
  } else if (node.type === 'identifier') {
    unifyInt(w, node, ty);
  } else if (node.type === 'call_expression' && ty.k === 'adt') {
    const ctor = node.childForFieldName('function')?.text;
    const args = named(node.childForFieldName('arguments'));
    const inner =
      ctor === 'Err' ? ty.args[1] : ctor === 'Ok' || ctor === 'Some' ? ty.args[0] : undefined;
    if (inner && args.length === 1) {
      unifyExpected(w, args[0], inner);
    }
  } else if (node.type === 'tuple_expression' && ty.k === 'tuple') {
    named(node).forEach((e, i) => ty.elems[i] && unifyExpected(w, e, ty.elems[i]));
  } else if (node.type === 'parenthesized_expression' && node.namedChildren[0]) {
    unifyExpected(w, node.namedChildren[0], ty);
  } else if (node.type === 'binary_expression') {
    unifyInt(w, node, ty);
  } else {
    // `if c { s } else { 0 }`, `match`, a block: each value it may end with has the type.
    branchValues(node).forEach((value) => unifyExpected(w, value, ty));
  }
}

/**
 * The unsettled integer bindings a value hands over, through the branches of an `if` or `match`
 * and a block's tail too (`let c = if a > b { a } else { b };`).
 */
export function valueRoots(w: WalkState, node: SyntaxNode): Local[] {
  const inBranches = branchValues(node).flatMap((value) => valueRoots(w, value));
  return [...flexRoots(w, node), ...inBranches];
}

/** The expressions a block, `if`, `else` or `match` may end with (its tails and arm values). */
export function branchValues(node: SyntaxNode): SyntaxNode[] {
  switch (node.type) {
    case 'block': {
      const tail = named(node).pop();
      return tail && tail.type !== 'let_declaration' ? [tail] : [];
    }
    case 'expression_statement':
      // A block-like expression ending a block is a statement to tree-sitter; with no `;` it is
      // still the block's value.
      return node.children.some((c) => c?.type === ';') ? [] : named(node).slice(0, 1);
    case 'if_expression':
      return [node.childForFieldName('consequence'), node.childForFieldName('alternative')]
        .filter((b): b is SyntaxNode => !!b)
        .flatMap(branchValues);
    case 'else_clause':
      return named(node).flatMap(branchValues);
    case 'match_expression':
      return named(node.childForFieldName('body'))
        .filter((arm) => arm.type === 'match_arm')
        .flatMap((arm) => {
          const value = arm.childForFieldName('value');
          return value ? [value] : [];
        });
    default:
      return [];
  }
}

/** An unsuffixed integer literal binding takes the integer type it is used with (`let mut n = 0; .. n += len`). */
export function unifyInt(w: WalkState, node: SyntaxNode | null, ty: Ty): void {
  if (!node) {
    return;
  }
  if (
    node.type === 'binary_expression' &&
    ARITHMETIC.has(node.childForFieldName('operator')?.text ?? '')
  ) {
    // `1 + i` has the type of `i`: what settles the sum settles `i`.
    for (const side of [node.childForFieldName('left'), node.childForFieldName('right')]) {
      if (side && !isUnsuffixedInt(side)) {
        unifyInt(w, side, ty);
      }
    }
    return;
  }
  if (node.type !== 'identifier') {
    // `&mut buf` or `&buf[..n]` for a `&mut [u8]` parameter settles the array's elements.
    const root = argumentRoot(node);
    const local = root ? w.lookup(root.text) : undefined;
    const elem =
      ty.k === 'ref' && (ty.inner.k === 'slice' || ty.inner.k === 'array') ? ty.inner.elem : null;
    if (local && local.ty.k === 'array' && elem?.k === 'prim' && elem.name in INTEGER_NAMES) {
      settleInt(w, local, elem.name);
    }
    return;
  }
  if (ty.k !== 'prim' || !(ty.name in INTEGER_NAMES)) {
    return;
  }
  const local = w.lookup(node.text);
  if (local && local.ty.k === 'prim') {
    settleInt(w, local, ty.name);
  }
}

/**
 * Gives an unsettled integer binding its type (`{integer}` when a use rustc sees cannot be seen
 * here), and the same to every unsettled binding linked with it.
 */
export function settleInt(w: WalkState, local: Local, name: string): void {
  const pending = [local];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const int = w.flexInts.get(next);
    if (int) {
      int.name = name;
      w.flexInts.delete(next);
      pending.push(...(w.flexLinks.get(next) ?? []));
    }
  }
}

/** Unsettled integer bindings that must end with one type: whatever settles one settles all. */
export function linkInts(w: WalkState, a: readonly Local[], b: readonly Local[]): void {
  for (const x of a) {
    for (const y of b) {
      if (x !== y) {
        w.flexLinks.set(x, [...(w.flexLinks.get(x) ?? []), y]);
        w.flexLinks.set(y, [...(w.flexLinks.get(y) ?? []), x]);
      }
    }
  }
}

/**
 * `left = right` or `left += right`: one integer type for both. Unsettled on both sides, they are
 * linked (the placeholder i32 of `right` must not settle `left`); a settled side settles the other.
 */
export function unifyAssigned(w: WalkState, left: SyntaxNode, right: SyntaxNode): void {
  const leftRoots = flexRoots(w, left);
  const rightRoots = flexRoots(w, right);
  if (rightRoots.length === 0) {
    unifyInt(w, left, peelRefs(w.typeOf(right)));
  } else if (leftRoots.length > 0) {
    linkInts(w, leftRoots, rightRoots);
  } else {
    const leftTy = peelRefs(w.typeOf(left));
    if (leftTy.k === 'unknown') {
      // rustc types `right` from a type not known here: i32 would be a guess.
      rightRoots.forEach((local) => settleInt(w, local, '{integer}'));
    } else {
      unifyInt(w, right, leftTy);
    }
  }
}

/** The unsettled integer bindings an operand hands over (`n`, `&buf`, `1 + i`). */
export function flexRoots(w: WalkState, node: SyntaxNode): Local[] {
  if (
    node.type === 'binary_expression' &&
    ARITHMETIC.has(node.childForFieldName('operator')?.text ?? '')
  ) {
    return [node.childForFieldName('left'), node.childForFieldName('right')].flatMap((side) =>
      side ? flexRoots(w, side) : [],
    );
  }
  const root = argumentRoot(node);
  const local = root ? w.lookup(root.text) : undefined;
  return local && w.flexInts.has(local) ? [local] : [];
}

/**
 * Two operands compared or combined: an unsettled integer takes the other's integer type, and
 * one compared with a value of a type not known here is left open (`set.len() == 1 + i`).
 */
export function unifyOperands(w: WalkState, left: SyntaxNode, right: SyntaxNode): void {
  for (const [side, other] of [
    [left, right],
    [right, left],
  ] as const) {
    // Two unsettled integers settle together, by whichever use settles one first.
    const otherRoots = flexRoots(w, other);
    if (isUnsuffixedInt(other) || otherRoots.length > 0) {
      linkInts(w, flexRoots(w, side), otherRoots);
      continue;
    }
    const otherTy = peelRefs(w.typeOf(other));
    if (otherTy.k === 'unknown' || (otherTy.k === 'prim' && otherTy.name === '{integer}')) {
      flexRoots(w, side).forEach((local) => settleInt(w, local, '{integer}'));
    } else {
      unifyInt(w, side, otherTy);
    }
  }
}

/**
 * Arguments that hand an unsettled integer (or array of them) to a function whose parameter types
 * are not known here: rustc types the literal from that parameter, so i32 would be a guess.
 */
export function unsettleIntArguments(w: WalkState, args: SyntaxNode[]): void {
  for (const a of args) {
    flexRoots(w, a).forEach((local) => settleInt(w, local, '{integer}'));
  }
}

/** An integer settled where it is used as an index of a type known here, or left open. */
export function settleIndex(w: WalkState, index: SyntaxNode, builtinIndexed: boolean): void {
  const operands = index.type === 'range_expression' ? named(index) : [index];
  for (const operand of operands) {
    if (builtinIndexed) {
      unifyInt(w, operand, { k: 'prim', name: 'usize' });
    } else {
      // Another type's `Index` impl may take any integer type.
      flexRoots(w, operand).forEach((local) => settleInt(w, local, '{integer}'));
    }
  }
}

/** `S { count: n }`: each field's declared integer type settles its value (or leaves it open). */
export function settleFieldValues(w: WalkState, struct: Ty, fields: [string, SyntaxNode][]): void {
  for (const [name, value] of fields) {
    const declared = peelRefs(w.typer.fieldType(struct, name));
    if (declared.k === 'prim' && declared.name in INTEGER_NAMES) {
      unifyInt(w, value, declared);
    } else {
      flexRoots(w, value).forEach((local) => settleInt(w, local, '{integer}'));
    }
  }
}
