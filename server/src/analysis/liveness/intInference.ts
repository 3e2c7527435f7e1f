/** Settling the type of unsuffixed integer literal bindings from their uses, as rustc infers it. */
import type { SyntaxNode } from '../syntax/parser';
import { peelRefs, Ty } from '../types/types';
import { Local } from './held';
import { argumentRoot, FORMAT_MACROS, isUnsuffixedInt, named } from './syntaxShapes';
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

const COMPARISONS = new Set(['==', '!=', '<', '>', '<=', '>=']);
const SHIFTS = new Set(['<<', '>>']);

/**
 * After the walk: an integer binding nothing settled is i32 only when every use of it is one
 * that leaves rustc's fallback alone (compared or combined with literals or with bindings linked
 * to it, cast, shifted by, formatted, discarded). A use not understood here may settle it in
 * rustc (`x.max(y)`, `b[0] = 1u8`, a trait method), so its width is left open (a lower bound)
 * rather than guessed.
 */
export function openUnexplainedDefaults(w: WalkState): void {
  for (const local of [...w.flexInts.keys()]) {
    if (!w.flexInts.has(local)) {
      continue; // settled with a binding linked to it
    }
    const group = linkedGroup(w, local);
    const names = new Set(group.map((l) => l.name).filter((n): n is string => !!n));
    const node = local.node;
    const scope = node ? useScope(node) : null;
    const explained =
      !!node &&
      !!scope &&
      !!local.name &&
      scope
        .descendantsOfType('identifier')
        .filter((id) => id.text === local.name && id.startIndex >= node.endIndex)
        .every((id) => keepsFallback(id, names, local.ty.k === 'array')) &&
      !namedAsFormatCount(scope, local.name);
    if (!explained) {
      settleInt(w, local, '{integer}');
    }
  }
}

/** `format!("{:w$}", x)`: a width or precision named in a format string is a `usize`. */
function namedAsFormatCount(scope: SyntaxNode, name: string): boolean {
  const pattern = new RegExp(`[{:.]${name}\\$`);
  return scope
    .descendantsOfType(['string_literal', 'raw_string_literal'])
    .some((s) => pattern.test(s.text));
}

function linkedGroup(w: WalkState, local: Local): Local[] {
  const seen = new Set<Local>([local]);
  const pending = [local];
  for (let next = pending.pop(); next; next = pending.pop()) {
    for (const other of w.flexLinks.get(next) ?? []) {
      if (!seen.has(other)) {
        seen.add(other);
        pending.push(other);
      }
    }
  }
  return [...seen];
}

/** Where a binding can be named: the rest of the block of its `let`, or its `for` loop. */
function useScope(binding: SyntaxNode): SyntaxNode | null {
  for (let n = binding.parent; n; n = n.parent) {
    if (n.type === 'let_declaration') {
      return n.parent;
    }
    if (n.type === 'for_expression') {
      return n;
    }
    if (n.type.endsWith('_item') || n.type === 'block') {
      return null;
    }
  }
  return null;
}

/** A value of the same (unsettled) integer type: a literal, or a binding linked with it. */
function isOpenOperand(node: SyntaxNode | null, names: Set<string>): boolean {
  if (!node) {
    return false;
  }
  switch (node.type) {
    case 'integer_literal':
    case 'unary_expression':
      return isUnsuffixedInt(node);
    case 'identifier':
      return names.has(node.text);
    case 'parenthesized_expression':
      return isOpenOperand(node.namedChildren[0], names);
    case 'binary_expression':
      return (
        ARITHMETIC.has(node.childForFieldName('operator')?.text ?? '') &&
        isOpenOperand(node.childForFieldName('left'), names) &&
        isOpenOperand(node.childForFieldName('right'), names)
      );
    default:
      return false;
  }
}

/**
 * Whether `expr`, a value of the binding's integer type (or, for `[0; N]`, the array), is used
 * where rustc's i32 fallback stays: nothing there gives the integer another type.
 */
function keepsFallback(expr: SyntaxNode, names: Set<string>, isArray: boolean): boolean {
  const parent = expr.parent;
  if (!parent) {
    return false;
  }
  if (isArray) {
    return arrayKeepsFallback(expr, parent, names);
  }
  switch (parent.type) {
    case 'parenthesized_expression':
      return keepsFallback(parent, names, false);
    case 'type_cast_expression':
      return true;
    case 'expression_statement':
      // Without `;`, a block-like expression ending a block is the block's value.
      return parent.children.some((c) => c?.type === ';') || keepsFallback(parent, names, false);
    case 'block':
    case 'else_clause':
    case 'if_expression':
    case 'match_arm':
      return branchKeepsFallback(expr, parent, names);
    case 'binary_expression':
    case 'compound_assignment_expr':
    case 'assignment_expression':
      return operandKeepsFallback(expr, parent, names);
    case 'let_declaration':
      // `let y = x;` links `y` (its own uses are checked with it); a shadowing `let x` names a new one.
      return (
        parent.childForFieldName('pattern')?.id === expr.id ||
        (!parent.childForFieldName('type') &&
          ['identifier', '_'].includes(parent.childForFieldName('pattern')?.type ?? '') &&
          branchesOpen(expr, names))
      );
    case 'token_tree':
      return isFormattedArgument(expr, parent);
    case 'match_expression':
      return parent.childForFieldName('value')?.id === expr.id && literalArms(parent);
    case 'field_expression':
      return receiverKeepsFallback(parent, names);
    default:
      return false;
  }
}

/** A value that ends a block or branch: the `if` or `match` it ends, with literal or linked others. */
function branchKeepsFallback(expr: SyntaxNode, parent: SyntaxNode, names: Set<string>): boolean {
  switch (parent.type) {
    case 'block':
    case 'else_clause':
      return isValueOf(expr, parent) && keepsFallback(parent, names, false);
    case 'if_expression':
      return (
        parent.childForFieldName('condition')?.id !== expr.id &&
        branchesOpen(parent, names) &&
        keepsFallback(parent, names, false)
      );
    default: {
      const match = parent.parent?.parent;
      return (
        parent.childForFieldName('value')?.id === expr.id &&
        !!match &&
        branchesOpen(match, names) &&
        keepsFallback(match, names, false)
      );
    }
  }
}

/** An operand of an operator or assignment whose other side is a literal or a linked binding. */
function operandKeepsFallback(expr: SyntaxNode, parent: SyntaxNode, names: Set<string>): boolean {
  const op = parent.childForFieldName('operator')?.text ?? '';
  const isRight = parent.childForFieldName('right')?.id === expr.id;
  const other = parent.childForFieldName(isRight ? 'left' : 'right');
  if (parent.type === 'assignment_expression') {
    return isOpenOperand(other, names);
  }
  if (parent.type === 'compound_assignment_expr') {
    return (SHIFTS.has(op.slice(0, 2)) && isRight) || isOpenOperand(other, names);
  }
  if (SHIFTS.has(op)) {
    return isRight || keepsFallback(parent, names, false);
  }
  if (!isOpenOperand(other, names)) {
    return false;
  }
  return COMPARISONS.has(op) || (ARITHMETIC.has(op) && keepsFallback(parent, names, false));
}

/** Every value a branching expression may end with is of the same unsettled type (`if c { x } else { 0 }`). */
function branchesOpen(node: SyntaxNode, names: Set<string>): boolean {
  const values = branchValues(node);
  return values.length > 0
    ? values.every((v) => branchesOpen(v, names))
    : isOpenOperand(node, names);
}

/** The tail of a block that is a branch's or a `let`'s value, or an `else` branch. */
function isValueOf(expr: SyntaxNode, parent: SyntaxNode): boolean {
  if (parent.type === 'else_clause') {
    return true;
  }
  const owner = parent.parent?.type ?? '';
  return (
    named(parent).pop()?.id === expr.id &&
    ['if_expression', 'else_clause', 'match_arm', 'let_declaration'].includes(owner)
  );
}

/** `[0; 64]`: its elements take the fallback only through `b[i]` used so, or `b.len()`. */
function arrayKeepsFallback(expr: SyntaxNode, parent: SyntaxNode, names: Set<string>): boolean {
  if (parent.type === 'index_expression' && parent.namedChildren[0]?.id === expr.id) {
    return keepsFallback(parent, names, false);
  }
  if (parent.type === 'field_expression') {
    const method = parent.childForFieldName('field')?.text;
    return (method === 'len' || method === 'is_empty') && parent.parent?.type === 'call_expression';
  }
  return parent.type === 'expression_statement';
}

/** `x.to_string()`, `x.clone()`, `x.max(1)`: methods every integer type has, with no other type. */
function receiverKeepsFallback(field: SyntaxNode, names: Set<string>): boolean {
  const call = field.parent;
  if (call?.type !== 'call_expression' || call.childForFieldName('function')?.id !== field.id) {
    return false;
  }
  const method = field.childForFieldName('field')?.text ?? '';
  const args = named(call.childForFieldName('arguments'));
  if (method === 'to_string' && args.length === 0) {
    return true;
  }
  if (method === 'clone' && args.length === 0) {
    return keepsFallback(call, names, false);
  }
  if (method === 'max' || method === 'min') {
    return args.every((a) => isOpenOperand(a, names)) && keepsFallback(call, names, false);
  }
  return false;
}

/** `println!("{}", x)`: a whole argument of a formatting macro. */
function isFormattedArgument(expr: SyntaxNode, tokens: SyntaxNode): boolean {
  const invocation = tokens.parent;
  const macro = invocation?.childForFieldName('macro')?.text.split('::').pop() ?? '';
  if (invocation?.type !== 'macro_invocation' || !FORMAT_MACROS.has(macro)) {
    return false;
  }
  const before = expr.previousSibling?.type;
  const after = expr.nextSibling?.type;
  return (before === ',' || before === '=') && (after === ',' || after === ')' || !after);
}

/** `match x { 0 => .., 1..=9 => .., _ => .. }`: patterns that give no type. */
function literalArms(match: SyntaxNode): boolean {
  return named(match.childForFieldName('body'))
    .filter((arm) => arm.type === 'match_arm')
    .every((arm) => {
      const pattern = arm.childForFieldName('pattern');
      return !!pattern && /^[\s\d_.=|-]*$/.test(pattern.text.replace(/\bif\b.*$/s, ''));
    });
}
