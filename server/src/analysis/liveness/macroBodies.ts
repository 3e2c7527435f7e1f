/**
 * Macros in an async body, modelled as they expand: format macros, asserts, `matches!`, `pin!`,
 * and tokio's and futures' `join!`/`select!`.
 */
import type { SyntaxNode } from '../syntax/parser';
import { adt, prim, ref, Ty, UNKNOWN } from '../types/types';
import {
  afterBindings,
  holdOperand,
  releaseOperands,
  walkOperands,
  walkValueOperand,
} from './expressions';
import { Local, UseKind } from './held';
import { unifyOperands } from './intInference';
import { bindExpressionPattern, recordPatternMove, walkScrutinee } from './patterns';
import { walkPinInPlace, walkPinMacro } from './pins';
import {
  CRATE_BOOL_MACROS,
  CRATE_ITEM_MACROS,
  macroName,
  repeatFormAsArguments,
} from '../syntax/macros';
import { ELSE_ARM_MARKER } from '../syntax/selectArms';
import { FORMAT_MACROS } from './syntaxShapes';
import { noteFirstBranchWrite } from './controlFlow';
import { isOpenNumber } from '../types/infer';
import type { WalkState } from './walkState';

export const SELF_CONTAINED_FORMAT = new Set([
  'format',
  'print',
  'println',
  'eprint',
  'eprintln',
  'panic',
  'unreachable',
  'todo',
  'unimplemented',
  'assert',
  'debug_assert',
]);

export const JOIN_MACROS = new Set(['join', 'try_join', 'select']);

/**
 * std's macros that expand to items only (`thread_local! { static X: .. }` declares statics):
 * written in a body, they hold, await and drop nothing of it.
 */
export const STD_ITEM_MACROS = new Set(['thread_local']);

export const UNIT_TY: Ty = { k: 'tuple', elems: [] };

/**
 * Macros whose expansion the walk models as rustc sees it (each checked against rustc by a fixture:
 * format macros, asserts, `matches!`, `vec!`, `pin!`/`pin_mut!`), or that expand to a constant.
 * Any other macro in a body makes its future's size a lower bound.
 */
export const MODELLED_MACROS = new Set([
  ...FORMAT_MACROS,
  'assert_eq',
  'assert_ne',
  'debug_assert_eq',
  'debug_assert_ne',
  'matches',
  'vec',
  'pin',
  'pin_mut',
  'concat',
  'stringify',
  'line',
  'column',
  'file',
  'module_path',
  'env',
  'option_env',
  'include_str',
  'include_bytes',
  'cfg',
]);

/** One arm of a `select!`: `pat = fut, if cond => handler`, or `else`/`default`/`complete => handler`. */
export interface SelectArm {
  kind: 'branch' | 'else' | 'default' | 'complete';
  pattern: SyntaxNode | null;
  future: SyntaxNode | null;
  precondition: SyntaxNode | null;
  handler: SyntaxNode | null;
}

const ARM_MARKERS = new Map<string, SelectArm['kind']>([
  [ELSE_ARM_MARKER, 'else'],
  ['default', 'default'],
  ['complete', 'complete'],
]);

/**
 * A `select!`'s arms, from its arguments as `syntax/selectArms.ts` rewrites them (`pat = fut,
 * !!cond, handler, _els, x`). `regular` is false when the arguments do not read as arms (a parse
 * error): the walk then says its answer is approximate.
 */
export function selectArms(args: SyntaxNode[]): { arms: SelectArm[]; regular: boolean } {
  const arms: SelectArm[] = [];
  let regular = true;
  for (let i = 0; i < args.length;) {
    const a = args[i];
    const marker = a.type === 'identifier' ? ARM_MARKERS.get(a.text) : undefined;
    if (marker) {
      arms.push({
        kind: marker,
        pattern: null,
        future: null,
        precondition: null,
        handler: args[i + 1] ?? null,
      });
      i += 2;
      continue;
    }
    if (a.type !== 'assignment_expression') {
      regular = false;
      arms.push({ kind: 'else', pattern: null, future: null, precondition: null, handler: a });
      i++;
      continue;
    }
    const pattern = a.childForFieldName('left');
    const future = a.childForFieldName('right');
    const precondition = isPrecondition(args[i + 1]) ? args[i + 1] : null;
    const handler = args[i + (precondition ? 2 : 1)] ?? null;
    regular &&= !!pattern && !!future && !!handler && pattern.type !== 'block';
    arms.push({ kind: 'branch', pattern, future, precondition, handler });
    i += precondition ? 3 : 2;
  }
  return { arms, regular };
}

/** A branch's `if cond`, rewritten as `!!cond`. */
function isPrecondition(node: SyntaxNode | undefined): boolean {
  return node?.type === 'unary_expression' && node.text.startsWith('!!');
}

/** A `select!`'s branch futures. */
export function selectFutures(args: SyntaxNode[]): SyntaxNode[] {
  return selectArms(args).arms.flatMap((a) => (a.future ? [a.future] : []));
}

export function walkMacro(w: WalkState, node: SyntaxNode, mode: UseKind | 'discard'): void {
  const name = macroName(node);
  if (STD_ITEM_MACROS.has(name) || isCrateMacro(w, node, name, CRATE_ITEM_MACROS)) {
    return;
  }
  if (isCrateMacro(w, node, name, CRATE_BOOL_MACROS) && walkBoolMacro(w, node)) {
    return;
  }
  const modelled =
    MODELLED_MACROS.has(name) || (JOIN_MACROS.has(name) && isModelledJoin(w, node, name));
  if (!modelled && !w.captureFrames.some((f) => f.isFuture)) {
    // Its expansion may await, hold or drop what the arguments do not show (a nested future's own
    // walk says so for that future).
    w.approximations.add(`${name}!`);
  }
  if ((name === 'pin' || name === 'pin_mut') && walkPinInPlace(w, node)) {
    return;
  }
  if (name === 'pin') {
    walkPinMacro(w, node);
    return;
  }
  const args = w.ctx.macros.arguments(node);
  if (FORMAT_MACROS.has(name)) {
    if (SELF_CONTAINED_FORMAT.has(name)) {
      // `format!`/`println!` expand to a block: their temporaries end inside it.
      w.withStatement(() => walkFormatArgs(w, node, name, args));
    } else {
      walkFormatArgs(w, node, name, args);
    }
    return;
  }
  walkOtherMacro(w, node, name, args, mode);
}

/** Whether `name!` is the macro `table` names, written with or imported from its crate. */
function isCrateMacro(
  w: WalkState,
  node: SyntaxNode,
  name: string,
  table: ReadonlyMap<string, string>,
): boolean {
  const crate = table.get(name);
  return crate !== undefined && macroCrate(w, node, name) === crate;
}

/**
 * A `CRATE_BOOL_MACROS` macro: its one argument is moved into a local of the expansion's block, so
 * its temporaries end there. False (left to the generic walk) when the arguments are not that one
 * expression (`log_enabled!(target: "t", level)` does not parse as one).
 */
function walkBoolMacro(w: WalkState, node: SyntaxNode): boolean {
  const args = w.ctx.macros.arguments(node);
  // The input is parsed on its own, so its tree's errors are this macro's.
  if (args.length !== 1 || args[0].tree.rootNode.hasError) {
    return false;
  }
  w.withStatement(() => w.walkExpr(args[0], 'move'));
  return true;
}

/** Format arguments are taken by reference: `&arg`. */
export function walkFormatArgs(
  w: WalkState,
  node: SyntaxNode,
  name: string,
  args: SyntaxNode[],
): void {
  const borrowArg = (a: SyntaxNode) => {
    if (a.type === 'identifier' || a.type === 'self') {
      w.withExplicitBorrow(() => w.walkExpr(a, 'borrow'));
    } else {
      walkValueOperand(w, a, 'borrow');
    }
  };
  for (const ident of w.ctx.macros.inlineFormatArgs(node)) {
    const local = w.lookup(ident);
    if (local) {
      w.withExplicitBorrow(() => w.use(local, 'borrow'));
    }
  }
  // `format_args!` takes a reference to each argument in order: those taken before a later
  // argument's await are held across it (measured: `format!("{}{}", a, x.await)` 8 B more).
  const lastAwaiting = args.reduce((last, a, i) => (w.containsAwait(a) ? i : last), -1);
  const heldReferences: Local[] = [];
  const holdIfAwaitedAfter = (a: SyntaxNode, i: number) => {
    if (i < lastAwaiting) {
      heldReferences.push(...holdOperand(w, a, true));
    }
  };
  args.forEach((a, i) => {
    if ((name === 'write' || name === 'writeln') && i === 0) {
      // `dst.write_fmt(..)`: an autoref of the destination.
      w.walkExpr(a, 'borrow');
      holdIfAwaitedAfter(a, i);
      return;
    }
    if (a.type === 'string_literal' || a.type === 'raw_string_literal') {
      return;
    }
    if ((name === 'assert' || name === 'debug_assert') && i === 0) {
      w.walkExpr(a, 'read');
      return;
    }
    if (a.type === 'assignment_expression') {
      // Named argument `name = expr`.
      const v = a.childForFieldName('right');
      if (v) {
        borrowArg(v);
        holdIfAwaitedAfter(v, i);
      }
      return;
    }
    borrowArg(a);
    holdIfAwaitedAfter(a, i);
  });
  releaseOperands(w, heldReferences, 'move');
}

export function walkOtherMacro(
  w: WalkState,
  node: SyntaxNode,
  name: string,
  args: SyntaxNode[],
  mode: UseKind | 'discard',
): void {
  if (
    name === 'assert_eq' ||
    name === 'assert_ne' ||
    name === 'debug_assert_eq' ||
    name === 'debug_assert_ne'
  ) {
    args.forEach((a) =>
      a.type === 'identifier'
        ? w.withExplicitBorrow(() => w.walkExpr(a, 'borrow'))
        : walkValueOperand(w, a, 'borrow'),
    );
    if (args[0] && args[1]) {
      // `assert_eq!(a, b)` compares `a == b`.
      unifyOperands(w, args[0], args[1]);
    }
    return;
  }
  if (name === 'matches') {
    if (args[0]) {
      walkScrutinee(w, args[0]);
    }
    return;
  }
  if (JOIN_MACROS.has(name)) {
    const origin = macroCrate(w, node, name);
    if (origin === 'tokio') {
      walkTokioJoinOrSelect(w, node, name, args);
    } else if (origin === 'futures' && name === 'select') {
      walkFuturesSelect(w, node, args);
    } else if (origin === 'futures') {
      walkFuturesJoin(w, node, args);
    } else {
      walkJoinMacro(w, node, args);
    }
    return;
  }
  if (name === 'vec' && args.some((a) => w.containsAwait(a))) {
    walkVecWithAwaits(w, node, args);
    return;
  }
  // vec!, dbg!, and unknown macros: arguments are evaluated and consumed.
  for (const a of args) {
    w.walkExpr(a, mode === 'borrow' ? 'borrow' : 'move');
  }
}

/**
 * `vec![a, b.await]` expands (std 1.95) to a box allocated first (`Box::new_uninit()`), then the
 * array of the elements written into it: the box (a thin pointer) and the elements before an
 * await are held across it (measured: `vec![x.await]` 8 B more than `[x.await]`).
 * `vec![elem; n]` is the call `from_elem(elem, n)`: its operands in order.
 */
function walkVecWithAwaits(w: WalkState, node: SyntaxNode, args: SyntaxNode[]): void {
  const tokens = node.namedChildren.find((c) => c?.type === 'token_tree')?.text ?? '';
  const content = tokens.slice(1, -1);
  const repeatForm = repeatFormAsArguments(content) !== content;
  const elem = args[0] ? w.typeOf(args[0]) : UNKNOWN;
  const boxed = repeatForm
    ? []
    : afterBindings([w.newTemp(ref({ k: 'array', elem, len: args.length }, true), node)]);
  walkOperands(w, args);
  releaseOperands(w, boxed, 'move');
}

/**
 * `join!`/`try_join!`/`select!` poll every branch future inside one suspension point, so all of them
 * are stored at once; awaits written inside `select!` handlers are ordinary awaits after it.
 */
export function walkJoinMacro(w: WalkState, node: SyntaxNode, args: SyntaxNode[]): void {
  const futures: SyntaxNode[] = [];
  const handlers: SyntaxNode[] = [];
  for (const a of args) {
    if (a.type === 'assignment_expression') {
      const right = a.childForFieldName('right');
      if (right) {
        futures.push(right);
      }
    } else if (a.type === 'block' || a.type === 'expression_statement') {
      handlers.push(a);
    } else {
      futures.push(a);
    }
  }
  for (const f of futures) {
    w.walkExpr(f, 'move');
  }
  const tys = futures.map((f) => w.typeOf(f));
  w.registerAwait(node, { k: 'tuple', elems: tys.length ? tys : [UNKNOWN] });
  for (const h of handlers) {
    w.inRegion(() =>
      w.walkExpr(h.type === 'expression_statement' ? (h.namedChildren[0] ?? h) : h, 'move'),
    );
  }
}

/** The crate a macro comes from: its path (`tokio::select!`), or the `use` that brings a bare name. */
export function macroCrate(w: WalkState, node: SyntaxNode, name: string): string | undefined {
  const path = (node.childForFieldName('macro')?.text ?? '')
    .split('::')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const head = path.length > 1 ? path[0] : (w.ctx.index.uses.get(name) ?? [])[0];
  return head === 'futures_util' ? 'futures' : head;
}

/** Whether the walk models this macro as its crate expands it (tokio's and futures' joins and selects). */
export function isModelledJoin(w: WalkState, node: SyntaxNode, name: string): boolean {
  const origin = macroCrate(w, node, name);
  return origin === 'tokio' || origin === 'futures';
}

/**
 * futures 0.3's `select!` (futures-macro `select.rs`): a branch future written as a path is polled
 * in place through a `&mut` borrow; any other is first bound to a local named after its branch
 * (`_0`, `_1`, ..). A non-`move` poll closure borrows each (8 bytes apiece) and is the awaitee; the
 * bound futures end with the await, and one handler runs after it.
 */
export function walkFuturesSelect(w: WalkState, node: SyntaxNode, args: SyntaxNode[]): void {
  const { arms, regular } = selectArms(args);
  if (!regular) {
    w.approximations.add('select!');
  }
  const outputs = new Map<SelectArm, Ty>();
  w.pushScope();
  arms.forEach((arm, i) => {
    const f = arm.future;
    if (!f) {
      return;
    }
    if (f.type === 'identifier' || f.type === 'scoped_identifier') {
      w.withExplicitBorrow(() => w.walkExpr(f, 'borrow'));
    } else {
      w.walkExpr(f, 'move');
      borrowedMacroLocal(w, `_${i}`, w.typeOf(f), f);
    }
    outputs.set(arm, w.typer.awaitOutput(w.typeOf(f)));
  });
  // With a `default` arm the futures are polled once, in place: no await (measured: 1 byte).
  if (!arms.some((a) => a.kind === 'default')) {
    w.registerAwait(node, { k: 'tuple', elems: [...outputs.keys()].map(() => ref(UNIT_TY, true)) });
  }
  w.point++;
  w.popScope();
  walkSelectHandlers(w, node, arms, outputs);
}

/**
 * futures 0.3's `join!`/`try_join!` (futures-macro `join.rs`): each branch future goes into a
 * `MaybeDone` local that the `move` poll closure takes over, so the awaitee holds them all and no
 * named local is saved.
 */
export function walkFuturesJoin(w: WalkState, node: SyntaxNode, args: SyntaxNode[]): void {
  for (const a of args) {
    w.walkExpr(a, 'move');
  }
  const elems = args.map((a) => {
    const t = w.typeOf(a);
    return adt('MaybeDone', t, w.typer.awaitOutput(t));
  });
  w.registerAwait(node, { k: 'tuple', elems });
}

/**
 * tokio 1.24's `join!`/`try_join!` and `select!`, as their definitions expand (`macros/join.rs`,
 * `macros/select.rs`): the branch futures go into one tuple, `futures` (for `join!` each wrapped
 * in a `MaybeDone`, which holds the future, then its output), borrowed by a `poll_fn` closure that
 * is the awaitee (16 bytes: for `join!` the `&mut` tuple and a `u32` skip counter it moved in; for
 * `select!` a borrow of the `&mut futures` local and of the `disabled` bit mask, a u8 up to 8
 * branches). All of it ends with the await: `select!`'s handlers run after, as plain code.
 * Measured on tokio's own tests with rustc 1.95 (`select!`: `futures`, `futures`, `disabled` and a
 * 16-byte awaitee at the await; `try_join!`: `futures` and a 16-byte awaitee).
 */
export function walkTokioJoinOrSelect(
  w: WalkState,
  node: SyntaxNode,
  name: string,
  args: SyntaxNode[],
): void {
  const isSelect = name === 'select';
  const { arms, regular } = isSelect ? selectArms(args) : { arms: [], regular: true };
  if (!regular) {
    w.approximations.add('select!');
  }
  const futures = isSelect ? arms.flatMap((a) => (a.future ? [a.future] : [])) : args;
  // Preconditions are evaluated before any branch future is created.
  for (const arm of arms) {
    if (arm.precondition) {
      w.walkExpr(arm.precondition, 'read');
    }
  }
  w.pushScope();
  const mask =
    futures.length <= 8
      ? 'u8'
      : futures.length <= 16
        ? 'u16'
        : futures.length <= 32
          ? 'u32'
          : 'u64';
  if (isSelect) {
    borrowedMacroLocal(w, 'disabled', prim(mask), node);
  }
  // `let mut output = { let mut futures = ..; poll_fn(..).await };`: declared after `disabled`
  // and before the branch futures, which is where rustc's layout orders it and its storage starts.
  const outputOrder = w.point - 0.5;
  w.pushScope();
  for (const f of futures) {
    w.walkExpr(f, 'move');
  }
  const futureTys = futures.map((f) => w.typeOf(f));
  const elems = isSelect
    ? futureTys
    : futureTys.map((t) => adt('MaybeDone', t, w.typer.awaitOutput(t)));
  const tuple: Ty = { k: 'tuple', elems };
  borrowedMacroLocal(w, 'futures', tuple, node);
  if (isSelect) {
    borrowedMacroLocal(w, 'futures', ref(tuple, true), node);
    w.registerAwait(node, { k: 'tuple', elems: [ref(UNIT_TY), ref(prim(mask), true)] });
  } else {
    w.registerAwait(node, { k: 'tuple', elems: [ref(tuple, true), prim('u32')] });
  }
  w.point++;
  w.popScope();
  const outputs = new Map<SelectArm, Ty>();
  arms.forEach((arm) => arm.future && outputs.set(arm, w.typer.awaitOutput(w.typeOf(arm.future))));
  const output = isSelect ? tokioSelectOutput(w, node, arms, outputs, outputOrder) : undefined;
  walkSelectHandlers(w, node, arms, outputs, output);
  w.point++;
  w.popScope();
}

/**
 * tokio's `select!` keeps the finished branch's output in a local `output` of an enum of its own
 * (`__tokio_select_util::Out`: a variant per branch, then `Disabled`) and matches the handlers on
 * it. A handler's pattern moves its part out; whatever has drop glue is dropped at the macro's
 * end, so such an `output` is held across the handlers' awaits (measured: a `String` message
 * bound by `msg = rx.recv()` keeps the 32-byte `output` saved at the handler's `write_all`).
 */
function tokioSelectOutput(
  w: WalkState,
  node: SyntaxNode,
  arms: SelectArm[],
  outputs: Map<SelectArm, Ty>,
  order: number,
): Local {
  const branches = arms.flatMap((a) => (a.future ? [outputs.get(a) ?? UNKNOWN] : []));
  const outTy = adt('__tokio_select_util::Out', ...branches);
  const local = w.newLocal('output', 'binding', outTy, node, order);
  // Its storage is live from the `let`, across the select's own await (a storage conflict).
  local.storageFrom = order;
  w.scopes[w.scopes.length - 1].names.delete('output');
  return local;
}

/** A local a macro's expansion declares (the code cannot name it), borrowed by what it awaits. */
export function borrowedMacroLocal(w: WalkState, name: string, ty: Ty, node: SyntaxNode): Local {
  const local = w.newLocal(name, 'binding', ty, node, w.point);
  w.scopes[w.scopes.length - 1].names.delete(name);
  local.uses.push({ point: ++w.point, kind: 'borrow', region: [...w.regionStack] });
  return local;
}

/**
 * One `select!` handler runs: they are the arms of a `match` on the branch that completed, each
 * with its pattern bound to that branch's output (`outputs`), held across the handler's own awaits.
 */
export function walkSelectHandlers(
  w: WalkState,
  node: SyntaxNode,
  arms: SelectArm[],
  outputs: Map<SelectArm, Ty>,
  output?: Local,
): void {
  const group = w.newGroup();
  for (const arm of arms) {
    const handler = arm.handler;
    if (!handler) {
      continue;
    }
    w.inRegion(() => {
      w.pushScope();
      w.point++;
      if (arm.pattern) {
        const before = w.locals.length;
        bindExpressionPattern(w, arm.pattern, outputs.get(arm) ?? UNKNOWN, w.point);
        if (output) {
          // The handler's pattern takes its part out of `output` (never a place of the code's).
          const bindings = w.locals.slice(before);
          recordPatternMove(w, node, arm.pattern, outputs.get(arm) ?? UNKNOWN, bindings, output);
        }
      }
      const body =
        handler.type === 'expression_statement' ? (handler.namedChildren[0] ?? handler) : handler;
      w.walkExpr(body, 'move');
      noteFirstBranchWrite(w, node, body);
      // The macro's value is its handlers' (read while their bindings are in scope).
      if (!w.blockTypes.has(node.id) && !isOpenNumber(body)) {
        const t = w.typeOf(body);
        if (t.k !== 'unknown' && t.k !== 'never') {
          w.blockTypes.set(node.id, t);
        }
      }
      w.point++;
      w.popScope();
    }, group);
  }
}
