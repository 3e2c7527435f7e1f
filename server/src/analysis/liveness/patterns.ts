/** `let` and patterns: the bindings a pattern declares and what it moves out of a place. */
import { DEREF_TRAIT_TYPES } from '../types/knownTypes';
import { typeFromNode } from '../items/items';
import type { SyntaxNode } from '../syntax/parser';
import { elementType } from '../types/infer';
import {
  hasUnknown,
  isAdt,
  mapTypeParts,
  peelRefs,
  prim,
  ref,
  Ty,
  typeParts,
  UNKNOWN,
} from '../types/types';
import { Local } from './held';
import { isPinMacro, walkPinMacro } from './pins';
import { isPromotedWhenBorrowed } from './promotion';
import {
  isPlace,
  isRestPattern,
  isSimplePlace,
  isUnsuffixedInt,
  isUnsuffixedIntArray,
  named,
  positionalParts,
} from './syntaxShapes';
import type { WalkState } from './walkState';
import {
  branchValues,
  INTEGER_NAMES,
  linkInts,
  settleInt,
  unifyExpected,
  valueRoots,
} from './intInference';
import { dependencyVariantField } from '../deps/dependencyFields';

export function walkLet(w: WalkState, stmt: SyntaxNode): void {
  const pattern = stmt.childForFieldName('pattern');
  const value = stmt.childForFieldName('value');
  const tyNode = stmt.childForFieldName('type');
  const alternative = stmt.childForFieldName('alternative');
  const order = w.letOrder();
  const annotated = tyNode ? typeFromNode(tyNode, w.ctx.index, w.ctx.scope) : null;
  let ty = annotated ?? UNKNOWN;
  // An associated type (`T::Out`) is what the impl says, not what the value's literals default to.
  if (value && ty.k === 'unknown' && !ty.proj) {
    ty = w.typeOf(value);
  }
  let initAt: number | null = null;
  w.statementTemps.push([]);
  const localsBefore = w.locals.length;
  let operandsMovedAt: number | undefined;
  if (value) {
    walkLetValue(w, value, pattern, ty);
    if (annotated) {
      // `let b: u8 = a;`: the written type settles the integers the value hands over.
      unifyExpected(w, value, annotated);
    }
    operandsMovedAt = heldOperandsMovedAt(w, value, pattern, localsBefore);
    const direct = value.type === 'await_expression' ? w.awaits[w.awaits.length - 1] : undefined;
    const simpleBinding =
      !alternative && (pattern?.type === 'identifier' || pattern?.type === 'mut_pattern');
    if (direct?.node?.id === value.id && simpleBinding) {
      // The binding is written while the awaitee still exists: they conflict.
      initAt = direct.point + 0.25;
    }
  }
  if (value && !annotated && hasUnknown(ty)) {
    // Blocks and branches are typed while walked (their values may name inner bindings).
    const after = w.typeOf(value);
    if (!hasUnknown(after) || ty.k === 'unknown') {
      ty = after;
    }
  }
  // `let x = { ..; value }`: x is written by the block's tail while the block's locals still exist.
  const tailPoint =
    value && (value.type === 'block' || value.type === 'unsafe_block')
      ? w.blockTailPoints.get(value.id)
      : undefined;
  if (tailPoint !== undefined && initAt === null) {
    initAt = tailPoint;
  }
  if (alternative) {
    w.inRegion(() => w.walkBlock(alternative));
  }
  w.point++;
  for (const t of w.statementTemps.pop() ?? []) {
    t.end = w.point;
  }
  // `let _ = expr;` drops the value at once: nothing to save.
  if (pattern && pattern.type !== '_') {
    const before = w.locals.length;
    bindLet(w, pattern, ty, order, annotated ? null : value, initAt);
    if (!value) {
      w.locals.slice(before).forEach((l) => (l.deferredInit = true));
    }
    if (value) {
      noteWrittenValue(w, w.locals.slice(before), value, order, operandsMovedAt);
    }
  }
}

/**
 * Where the bindings of a `let` need storage from, when before their value is written, and what
 * calling the closure bound, if it is one, does.
 */
function noteWrittenValue(
  w: WalkState,
  bindings: Local[],
  value: SyntaxNode,
  order: number,
  operandsMovedAt: number | undefined,
): void {
  const branchWrite = w.firstBranchWrites.get(value.id);
  if (branchWrite !== undefined) {
    bindings.forEach((l) => (l.storageFrom = branchWrite));
  } else if (writtenInPlace(value)) {
    bindings.forEach((l) => (l.storageFrom = order));
  } else if (operandsMovedAt !== undefined) {
    bindings.forEach((l) => (l.storageFrom = operandsMovedAt - 0.5));
  }
  const closure = value.type === 'closure_expression' ? w.closureCalls.get(value.id) : undefined;
  if (closure && bindings.length === 1) {
    bindings[0].closure = closure;
  }
}

/**
 * `let c = v;`, `let c = move || take(v);`, `let f = async move { .. v .. };`: MIR writes the
 * binding in the statement that moves `v`, so rustc's storage conflicts count both as needing
 * storage at once (measured: 132 B, not 104; engine/100_closures_and_async_blocks.rs). A struct,
 * tuple or call moves its operands into temporaries first: no conflict there.
 */
function writtenInPlace(value: SyntaxNode): boolean {
  return (
    value.type === 'identifier' ||
    value.type === 'closure_expression' ||
    value.type === 'async_block'
  );
}

/**
 * `let t = (count().await, text().await);`: the first awaited value waits in a temporary that
 * the tuple (or array) takes when it is written to `t`, so `t` needs storage while that
 * temporary still does (measured: 112 B where 128 B was shown, as the tie between two locals to
 * promote went the other way; engine/100_closures_and_async_blocks.rs). The point where the
 * temporaries are moved, when there are some. A pattern (`let (a, b) = (..)`) takes the parts
 * apart instead: not this rule (measured).
 */
function heldOperandsMovedAt(
  w: WalkState,
  value: SyntaxNode,
  pattern: SyntaxNode | null,
  localsBefore: number,
): number | undefined {
  const simple = pattern?.type === 'identifier' || pattern?.type === 'mut_pattern';
  const consumer =
    value.type === 'tuple_expression' ||
    value.type === 'array_expression' ||
    value.type === 'call_expression' ||
    value.type === 'struct_expression';
  if (!simple || !consumer) {
    return undefined;
  }
  const moved = w.locals
    .slice(localsBefore)
    .filter((l) => l.kind === 'temporary' && l.uses.some((u) => u.kind === 'move'))
    .map((l) => Math.max(...l.uses.map((u) => u.point)));
  // Only those still moved at the end conflict (a closure's arguments go into its tuple first).
  return moved.some((p) => p === w.point) ? w.point : undefined;
}

/** A place named but not used (`let _ = x;`): a read for liveness, never a capture. */
function mentionPlace(w: WalkState, place: SyntaxNode): void {
  const root = w.captureFrames.length === 0 ? w.placeRoot(place) : null;
  root?.local.uses.push({ point: ++w.point, kind: 'read', region: [...w.regionStack] });
}

/** The value of `let PAT = value`, walked as the pattern takes it. */
function walkLetValue(w: WalkState, value: SyntaxNode, pattern: SyntaxNode | null, ty: Ty): void {
  if (pattern?.type === '_' && isPlace(value)) {
    // `let _ = x;` neither moves nor captures `x`, but rustc's liveness counts the mention: after
    // an await it keeps `x` (measured: engine/95_wrapped_futures_and_test_imports.rs).
    mentionPlace(w, value);
  } else if (
    value.type === 'reference_expression' &&
    !isPlace(value.childForFieldName('value') ?? value)
  ) {
    // `let r = &make();` extends the temporary to the enclosing block; `let s: &[u8] = &[1, 2]`
    // borrows a constant, promoted to a static (no temporary, measured).
    const operand = value.childForFieldName('value')!;
    w.walkExpr(operand, 'move');
    if (!isPromotedWhenBorrowed(value)) {
      const temp = w.newTemp(extendedTempType(w, operand, ty), operand, 'scope');
      temp.uses.push({ point: ++w.point, kind: 'borrow', region: [...w.regionStack] });
    }
  } else if (isPinMacro(value)) {
    walkPinMacro(w, value);
  } else if (pattern && isPlace(value)) {
    bindFromPlace(w, value, pattern, ty);
  } else {
    w.walkExpr(value, 'move');
  }
}

/**
 * The type of `let r: &mut [u8] = &mut [1, 2];`'s extended temporary: an array literal takes the
 * element type the written reference type gives it (`[u8; 2]`, not the literals' `[i32; 2]`).
 */
function extendedTempType(w: WalkState, operand: SyntaxNode, written: Ty): Ty {
  const own = w.typeOf(operand);
  const target = written.k === 'ref' ? written.inner : null;
  if (
    operand.type === 'array_expression' &&
    own.k === 'array' &&
    (target?.k === 'slice' || target?.k === 'array') &&
    !hasUnknown(target.elem)
  ) {
    return { k: 'array', elem: target.elem, len: own.len };
  }
  return own;
}

/**
 * Declares the bindings of a `let`, written at `initAt` when that is known. `value`: the value
 * when no type is written, so that an integer literal binding's type stays open until used.
 */
function bindLet(
  w: WalkState,
  pattern: SyntaxNode,
  ty: Ty,
  order: number,
  value: SyntaxNode | null,
  initAt: number | null,
): void {
  const before = w.locals.length;
  bindPattern(w, pattern, ty, order, 'binding');
  if (
    value &&
    (isUnsuffixedInt(value) || isUnsuffixedIntArray(value)) &&
    w.locals.length === before + 1
  ) {
    const local = w.locals[before];
    const int = prim('i32') as Ty & { k: 'prim' };
    local.ty = local.ty.k === 'array' ? { ...local.ty, elem: int } : int;
    w.flexInts.set(local, int);
  } else if (value && w.locals.length === before + 1) {
    // `let s = j;`, `let s = j + 1;` or `let s = if c { j } else { 0 };` with `j` unsettled: one
    // type, settled by either's uses. So is `let b = a.max(3);`, typed as `a`'s own integer.
    const local = w.locals[before];
    const roots = [
      ...valueRoots(w, value),
      ...[...w.flexInts].filter(([, int]) => int === local.ty).map(([root]) => root),
    ];
    const literalBranch = branchValues(value).some((v) => isUnsuffixedInt(v));
    if (
      (roots.length > 0 || literalBranch) &&
      local.ty.k === 'prim' &&
      local.ty.name in INTEGER_NAMES
    ) {
      const int = prim('i32') as Ty & { k: 'prim' };
      local.ty = int;
      w.flexInts.set(local, int);
      linkInts(w, [local], roots);
    } else if (local.ty.k !== 'prim') {
      if (holdsDefaultedLiteral(value)) {
        local.ty = openLiteralDefaults(local.ty);
      }
      // `let o = Some(n);`: `o`'s uses, not tracked, may settle `n` otherwise than its own.
      const inside = new Set<Ty>();
      collectParts(local.ty, inside);
      [...w.flexInts]
        .filter(([, int]) => inside.has(int))
        .forEach(([root]) => settleInt(w, root, '{integer}'));
    }
  }
  if (value && w.locals.length > before + 1) {
    openDestructuredLiterals(w, pattern, value, w.locals.slice(before));
  }
  if (initAt !== null) {
    for (let i = before; i < w.locals.length; i++) {
      w.locals[i].init = initAt;
    }
  }
}

/**
 * `let (lo, hi) = (0, 10);`: each binding of a literal is an integer its own uses settle; the
 * other bindings of a value holding literals get the literals' widths open (`let (a, b) = t`).
 */
function openDestructuredLiterals(
  w: WalkState,
  pattern: SyntaxNode,
  value: SyntaxNode,
  bound: Local[],
): void {
  const settled = new Set<Local>();
  const parts = named(pattern);
  const values = named(value);
  if (
    pattern.type === 'tuple_pattern' &&
    value.type === 'tuple_expression' &&
    parts.length === values.length
  ) {
    parts.forEach((part, i) => {
      const name = part.type === 'mut_pattern' ? named(part).pop()?.text : part.text;
      const local = bound.find((l) => l.name === name);
      if (local && isUnsuffixedInt(values[i]) && local.ty.k === 'prim') {
        const int = prim('i32') as Ty & { k: 'prim' };
        local.ty = int;
        w.flexInts.set(local, int);
        settled.add(local);
      }
    });
  }
  if (holdsDefaultedLiteral(value)) {
    bound.filter((l) => !settled.has(l)).forEach((l) => (l.ty = openLiteralDefaults(l.ty)));
  }
}

function collectParts(ty: Ty, into: Set<Ty>): void {
  into.add(ty);
  typeParts(ty).forEach((part) => collectParts(part, into));
}

/**
 * An integer or float literal without a suffix that is a part of the value built (an element of
 * a tuple or array, an argument of `Some(..)` or another call), not an array's length.
 */
function holdsDefaultedLiteral(node: SyntaxNode): boolean {
  switch (node.type) {
    case 'integer_literal':
    case 'unary_expression':
      return isUnsuffixedInt(node);
    case 'float_literal':
      return !/f(32|64)$/.test(node.text);
    case 'tuple_expression':
    case 'parenthesized_expression':
    case 'arguments':
      return named(node).some(holdsDefaultedLiteral);
    case 'array_expression': {
      const length = node.childForFieldName('length');
      return named(node).some((c) => c.id !== length?.id && holdsDefaultedLiteral(c));
    }
    case 'call_expression': {
      const args = node.childForFieldName('arguments');
      return !!args && holdsDefaultedLiteral(args);
    }
    default:
      return false;
  }
}

/**
 * `(1, 2)`, `Some(3)`: the i32 and f64 inside a composite value are the literals' defaults, which
 * its later uses may settle otherwise (`let (a, b): (u8, u8) = t;`) where no binding tracks them.
 * Their width is left open (a lower bound) rather than guessed.
 */
function openLiteralDefaults(ty: Ty): Ty {
  if (ty.k === 'prim') {
    if (ty.name === 'i32') {
      return prim('{integer}');
    }
    return ty.name === 'f64' ? prim('{float}') : ty;
  }
  return mapTypeParts(ty, (part) => openLiteralDefaults(part)) ?? ty;
}

/**
 * `let PAT = place;`: parts bound with `ref` borrow the place, parts bound by value move out of it
 * unless Copy (a copy leaves the place whole), and `_` / `..` parts stay where they are.
 * Measured with rustc 1.95: `let (n, _) = t;` with `n` Copy keeps `t` (dropped at its scope end);
 * `let (a, b) = t;` moving every part with drop glue frees it.
 */
export function bindFromPlace(w: WalkState, value: SyntaxNode, pattern: SyntaxNode, ty: Ty): void {
  const parts = patternParts(w, pattern, ty);
  if (parts.borrows) {
    w.walkExpr(value, 'borrow');
  }
  if (parts.moved.length === 0) {
    if (!parts.borrows) {
      w.walkExpr(value, 'read');
    }
    return;
  }
  const root = isSimplePlace(value) ? w.placeRoot(value) : null;
  if (
    !root ||
    root.viaDeref ||
    parts.moved.some((p) => p.length === 0) ||
    isAdt(root.local.ty, ...DEREF_TRAIT_TYPES)
  ) {
    w.walkExpr(value, 'move');
    return;
  }
  w.use(root.local, 'move', root.path, parts.moved);
}

/**
 * What binding `pattern` to a place of type `ty` does to it: the paths (relative to the place) it
 * moves out, and whether it borrows part of it. A move out of an enum variant's field ends in an
 * `@Variant` step: the enum as a whole is still dropped later (measured: `let Some(x) = o else ..`
 * keeps `o: Option<String>`). Where the type is not known the whole place counts as moved.
 */
export function patternParts(
  w: WalkState,
  pattern: SyntaxNode,
  ty: Ty,
): { moved: string[][]; borrows: boolean } {
  const parts = new PatternParts(w);
  parts.visit(pattern, ty, []);
  return { moved: parts.moved, borrows: parts.borrows };
}

/** What one pattern moves out of and borrows from the place it matches (see `patternParts`). */
class PatternParts {
  moved: string[][] = [];
  borrows = false;

  constructor(private readonly w: WalkState) {}

  visit(p: SyntaxNode, t: Ty, path: string[]): void {
    if (t.k === 'ref' || t.k === 'ptr') {
      // Matching through a reference binds by reference: nothing moves.
      return;
    }
    switch (p.type) {
      case 'identifier':
        if (!/^[A-Z]/.test(p.text)) {
          this.byValue(t, path);
        }
        return;
      case 'mut_pattern':
      case 'or_pattern': {
        const inner = p.type === 'or_pattern' ? named(p)[0] : named(p).pop();
        if (inner) {
          this.visit(inner, t, path);
        }
        return;
      }
      case 'captured_pattern': {
        const [, sub] = named(p);
        this.byValue(t, path);
        if (sub) {
          const before = this.moved.length;
          this.visit(sub, t, path);
          this.moved.length = Math.min(this.moved.length, before);
        }
        return;
      }
      case 'ref_pattern':
        this.borrows = true;
        return;
      case 'tuple_pattern':
        this.visitTuple(p, t, path);
        return;
      case 'slice_pattern':
        this.visitSlice(p, t, path);
        return;
      case 'tuple_struct_pattern':
        this.visitTupleStruct(p, t, path);
        return;
      case 'struct_pattern':
        this.visitStruct(p, t, path);
        return;
      default:
        // `_`, `..`, literals, ranges, `&pat` (only ever matches a reference): nothing moves.
        return;
    }
  }

  /** A binding of the whole part: it moves unless Copy. */
  private byValue(t: Ty, path: string[]): void {
    if (!this.w.ctx.traits(t).copy) {
      this.moved.push(path);
    }
  }

  private visitTuple(p: SyntaxNode, t: Ty, path: string[]): void {
    if (t.k !== 'tuple') {
      this.byValue(t, path);
      return;
    }
    for (const { node, index } of positionalParts(p, t.elems.length)) {
      this.visit(node, t.elems[index] ?? UNKNOWN, [...path, String(index)]);
    }
  }

  private visitSlice(p: SyntaxNode, t: Ty, path: string[]): void {
    if (
      t.k !== 'array' ||
      t.len === null ||
      named(p).some((c) => c.type === 'captured_pattern' && isRestPattern(c))
    ) {
      this.byValue(t, path);
      return;
    }
    for (const { node, index } of positionalParts(p, t.len)) {
      this.visit(node, t.elem, [...path, String(index)]);
    }
  }

  private visitTupleStruct(p: SyntaxNode, t: Ty, path: string[]): void {
    const typeNode = p.childForFieldName('type');
    const ctor = typeNode?.text.split('::').pop() ?? '';
    const shape = ctorShape(this.w, t, typeNode?.text ?? '');
    if (!shape) {
      this.byValue(t, path);
      return;
    }
    this.fieldsOf(shape.variant, path, (prefix) => {
      for (const { node, index } of positionalParts(p, shape.arity, typeNode)) {
        this.visit(node, variantField(this.w, t, ctor, index), [...prefix, String(index)]);
      }
    });
  }

  private visitStruct(p: SyntaxNode, t: Ty, path: string[]): void {
    const typeNode = p.childForFieldName('type');
    const shape = ctorShape(this.w, t, typeNode?.text ?? '');
    if (!shape) {
      this.byValue(t, path);
      return;
    }
    this.fieldsOf(shape.variant, path, (prefix) => {
      for (const f of named(p)) {
        if (f.type !== 'field_pattern') {
          continue;
        }
        const name = f.childForFieldName('name')?.text ?? '';
        const sub = f.childForFieldName('pattern');
        const fty = structPatternField(this.w, t, p, name);
        if (f.children.some((c) => c?.type === 'ref')) {
          this.borrows = true;
        } else if (sub) {
          this.visit(sub, fty, [...prefix, name]);
        } else if (!this.w.ctx.traits(fty).copy) {
          this.moved.push([...prefix, name]);
        }
      }
    });
  }

  /**
   * A struct's fields are parts of the place; a variant's are moved out of the enum as a whole:
   * any move among them is one move of `path` ending in `@Variant`.
   */
  private fieldsOf(variant: string | null, path: string[], walk: (prefix: string[]) => void): void {
    if (!variant) {
      walk(path);
      return;
    }
    const saved = this.moved;
    this.moved = [];
    let movedInVariant: boolean;
    try {
      walk([]);
    } finally {
      movedInVariant = this.moved.length > 0;
      this.moved = saved;
    }
    if (movedInVariant) {
      this.moved.push([...path, `@${variant}`]);
    }
  }
}

/**
 * The constructor a tuple-struct or struct pattern names: a struct (its fields are parts of the place)
 * or an enum variant. Null when it is not known.
 */
export function ctorShape(
  w: WalkState,
  t: Ty,
  typeText: string,
): { arity: number | null; variant: string | null } | null {
  const segs = typeText.split('::');
  const ctor = segs[segs.length - 1];
  if (ctor === 'Some' || ctor === 'Ok' || ctor === 'Err') {
    return { arity: 1, variant: ctor };
  }
  const { owner, enumTy } = patternOwner(w, t, segs);
  const direct = w.ctx.index.types.get(ctor);
  if (enumTy?.kind === 'enum') {
    const v = enumTy.variants.find((x) => x.name === ctor);
    return { arity: v ? v.fields.length : null, variant: ctor };
  }
  if (ctor === 'Self' && owner?.kind === 'struct') {
    return { arity: owner.fields.length, variant: null };
  }
  if (direct?.kind === 'struct' && (owner === undefined || owner === direct)) {
    return { arity: direct.fields.length, variant: null };
  }
  if (segs.length >= 2 && !direct) {
    // `Kind::Variant(..)` of an enum from elsewhere.
    return { arity: null, variant: ctor };
  }
  return null;
}

/** Declares the bindings of a pattern, deriving each binding's type from the matched type. */
export function bindPattern(
  w: WalkState,
  pattern: SyntaxNode,
  ty: Ty,
  order: number,
  kind: BindingKind,
): void {
  const last = pattern.namedChildren[pattern.namedChildren.length - 1];
  switch (pattern.type) {
    case 'identifier':
      // `None`, `MAX`: unit variants and constants, not bindings (Rust names bindings in snake_case).
      if (!/^[A-Z]/.test(pattern.text)) {
        declareBinding(w, pattern.text, ty, pattern, order, kind);
      }
      return;
    case 'mut_pattern':
      if (pattern.namedChildren[0]) {
        bindPattern(w, last!, ty, order, kind);
      }
      return;
    case 'ref_pattern':
      if (last) {
        bindPattern(w, last, ref(ty), order, kind);
      }
      return;
    case 'reference_pattern':
      if (last) {
        bindPattern(w, last, ty.k === 'ref' ? ty.inner : UNKNOWN, order, kind);
      }
      return;
    case 'captured_pattern': {
      const [name, sub] = named(pattern);
      if (name) {
        declareBinding(w, name.text, ty, name, order, kind);
      }
      if (sub) {
        bindPattern(w, sub, ty, order, kind);
      }
      return;
    }
    case 'tuple_pattern':
    case 'slice_pattern':
    case 'tuple_struct_pattern':
      bindPositional(w, pattern, ty, order, kind);
      return;
    case 'struct_pattern':
      bindStructFields(w, pattern, ty, order, kind);
      return;
    case 'or_pattern': {
      const first = named(pattern)[0];
      if (first) {
        bindPattern(w, first, ty, order, kind);
      }
      return;
    }
    default:
      return;
  }
}

type BindingKind = 'binding' | 'argument';

/** The order a parameter's pattern is bound with (a `let`'s order may be just below 0). */
export const PARAMETER_ORDER = -1;

/** A binding of a pattern; a parameter's (`PARAMETER_ORDER`) exists from the start. */
function declareBinding(
  w: WalkState,
  name: string,
  t: Ty,
  node: SyntaxNode,
  order: number,
  kind: BindingKind,
): void {
  const parameter = order === PARAMETER_ORDER;
  const l = w.newLocal(name, kind, t, node, parameter ? -1000 + w.nextId : order);
  if (parameter) {
    l.init = -1;
  }
}

/** Matching through a reference binds the parts by reference. */
function partType(matched: Ty, part: Ty): Ty {
  return matched.k === 'ref' && part.k !== 'ref' ? ref(part) : part;
}

/** The parts of a tuple, slice or tuple-struct pattern, each typed by its position. */
function bindPositional(
  w: WalkState,
  pattern: SyntaxNode,
  ty: Ty,
  order: number,
  kind: BindingKind,
): void {
  if (pattern.type === 'slice_pattern') {
    const elem = elementType(ty);
    const parts = named(pattern);
    for (const p of parts) {
      // `rest @ ..` binds what the other parts leave: a sub-slice, or a shorter array.
      const part = isRestPattern(p) ? restOfSlice(ty, elem, parts.length - 1) : elem;
      bindPattern(w, p, partType(ty, part), order, kind);
    }
    return;
  }
  const t = peelRefs(ty);
  if (pattern.type === 'tuple_pattern') {
    for (const { node, index } of positionalParts(
      pattern,
      t.k === 'tuple' ? t.elems.length : null,
    )) {
      bindPattern(
        w,
        node,
        partType(ty, t.k === 'tuple' ? (t.elems[index] ?? UNKNOWN) : UNKNOWN),
        order,
        kind,
      );
    }
    return;
  }
  const typeNode = pattern.childForFieldName('type');
  const ctor = typeNode?.text.split('::').pop() ?? '';
  const arity = ctorShape(w, t, typeNode?.text ?? '')?.arity ?? null;
  for (const { node, index } of positionalParts(pattern, arity, typeNode)) {
    bindPattern(
      w,
      node,
      partType(ty, index < 0 ? UNKNOWN : variantField(w, t, ctor, index)),
      order,
      kind,
    );
  }
}

/** The type `rest @ ..` binds in a slice pattern of `others` other parts over `ty`. */
function restOfSlice(ty: Ty, elem: Ty, others: number): Ty {
  const t = peelRefs(ty);
  if (t.k === 'array') {
    return { k: 'array', elem, len: t.len === null ? null : t.len - others };
  }
  return t.k === 'slice' ? { k: 'slice', elem } : UNKNOWN;
}

/** The fields of a struct pattern: `name`, `ref name`, `name: PAT`. */
function bindStructFields(
  w: WalkState,
  pattern: SyntaxNode,
  ty: Ty,
  order: number,
  kind: BindingKind,
): void {
  const t = peelRefs(ty);
  for (const f of named(pattern)) {
    if (f.type !== 'field_pattern') {
      continue;
    }
    const nameNode = f.childForFieldName('name');
    const sub = f.childForFieldName('pattern');
    const fieldName = nameNode?.text ?? '';
    const isRef = f.children.some((c) => c?.type === 'ref');
    const fty = partType(ty, structPatternField(w, t, pattern, fieldName));
    if (sub) {
      bindPattern(w, sub, fty, order, kind);
    } else if (nameNode) {
      declareBinding(w, fieldName, isRef ? ref(fty) : fty, nameNode, order, kind);
    }
  }
}

export function variantField(w: WalkState, t: Ty, ctor: string, i: number): Ty {
  if (ctor === 'Some' || ctor === 'Ok') {
    return isAdt(t, 'Option', 'Result', 'Poll', 'LockResult')
      ? t.k === 'adt'
        ? (t.args[0] ?? UNKNOWN)
        : UNKNOWN
      : UNKNOWN;
  }
  if (ctor === 'Err') {
    return t.k === 'adt' ? (t.args[1] ?? UNKNOWN) : UNKNOWN;
  }
  const user = t.k === 'adt' ? w.ctx.index.types.get(t.segments[t.segments.length - 1]) : undefined;
  if (user?.kind === 'enum') {
    const v = user.variants.find((x) => x.name === ctor);
    return v?.fields[i] ?? UNKNOWN;
  }
  if (user?.kind === 'struct') {
    return user.fields[i]?.ty ?? UNKNOWN;
  }
  const direct = w.ctx.index.types.get(ctor);
  if (direct?.kind === 'struct') {
    return direct.fields[i]?.ty ?? UNKNOWN;
  }
  return dependencyVariantField(t, ctor, i, w.ctx.dependencyType) ?? UNKNOWN;
}

export function structPatternField(w: WalkState, t: Ty, pattern: SyntaxNode, field: string): Ty {
  const typeNode = pattern.childForFieldName('type');
  const segs = typeNode?.text.split('::') ?? [];
  const last = segs[segs.length - 1];
  const user = w.ctx.index.types.get(last);
  if (user?.kind === 'struct') {
    if (t.k === 'adt' && t.segments[t.segments.length - 1] === user.name) {
      // With the matched type's generic arguments substituted.
      return w.typer.fieldType(t, field);
    }
    return user.fields.find((f) => f.name === field)?.ty ?? UNKNOWN;
  }
  const { owner, enumTy } = patternOwner(w, t, segs);
  if (owner?.kind === 'struct') {
    return w.typer.fieldType(t, field);
  }
  // A struct-like enum variant: `State::Streaming { session, .. }`.
  if (enumTy?.kind === 'enum') {
    const variant = enumTy.variants.find((v) => v.name === last);
    const i = variant?.fieldNames?.indexOf(field) ?? -1;
    if (variant && i >= 0) {
      return variant.fields[i];
    }
  }
  return UNKNOWN;
}

/**
 * Binding a non-Copy part of a place by value (`Some(s) => ..` on `opt`) moves it out of that place;
 * `ref` bindings borrow it (measured: `if let Some(ref a) = t {..}` keeps `t` saved at later awaits).
 */
export function recordPatternMove(
  w: WalkState,
  scrutinee: SyntaxNode,
  pattern: SyntaxNode | null,
  ty: Ty,
  bindings: Local[],
  scrutineeTemp?: Local,
): void {
  const movesOut = bindings.some(
    (b) => b.ty.k !== 'ref' && b.ty.k !== 'unknown' && !w.ctx.traits(b.ty).copy,
  );
  if (!isPlace(scrutinee)) {
    if (movesOut && scrutineeTemp && scrutineeTemp.ty.k !== 'ref') {
      scrutineeTemp.uses.push({
        point: w.point,
        kind: 'move',
        region: [...w.regionStack],
        partial: true,
      });
    }
    return;
  }
  const root = w.placeRoot(scrutinee);
  if (!root || root.viaDeref || root.local.ty.k === 'ref') {
    return;
  }
  const parts = pattern ? patternParts(w, pattern, ty) : { moved: [], borrows: false };
  if (parts.borrows) {
    w.use(root.local, 'borrow', root.path);
  }
  if (!movesOut) {
    return;
  }
  const plainPlace = isSimplePlace(scrutinee) && !isAdt(root.local.ty, ...DEREF_TRAIT_TYPES);
  if (plainPlace && parts.moved.some((p) => p.length === 0)) {
    // Bound whole (`match s { v => .. }`): the same move as `let v = s;` (measured).
    w.use(root.local, 'move', root.path);
    return;
  }
  const precise = plainPlace && parts.moved.length > 0;
  const count = root.local.uses.length;
  w.use(root.local, 'move', root.path, precise ? parts.moved : 'whole');
  const last = root.local.uses[root.local.uses.length - 1];
  // Unless every part with drop glue is known to be gone, the rest of the value stays to be dropped.
  if (
    root.local.uses.length > count &&
    last.kind === 'move' &&
    !w.partMoves.some((m) => m.use === last)
  ) {
    last.partial = true;
  }
}

/**
 * A `match` / `if let` / `while let` scrutinee. A place is matched in place; a value expression
 * becomes a temporary that lives until the end of the whole construct, as do the temporaries it borrows.
 */
export function walkScrutinee(w: WalkState, value: SyntaxNode): Local[] {
  if (isPlace(value)) {
    w.walkExpr(value, 'read');
    return [];
  }
  w.statementTemps.push([]);
  w.walkExpr(value, 'move');
  const inner = w.statementTemps.pop() ?? [];
  const temp = w.newLocal(null, 'temporary', w.typeOf(value), value, w.point);
  // A field or method of a temporary (`guard().value`): the temporary itself is what is kept. It is
  // made after any future awaited inside the scrutinee is gone (`match rx.recv().await? {`).
  temp.init = Math.max(w.point, w.lastAwaiteeEnd);
  const all = [...inner, temp];
  const scope = w.scopes[w.scopes.length - 1];
  scope.owned.pop();
  return all;
}

/**
 * The item a pattern's scrutinee type names, and the enum whose variant the pattern's path
 * (`State::Streaming`) names: the scrutinee's own enum, else the path's second-to-last segment.
 */
function patternOwner(w: WalkState, t: Ty, segs: string[]) {
  const owner =
    t.k === 'adt' ? w.ctx.index.types.get(t.segments[t.segments.length - 1]) : undefined;
  const enumTy =
    owner?.kind === 'enum'
      ? owner
      : segs.length >= 2
        ? w.ctx.index.types.get(segs[segs.length - 2])
        : undefined;
  return { owner, enumTy };
}

/**
 * Declares the bindings of a pattern that was parsed as an expression (a `select!` arm's `pat` in
 * `pat = fut`): `v`, `Some(v)`, `Ok((a, b))`, `(a, b)`. Anything else binds its names with an
 * unknown type, so a future that holds one is a lower bound rather than a wrong exact size.
 */
export function bindExpressionPattern(
  w: WalkState,
  pattern: SyntaxNode,
  ty: Ty,
  order: number,
): void {
  switch (pattern.type) {
    case 'identifier':
      bindPattern(w, pattern, ty, order, 'binding');
      return;
    case 'parenthesized_expression':
      named(pattern).forEach((p) => bindExpressionPattern(w, p, ty, order));
      return;
    case 'tuple_expression': {
      const t = peelRefs(ty);
      named(pattern).forEach((p, i) =>
        bindExpressionPattern(
          w,
          p,
          partType(ty, t.k === 'tuple' ? (t.elems[i] ?? UNKNOWN) : UNKNOWN),
          order,
        ),
      );
      return;
    }
    case 'call_expression': {
      const ctor = pattern.childForFieldName('function')?.text.split('::').pop() ?? '';
      const t = peelRefs(ty);
      named(pattern.childForFieldName('arguments')).forEach((p, i) =>
        bindExpressionPattern(w, p, partType(ty, variantField(w, t, ctor, i)), order),
      );
      return;
    }
    case 'scoped_identifier':
    case 'integer_literal':
    case 'string_literal':
    case 'boolean_literal':
    case 'char_literal':
    case 'range_expression':
      return;
    default:
      bindNamesUnknown(w, pattern, order);
  }
}

/** Every lowercase name in a pattern we cannot read, bound with an unknown type. */
function bindNamesUnknown(w: WalkState, pattern: SyntaxNode, order: number): void {
  if (pattern.type === 'identifier') {
    bindPattern(w, pattern, UNKNOWN, order, 'binding');
    return;
  }
  named(pattern).forEach((p) => bindNamesUnknown(w, p, order));
}
