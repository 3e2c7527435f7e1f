/**
 * Walks one async body in evaluation order and decides, for every `.await`, which values the
 * state machine saves there (reference/coroutine-layout.md section 2): scopes, moves, borrows,
 * drop glue, temporaries, loops, awaitees and captures.
 */
import type { SyntaxNode } from '../syntax/parser';
import { FnInfo, ItemIndex, TypeScope, callLeavesCrateAndStd, typeFromNode } from '../items/items';
import { ExprTyper, InferEnv, elementType, findMethod, isStdPath, receiverMode } from '../types/infer';
import { Ty, UNKNOWN, adt, hasUnknown, isAdt, peelRefs, prim, ref, showTy } from '../types/types';
import type { HeldKind } from '../report';
import { DEREF_TRAIT_TYPES, type GuardKind } from '../types/knownTypes';
import { MacroTrees } from '../syntax/macros';
import { endOf } from '../syntax/positions';
import { compiledIn, isCfgdOut } from '../syntax/cfg';

const MAX_NESTING = 400;

/** Thrown when expressions nest deeper than the walker follows; the future is then reported as skipped. */
export class NestingTooDeep extends Error {
  constructor() {
    super(`expressions nest more than ${MAX_NESTING} levels deep`);
  }
}

export type UseKind = 'read' | 'move' | 'borrow' | 'write';

export interface Use {
  point: number;
  kind: UseKind;
  region: number[];
  /** Used as a call argument or receiver (a move there needs a drop flag). */
  inCall?: boolean;
  /** A move out of part of the value (a pattern binding): storage and the rest's drop stay. */
  partial?: boolean;
  /**
   * A move of every part with drop glue that leaves parts without (`let a = s.a;` with `s.b: [u8; N]`):
   * the local is dead after it unless what is left is used later.
   */
  partsLeft?: boolean;
}

export interface SourceSpan {
  start: { row: number; column: number };
  end: { row: number; column: number };
}

export interface Local {
  id: number;
  name: string | null;
  kind: HeldKind;
  ty: Ty;
  /** The introducing node while the body's tree is alive; replaced by `span` when results are cached. */
  node: SyntaxNode;
  span?: SourceSpan;
  /** MIR-like declaration order (bindings before their initialiser's temporaries). */
  order: number;
  /** First point where the value exists. */
  init: number;
  /** Scope end: storage dies here. */
  end: number;
  region: number[];
  uses: Use[];
  /** Awaitees are saved at exactly their own await. */
  fixedAwait?: number;
  /** Upvars used in place: never saved as locals. */
  inPlace?: boolean;
  /** A drop flag guards this local. */
  flagFor?: Local;
  /** The lock guard it is, kept when `node` is dropped for the walk cache. */
  guard?: GuardKind;
}

export interface AwaitSite {
  index: number;
  point: number;
  region: number[];
  loops: number[];
  node: SyntaxNode;
  line: number;
  column: number;
}

interface LoopSpan {
  id: number;
  start: number;
  end: number;
  /** The region of the loop body. */
  region: number;
  /** `'outer` in `'outer: loop { .. }`, for `break 'outer`. */
  label?: string;
  /** A `loop`: its body always runs once (a `while` or `for` body may not). */
  entered?: boolean;
}

/** Something a nested async block / closure captured from this body. */
export interface Capture {
  local: Local;
  /** Field paths used (`name`, `inner.len`); empty string = the whole variable. */
  paths: Set<string>;
  byValue: boolean;
  /** A reference local only ever used through itself (edition 2021): the closure holds a reborrow, as big as the reference. */
  throughRef?: boolean;
}

/**
 * The places a closure or async block stores for one captured variable (measured with rustc 1.95).
 * Editions 2015/2018 capture whole variables. Edition 2021 captures each place used (`s.a`, `s.b`
 * are two pointers in a non-move closure), except through a shared reference (`&self`: the
 * reference is enough) or a smart pointer; through `&mut`, each place is its own pointer. A move
 * of a reference moves the reference itself.
 */
export function capturedPlaces(cap: Capture, edition: string): string[] {
  const ty = cap.local.ty;
  if (edition === '2015' || edition === '2018' || cap.paths.has('') || isAdt(ty, 'Box', 'Rc', 'Arc')) {
    return [''];
  }
  if (ty.k === 'ref' && (!ty.mut || cap.byValue)) {
    return [''];
  }
  // Paths that extend another captured path are inside it.
  const sorted = [...cap.paths].sort((a, b) => a.length - b.length);
  const kept: string[] = [];
  for (const p of sorted) {
    if (!kept.some((k) => p === k || p.startsWith(k + '.'))) {
      kept.push(p);
    }
  }
  return kept;
}

interface CaptureFrame {
  firstLocalId: number;
  isMove: boolean;
  /** An async block or closure (its own future), as opposed to a plain closure. */
  isFuture: boolean;
  captured: Map<Local, Capture>;
  /** The enclosing body's regions where the closure or block is created. */
  regionDepth: number;
}

export interface NestedFuture {
  node: SyntaxNode;
  captures: Capture[];
}

export interface BodyResult {
  /** Region id → group id: regions of one group are exclusive branches (if/else, match arms). */
  regionGroups: Map<number, number>;
  /** Regions whose code always leaves the construct (return, break, continue, panic). */
  divergingRegions: Set<number>;
  /** Regions that end in `return` (or a panic): nothing after them in the body is reachable from inside. */
  returningRegions: Set<number>;
  /** Regions that end in a `break`, with the loop they leave: the rest of its body and its next iteration are not reached from inside. */
  breakingRegions: Map<number, number>;
  /** The body's value type (what awaiting an async block yields), when known. */
  outputType?: Ty;
  /**
   * What this body does that the walk models only approximately (a macro whose expansion it does
   * not know, such as `select!` or a user's `macro_rules!`): the future's size is then a lower bound.
   */
  approximations: string[];
  locals: Local[];
  awaits: AwaitSite[];
  loops: LoopSpan[];
  /** Async blocks and closures met in this body, with what they capture. */
  nested: NestedFuture[];
}

export interface BodyContext {
  index: ItemIndex;
  scope: TypeScope;
  edition: string;
  macros: MacroTrees;
  /** Copy / drop-glue facts for a type (futures: not Copy, drop glue). */
  traits(ty: Ty): { copy: boolean; drop: boolean };
  futureOfNode(node: SyntaxNode): Ty | null;
  futureOfFn(fn: FnInfo, subst?: Map<string, Ty>): Ty;
  futureOutput(id: string): Ty | null;
  /** The body's declared return type, when known. */
  returnTy?: Ty;
  /** The enclosing fn's closure-trait bounds (`F: FnMut(u32) -> Fut`). */
  callableOutputs?: Map<string, Ty | 'async'>;
  /** The enclosing fn's generic parameters bounded by `FnOnce`: calling one moves it. */
  onceCallables?: Set<string>;
  /** The enclosing fn's `Fut: Future<Output = T>` bounds. */
  futureOutputs?: Map<string, Ty>;
  /** Called as soon as a direct nested async block or closure has been walked for its captures. */
  onNestedFuture?(nested: NestedFuture): void;
}

const FORMAT_MACROS = new Set([
  'format', 'print', 'println', 'eprint', 'eprintln', 'write', 'writeln', 'panic', 'format_args',
  'trace', 'debug', 'info', 'warn', 'error', 'log', 'unreachable', 'todo', 'unimplemented', 'assert', 'debug_assert',
]);
const SELF_CONTAINED_FORMAT = new Set(['format', 'print', 'println', 'eprint', 'eprintln', 'panic', 'unreachable', 'todo', 'unimplemented', 'assert', 'debug_assert']);
const DIVERGING_MACROS = new Set(['panic', 'unreachable', 'todo', 'unimplemented']);
const JOIN_MACROS = new Set(['join', 'try_join', 'select']);
const UNIT_TY: Ty = { k: 'tuple', elems: [] };
/**
 * Macros whose expansion the walk models as rustc sees it (each checked against rustc by a fixture:
 * format macros, asserts, `matches!`, `vec!`, `pin!`/`pin_mut!`), or that expand to a constant.
 * Any other macro in a body makes its future's size a lower bound.
 */
const MODELLED_MACROS = new Set([
  ...FORMAT_MACROS, 'assert_eq', 'assert_ne', 'debug_assert_eq', 'debug_assert_ne', 'matches', 'vec', 'pin', 'pin_mut',
  'concat', 'stringify', 'line', 'column', 'file', 'module_path', 'env', 'option_env', 'include_str', 'include_bytes', 'cfg',
]);
const INTEGER_NAMES: Record<string, true> = { u8: true, u16: true, u32: true, u64: true, u128: true, usize: true, i8: true, i16: true, i32: true, i64: true, i128: true, isize: true };
const PLACE_TYPES = new Set(['identifier', 'self', 'field_expression', 'scoped_identifier']);

function isPlace(node: SyntaxNode): boolean {
  if (node.type === 'parenthesized_expression' && node.namedChildren[0]) {
    return isPlace(node.namedChildren[0]);
  }
  if (node.type === 'field_expression') {
    const base = node.childForFieldName('value');
    return !!base && isPlace(base);
  }
  if (node.type === 'index_expression' && node.namedChildren[0]) {
    return isPlace(node.namedChildren[0]);
  }
  if (node.type === 'unary_expression' && node.children[0]?.type === '*') {
    return true;
  }
  return PLACE_TYPES.has(node.type);
}

/** Named children without comments and attributes; `cfg`: also without those a false `#[cfg]` compiles out. */
function named(node: SyntaxNode | null, cfg = false): SyntaxNode[] {
  const children = node?.namedChildren ?? [];
  return (cfg ? compiledIn(children) : children).filter((c): c is SyntaxNode => !!c && c.type !== 'line_comment' && c.type !== 'block_comment' && c.type !== 'attribute_item');
}

/** A place written as a local and fields (`t`, `self.pair.0`): a move out of it can be told apart field by field. */
function isSimplePlace(node: SyntaxNode): boolean {
  if (node.type === 'identifier' || node.type === 'self') {
    return true;
  }
  if (node.type === 'field_expression' || node.type === 'parenthesized_expression') {
    const inner = node.type === 'field_expression' ? node.childForFieldName('value') : node.namedChildren[0];
    return !!inner && isSimplePlace(inner);
  }
  return false;
}

/**
 * The sub-patterns of a tuple, tuple-struct or slice pattern with the position each one matches:
 * `_` (an anonymous node) counts, and parts after `..` count from the end (unknown without the arity).
 */
function positionalParts(pattern: SyntaxNode, arity: number | null, skip?: SyntaxNode | null): { node: SyntaxNode; index: number }[] {
  const parts = pattern.children.filter(
    (c): c is SyntaxNode => !!c && c.id !== skip?.id && (c.type === '_' || (c.isNamed && c.type !== 'line_comment' && c.type !== 'block_comment' && c.type !== 'attribute_item')),
  );
  const rest = parts.findIndex((c) => isRestPattern(c));
  const out: { node: SyntaxNode; index: number }[] = [];
  parts.forEach((node, i) => {
    if (rest >= 0 && i === rest) {
      return;
    }
    const index = rest >= 0 && i > rest ? (arity === null ? -1 : arity - (parts.length - i)) : i;
    out.push({ node, index });
  });
  return out;
}

/** `..`, or `rest @ ..` in a slice pattern. */
function isRestPattern(node: SyntaxNode): boolean {
  return node.type === 'remaining_field_pattern' || (node.type === 'captured_pattern' && node.namedChildren[node.namedChildren.length - 1]?.type === 'remaining_field_pattern');
}

/** Whether a region path starts with another (`[1, 4]` is inside `[1]`). */
export function isPrefix(prefix: number[], path: number[]): boolean {
  return prefix.length <= path.length && prefix.every((r, i) => path[i] === r);
}

/** `async |x| ..`, `async move || ..` (`static async ||` too): its text says so, without visiting its children. */
export function isAsyncClosure(node: SyntaxNode): boolean {
  return node.type === 'closure_expression' && /^(static\s+)?async\b/.test(node.text);
}

function isConstantExpression(node: SyntaxNode): boolean {
  switch (node.type) {
    case 'integer_literal':
    case 'float_literal':
    case 'boolean_literal':
    case 'char_literal':
    case 'string_literal':
    case 'raw_string_literal':
    case 'unit_expression':
      return true;
    case 'array_expression':
    case 'tuple_expression':
    case 'parenthesized_expression':
      return named(node).every(isConstantExpression);
    case 'unary_expression':
      return node.children[0]?.type === '-' && named(node).every(isConstantExpression);
    case 'scoped_identifier':
    case 'identifier':
      return /^[A-Z][A-Z0-9_]*$/.test(node.text.split('::').pop() ?? '');
    default:
      return false;
  }
}

function isUnsuffixedInt(node: SyntaxNode): boolean {
  if (node.type === 'unary_expression' && node.namedChildren[0]) {
    return isUnsuffixedInt(node.namedChildren[0]);
  }
  return node.type === 'integer_literal' && !/[iu](8|16|32|64|128|size)$/.test(node.text);
}

/**
 * A `select!`'s branch futures and handlers, from its arguments as `macros.ts` reads them
 * (`pat = fut, handler, ..`). A block handler needs no comma after it, so `{ .. } pat = fut` reads
 * as one assignment whose left side is the previous branch's handler; `else`/`complete`/`default`
 * expressions count as handlers.
 */
function selectBranches(args: SyntaxNode[]): { futures: SyntaxNode[]; handlers: SyntaxNode[] } {
  const futures: SyntaxNode[] = [];
  const handlers: SyntaxNode[] = [];
  for (const a of args) {
    if (a.type === 'assignment_expression') {
      const left = a.childForFieldName('left');
      if (left?.type === 'block') {
        handlers.push(left);
      }
      const right = a.childForFieldName('right');
      if (right) {
        futures.push(right);
      }
    } else {
      handlers.push(a);
    }
  }
  return { futures, handlers };
}

/** `0..10`, `1..=n_max` with unsuffixed literal bounds: a range whose integer type only its use settles. */
function isUnsuffixedIntRange(node: SyntaxNode): boolean {
  if (node.type !== 'range_expression') {
    return false;
  }
  const ends = node.namedChildren.filter((c): c is SyntaxNode => !!c);
  return ends.length > 0 && ends.every(isUnsuffixedInt);
}

/** `[0; 8192]` or `[1, 2, 3]`: an array whose element type only its later use settles. */
function isUnsuffixedIntArray(node: SyntaxNode): boolean {
  if (node.type !== 'array_expression') {
    return false;
  }
  const elems = node.childForFieldName('length') ? [node.namedChildren[0]] : node.namedChildren;
  return elems.length > 0 && elems.every((e) => !!e && isUnsuffixedInt(e));
}

/** std functions and methods whose first parameter is an integer of one type (what settles a literal passed there). */
const STD_INTEGER_PARAM: Record<string, string> = {
  with_capacity: 'usize', reserve: 'usize', reserve_exact: 'usize', truncate: 'usize', split_off: 'usize', swap_remove: 'usize',
  skip: 'usize', take: 'usize', nth: 'usize', step_by: 'usize', chunks: 'usize', windows: 'usize', repeat: 'usize',
  from_secs: 'u64', from_millis: 'u64', from_micros: 'u64', from_nanos: 'u64',
};

const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '&', '|', '^']);

/** The local an argument hands over, through `&`, `&mut`, `(..)` and `x[..]`. */
function argumentRoot(node: SyntaxNode): SyntaxNode | null {
  let n: SyntaxNode | null = node;
  while (n && (n.type === 'reference_expression' || n.type === 'parenthesized_expression' || n.type === 'index_expression')) {
    n = n.type === 'reference_expression' ? n.childForFieldName('value') : n.namedChildren[0];
  }
  return n?.type === 'identifier' ? n : null;
}

function macroName(node: SyntaxNode): string {
  return node.childForFieldName('macro')?.text.split('::').pop()?.trim() ?? '';
}

/**
 * Whether a value could match both patterns: false only when their outermost constructors (enum
 * variants, unit variants, literals) differ, as `Ok(n)` and `Err(e)` or `1` and `2` do.
 */
function patternsMayOverlap(a: SyntaxNode, b: SyntaxNode): boolean {
  const heads = (p: SyntaxNode): string[] | null => {
    switch (p.type) {
      case 'or_pattern': {
        const all = named(p).map(heads);
        return all.some((h) => h === null) ? null : all.flat() as string[];
      }
      case 'tuple_struct_pattern':
      case 'struct_pattern': {
        const path = p.childForFieldName('type')?.text ?? '';
        return [path.slice(path.lastIndexOf(':') + 1)];
      }
      case 'scoped_identifier':
        return [p.text.slice(p.text.lastIndexOf(':') + 1)];
      case 'identifier':
        // `None` is a variant; `n` binds anything.
        return /^[A-Z]/.test(p.text) ? [p.text] : null;
      case 'integer_literal':
      case 'string_literal':
      case 'char_literal':
      case 'boolean_literal':
        return [`=${p.text}`];
      default:
        return null;
    }
  };
  const ha = heads(a);
  const hb = heads(b);
  return !ha || !hb || ha.some((h) => hb.includes(h));
}

function isDivergingStatement(stmt: SyntaxNode): boolean {
  let e: SyntaxNode | null = stmt;
  if (e.type === 'expression_statement') {
    e = e.namedChildren[0] ?? null;
  }
  if (!e) {
    return false;
  }
  if (e.type === 'return_expression' || e.type === 'break_expression' || e.type === 'continue_expression') {
    return true;
  }
  if (e.type === 'macro_invocation' && DIVERGING_MACROS.has(macroName(e))) {
    return true;
  }
  if (e.type === 'loop_expression') {
    return !/\bbreak\b/.test(e.text);
  }
  return false;
}

export class BodyWalker {
  private point = 0;
  private nextId = 0;
  private readonly locals: Local[] = [];
  private readonly awaits: AwaitSite[] = [];
  private readonly loops: LoopSpan[] = [];
  private readonly loopStack: LoopSpan[] = [];
  private readonly regionStack: number[] = [];
  private readonly regionGroups = new Map<number, number>();
  private readonly divergingRegions = new Set<number>();
  private readonly returningRegions = new Set<number>();
  private readonly breakingRegions = new Map<number, number>();
  /** Where the storage of the last awaited future ends: what is made from an await's output starts after it. */
  private lastAwaiteeEnd = -Infinity;
  private nextRegion = 1;
  private readonly scopes: { names: Map<string, Local>; owned: Local[] }[] = [];
  /** Temporaries that die at the end of the enclosing statement. */
  private readonly statementTemps: Local[][] = [];
  private readonly captureFrames: CaptureFrame[] = [];
  private readonly nested: NestedFuture[] = [];
  private readonly approximations = new Set<string>();
  private dead = false;
  private depth = 0;
  private readonly typer: ExprTyper;
  private readonly inferEnv: InferEnv;
  private readonly closureTypes = new Map<number, Ty>();
  private readonly awaitCache = new Map<number, boolean>();
  /** Value types of blocks, computed before their scope closed (their tail may name inner bindings). */
  private readonly blockTypes = new Map<number, Ty>();
  /** Where a block's tail value is written, still inside the block's scope. */
  private readonly blockTailPoints = new Map<number, number>();
  /** Inside `&x` or a format argument: a borrow of the local itself, even when it is a reference. */
  private explicitBorrow = false;
  private inCallArgs = 0;
  /** The paths moved out of each local so far, with the region of each move. */
  private readonly movedParts = new Map<Local, { region: number[]; paths: string[][] }[]>();
  /** Moves that took every part with drop glue out of a local, one part at a time. */
  private readonly partMoves: { local: Local; use: Use }[] = [];
  /**
   * Bindings of unsuffixed integer literals (`let n = 0`, `[0; 64]`, `for i in 0..10`), whose type
   * is settled by their first typed use: each maps to the integer type object its type holds (the
   * array's element, the range's bound), shared with every type made from it so far (a capture of
   * `i`, the loop's `Range<i32>`), so settling it retypes them all, as rustc's inference does.
   */
  private readonly flexInts = new Map<Local, Ty & { k: 'prim' }>();

  constructor(private readonly ctx: BodyContext) {
    const env: InferEnv = (this.inferEnv = {
      index: ctx.index,
      scope: ctx.scope,
      localType: (name) => this.lookup(name)?.ty ?? null,
      futureOfNode: (n) => ctx.futureOfNode(n) ?? this.closureTypes.get(n.id) ?? null,
      knownType: (n) => this.blockTypes.get(n.id),
      callableOutput: (param) => ctx.callableOutputs?.get(param),
      paramFutureOutput: (param) => ctx.futureOutputs?.get(param),
      closureOutput: (n) => {
        if (n.type !== 'closure_expression') {
          return undefined;
        }
        const body = n.childForFieldName('body');
        let tail = body?.type === 'block' ? named(body).pop() : body;
        if (tail?.type === 'expression_statement' && !tail.text.trimEnd().endsWith(';')) {
          tail = tail.namedChildren[0] ?? undefined;
        }
        if (!tail) {
          return undefined;
        }
        const t = tail.type === 'async_block' ? ctx.futureOfNode(tail) : this.typeOf(tail);
        return t && t.k !== 'unknown' ? t : undefined;
      },
      futureOfFn: (f, m) => ctx.futureOfFn(f, m),
      futureOutput: (id) => ctx.futureOutput(id),
    });
    this.typer = new ExprTyper(env);
  }

  typeOf(node: SyntaxNode | null): Ty {
    return this.typer.typeOf(node);
  }

  /** Declares the inputs: async fn parameters (upvar + local copy) or a block's captures (in place). */
  declareParam(name: string | null, ty: Ty, node: SyntaxNode, kind: 'argument' | 'upvar'): Local {
    if (this.scopes.length === 0) {
      this.pushScope();
    }
    const local = this.newLocal(name, kind === 'upvar' ? 'upvar' : 'argument', ty, node, 0);
    local.inPlace = kind === 'upvar';
    local.init = -1;
    local.order = -1000 + local.id;
    return local;
  }

  /** Declares the bindings of a parameter pattern (`(a, b): (u8, u8)`). */
  declareParamPattern(pattern: SyntaxNode, ty: Ty): void {
    if (this.scopes.length === 0) {
      this.pushScope();
    }
    if (pattern.type === 'identifier' || pattern.type === 'self' || pattern.type === 'self_parameter') {
      this.declareParam(pattern.type === 'identifier' ? pattern.text : 'self', ty, pattern, 'argument');
      return;
    }
    if (pattern.type === '_') {
      // rustc names the local of a `_` parameter `_`; nothing can refer to it.
      const local = this.declareParam('_', ty, pattern, 'argument');
      this.scopes[this.scopes.length - 1].names.delete('_');
      void local;
      return;
    }
    this.bindPattern(pattern, ty, -1, 'argument');
  }

  run(body: SyntaxNode): BodyResult {
    if (this.scopes.length === 0) {
      this.pushScope();
    }
    let outputType: Ty = UNKNOWN;
    if (body.type === 'block') {
      this.walkBlockContents(body);
      const tail = named(body).pop();
      if (tail && this.ctx.returnTy) {
        this.unifyExpected(tail, this.ctx.returnTy);
      }
      if (tail && tail.type !== 'expression_statement' && tail.type !== 'let_declaration' && !tail.type.endsWith('_item')) {
        outputType = this.typeOf(tail);
      }
    } else {
      this.withStatement(() => this.walkExpr(body, 'move'));
      outputType = this.typeOf(body);
    }
    this.point++;
    this.popScope();
    // A move of every part, on a branch that comes back to the local's scope: the drop at the scope
    // end (guarded by a flag) still reads the local, so it stays saved (measured).
    for (const { local, use } of this.partMoves) {
      if (use.region.length > local.region.length && !use.region.slice(local.region.length).some((r) => this.divergingRegions.has(r))) {
        use.partial = true;
      }
    }
    return { locals: this.locals, awaits: this.awaits, loops: this.loops, nested: this.nested, regionGroups: this.regionGroups, divergingRegions: this.divergingRegions, returningRegions: this.returningRegions, breakingRegions: this.breakingRegions, outputType, approximations: [...this.approximations] };
  }

  // ---- scopes and locals ----

  private pushScope(): void {
    this.scopes.push({ names: new Map(), owned: [] });
  }

  private popScope(): void {
    const scope = this.scopes.pop();
    for (const l of scope?.owned ?? []) {
      if (l.end === Infinity) {
        l.end = this.point;
      }
    }
  }

  private lookup(name: string): Local | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const l = this.scopes[i].names.get(name);
      if (l) {
        return l;
      }
    }
    return undefined;
  }

  private newLocal(name: string | null, kind: HeldKind, ty: Ty, node: SyntaxNode, order: number): Local {
    const local: Local = {
      id: this.nextId++,
      name,
      kind,
      ty,
      node,
      order,
      init: this.point,
      end: Infinity,
      region: [...this.regionStack],
      uses: [],
    };
    this.locals.push(local);
    const scope = this.scopes[this.scopes.length - 1];
    scope.owned.push(local);
    if (name !== null) {
      scope.names.set(name, local);
    }
    return local;
  }

  private newTemp(ty: Ty, node: SyntaxNode, until: 'statement' | 'scope' = 'statement'): Local {
    const temp = this.newLocal(null, 'temporary', ty, node, this.point);
    const scope = this.scopes[this.scopes.length - 1];
    if (until === 'statement' && this.statementTemps.length) {
      scope.owned.pop();
      this.statementTemps[this.statementTemps.length - 1].push(temp);
    }
    return temp;
  }

  private withStatement(fn: () => void): void {
    this.statementTemps.push([]);
    fn();
    this.point++;
    for (const t of this.statementTemps.pop() ?? []) {
      t.end = this.point;
    }
  }

  /**
   * Records a use of `local` at `path`. A move takes `moved` out of it: paths below `path` (by default
   * `path` itself), or the whole local; see `classifyMove`.
   */
  private use(local: Local, kind: UseKind, path = '', moved: string[][] | 'whole' = [[]]): void {
    if (this.dead) {
      return;
    }
    const frame = this.captureFrames[this.captureFrames.length - 1];
    if (frame && local.id < frame.firstLocalId) {
      const traits = this.ctx.traits(local.ty);
      const isRefLocal = local.ty.k === 'ref' || local.ty.k === 'ptr';
      // A `&mut` reference passed on inside the body (`peek(buf)`) is reborrowed, not moved into the closure.
      const byValue = frame.isMove || (kind === 'move' && !traits.copy && !isRefLocal);
      let cap = frame.captured.get(local);
      if (!cap) {
        cap = { local, paths: new Set(), byValue: false };
        frame.captured.set(local, cap);
      }
      cap.paths.add(path);
      cap.byValue ||= byValue;
      // The closure or block itself is what uses the variable, at its creation.
      // A reference used through itself (`client.get()`) is captured as `*client`: no borrow of the local.
      // Editions 2015/2018 capture whole variables: a capture by reference is `&client` itself, a borrow
      // of the local even when it is a reference (measured: `|| self.io.peek(buf)` keeps `self` and `buf`).
      const wholeVariable = this.ctx.edition === '2015' || this.ctx.edition === '2018';
      const throughDeref = isRefLocal && !wholeVariable && (path !== '' || (kind === 'move' && !byValue && !traits.copy) || (kind === 'borrow' && !this.explicitBorrow));
      const captureKind: UseKind = byValue ? (traits.copy ? 'read' : 'move') : 'borrow';
      cap.throughRef = (cap.throughRef ?? true) && throughDeref && !cap.byValue;
      // Outer frames see the capture as a use too; a capture by reference is `&local` (or `&local.field`).
      // It happens where the closure is created, whatever branch of the closure's body uses the variable
      // (measured: `move || if c { s.len() } else { 0 }` moves `s` unconditionally).
      const outer = this.captureFrames.pop()!;
      const innerRegions = this.regionStack.splice(outer.regionDepth);
      try {
        if (throughDeref || captureKind !== 'borrow') {
          // A capture by value takes the whole variable in editions 2015/2018, and in 2021 the place
          // used, out of a value the closure does not reach through a pointer (`move || s.a.len()`
          // moves `s.a` alone; measured).
          const place = !wholeVariable && !throughDeref && path !== '' && !isRefLocal && !isAdt(local.ty, 'Box', 'Rc', 'Arc');
          this.use(local, throughDeref ? 'read' : captureKind, path, place ? [[]] : 'whole');
        } else {
          this.withExplicitBorrow(() => this.use(local, captureKind, wholeVariable ? '' : path));
        }
      } finally {
        this.regionStack.push(...innerRegions);
        this.captureFrames.push(outer);
      }
      return;
    }
    const isRef = local.ty.k === 'ref' || local.ty.k === 'ptr';
    // Copies, and `&mut` references passed on (an implicit reborrow), leave the local in place.
    if (kind === 'move' && (isRef || this.ctx.traits(local.ty).copy)) {
      kind = 'read';
    }
    // Borrowing through a reference (`self.buf.len()` with `&mut self`) does not borrow the local itself;
    // only `&r` on the reference local does.
    if (kind === 'borrow' && isRef && !(this.explicitBorrow && path === '')) {
      kind = 'read';
    }
    const use: Use = { point: ++this.point, kind, region: [...this.regionStack], inCall: this.inCallArgs > 0 };
    if (kind === 'move' && moved !== 'whole') {
      const base = path ? path.split('.') : [];
      this.classifyMove(local, use, moved.map((p) => [...base, ...p]));
    }
    local.uses.push(use);
  }

  /**
   * A move out of parts of a local (`let x = s.a;`, `let (a, _) = t;`). Measured with rustc 1.95:
   * when a part with drop glue stays (with the parts moved earlier on this path), the local is
   * still dropped at its scope end and stays saved (a partial move). When every such part is gone,
   * the local is dead after the move, but its storage lives on: if the move was conditional, the
   * drop at the scope end still reads it (settled in `run`, once diverging regions are known).
   */
  private classifyMove(local: Local, use: Use, moved: string[][]): void {
    if (moved.some((p) => p.length === 0)) {
      return;
    }
    let earlier = this.movedParts.get(local);
    if (!earlier) {
      earlier = [];
      this.movedParts.set(local, earlier);
    }
    const before = earlier.filter((m) => isPrefix(m.region, use.region)).flatMap((m) => m.paths);
    earlier.push({ region: use.region, paths: moved });
    const left = this.leftAfterMoving(local.ty, [...before, ...moved]);
    if (left === 'drop') {
      use.partial = true;
    } else if (left === 'none') {
      use.partsLeft = true;
      this.partMoves.push({ local, use });
    }
  }

  private withExplicitBorrow(fn: () => void): void {
    const saved = this.explicitBorrow;
    this.explicitBorrow = true;
    try {
      fn();
    } finally {
      this.explicitBorrow = saved;
    }
  }

  /** Runs `fn` in a new conditional region; regions sharing a `group` are exclusive branches of one construct. */
  private inRegion<T>(fn: () => T, group?: number): T {
    const id = this.nextRegion++;
    this.regionGroups.set(id, group ?? id);
    this.regionStack.push(id);
    try {
      return fn();
    } finally {
      this.regionStack.pop();
    }
  }

  private newGroup(): number {
    return this.nextRegion++;
  }

  /** The innermost region always leaves its construct here; with `return` or a panic, it leaves the body. */
  private markDiverging(stmt: SyntaxNode): void {
    const region = this.regionStack[this.regionStack.length - 1];
    if (region === undefined) {
      return;
    }
    this.divergingRegions.add(region);
    const e = stmt.type === 'expression_statement' ? stmt.namedChildren[0] : stmt;
    if (e && (e.type === 'return_expression' || (e.type === 'macro_invocation' && DIVERGING_MACROS.has(macroName(e))))) {
      this.returningRegions.add(region);
    }
    if (e?.type === 'break_expression') {
      const label = named(e).find((c) => c.type === 'label')?.text;
      const loop = label ? [...this.loopStack].reverse().find((l) => l.label === label) : this.loopStack[this.loopStack.length - 1];
      if (loop) {
        this.breakingRegions.set(region, loop.id);
      }
    }
  }

  private inLoop(loopNode: SyntaxNode, fn: () => void): void {
    const label = named(loopNode).find((c) => c.type === 'label')?.text;
    const span: LoopSpan = {
      id: this.loops.length,
      start: ++this.point,
      end: Infinity,
      region: this.nextRegion,
      ...(label ? { label } : {}),
      ...(loopNode.type === 'loop_expression' ? { entered: true } : {}),
    };
    this.loops.push(span);
    this.loopStack.push(span);
    this.inRegion(fn);
    this.loopStack.pop();
    span.end = ++this.point;
  }

  // ---- statements ----

  private walkBlockContents(block: SyntaxNode): void {
    const wasDead = this.dead;
    for (const stmt of named(block, true)) {
      this.walkStatement(stmt);
      if (isDivergingStatement(stmt)) {
        this.dead = true;
        this.markDiverging(stmt);
      }
    }
    this.dead = wasDead;
  }

  private walkBlock(block: SyntaxNode): void {
    this.pushScope();
    this.walkBlockContents(block);
    const tail = named(block).pop();
    if (tail && tail.type !== 'expression_statement' && tail.type !== 'let_declaration' && !tail.type.endsWith('_item')) {
      this.blockTypes.set(block.id, this.typeOf(tail));
      this.blockTailPoints.set(block.id, this.point - 0.5);
    }
    this.point++;
    this.popScope();
  }

  private walkStatement(stmt: SyntaxNode): void {
    switch (stmt.type) {
      case 'let_declaration':
        this.walkLet(stmt);
        return;
      case 'expression_statement':
        this.withStatement(() => {
          const e = stmt.namedChildren[0];
          if (e) {
            this.walkExpr(e, 'discard');
          }
        });
        return;
      case 'function_item':
      case 'struct_item':
      case 'enum_item':
      case 'impl_item':
      case 'use_declaration':
      case 'const_item':
      case 'static_item':
      case 'type_item':
      case 'trait_item':
      case 'mod_item':
      case 'empty_statement':
      case 'attribute_item':
        return;
      default:
        // A block's tail expression.
        this.withStatement(() => this.walkExpr(stmt, 'move'));
    }
  }

  private walkLet(stmt: SyntaxNode): void {
    const pattern = stmt.childForFieldName('pattern');
    const value = stmt.childForFieldName('value');
    const tyNode = stmt.childForFieldName('type');
    const alternative = stmt.childForFieldName('alternative');
    const order = this.point;
    const annotated = tyNode ? typeFromNode(tyNode, this.ctx.index, this.ctx.scope) : null;
    let ty = annotated ?? UNKNOWN;
    if (value && ty.k === 'unknown') {
      ty = this.typeOf(value);
    }
    const isWildcard = pattern?.type === '_';
    let initAt: number | null = null;
    this.statementTemps.push([]);
    if (value) {
      if (isWildcard && isPlace(value)) {
        // `let _ = x;` neither moves nor reads `x`.
      } else if (value.type === 'reference_expression' && !isPlace(value.childForFieldName('value') ?? value)) {
        // `let r = &make();` extends the temporary to the enclosing block.
        const operand = value.childForFieldName('value')!;
        this.walkExpr(operand, 'move');
        const temp = this.newTemp(this.typeOf(operand), operand, 'scope');
        temp.uses.push({ point: ++this.point, kind: 'borrow', region: [...this.regionStack] });
      } else if (this.isPinMacro(value)) {
        this.walkPinMacro(value);
      } else if (pattern && isPlace(value)) {
        this.bindFromPlace(value, pattern, ty);
      } else {
        this.walkExpr(value, 'move');
      }
      const direct = value.type === 'await_expression' ? this.awaits[this.awaits.length - 1] : undefined;
      const simpleBinding = !alternative && (pattern?.type === 'identifier' || pattern?.type === 'mut_pattern');
      if (direct && direct.node.id === value.id && simpleBinding) {
        // The binding is written while the awaitee still exists: they conflict.
        initAt = direct.point + 0.25;
      }
    }
    if (value && !annotated && hasUnknown(ty)) {
      // Blocks and branches are typed while walked (their values may name inner bindings).
      const after = this.typeOf(value);
      if (!hasUnknown(after) || ty.k === 'unknown') {
        ty = after;
      }
    }
    // `let x = { ..; value }`: x is written by the block's tail while the block's locals still exist.
    const tailPoint = value && (value.type === 'block' || value.type === 'unsafe_block') ? this.blockTailPoints.get(value.id) : undefined;
    if (tailPoint !== undefined && initAt === null) {
      initAt = tailPoint;
    }
    if (alternative) {
      this.inRegion(() => this.walkBlock(alternative));
    }
    this.point++;
    for (const t of this.statementTemps.pop() ?? []) {
      t.end = this.point;
    }
    if (pattern && !isWildcard) {
      const before = this.locals.length;
      this.bindPattern(pattern, ty, order, 'binding');
      if (!annotated && value && (isUnsuffixedInt(value) || isUnsuffixedIntArray(value)) && this.locals.length === before + 1) {
        const local = this.locals[before];
        const int = prim('i32') as Ty & { k: 'prim' };
        local.ty = local.ty.k === 'array' ? { ...local.ty, elem: int } : int;
        this.flexInts.set(local, int);
      }
      if (initAt !== null) {
        for (let i = before; i < this.locals.length; i++) {
          this.locals[i].init = initAt;
        }
      }
    } else if (pattern && isWildcard && value && !isPlace(value)) {
      // `let _ = expr;` drops the value at once: nothing to save.
    }
  }

  /**
   * `let PAT = place;`: parts bound with `ref` borrow the place, parts bound by value move out of it
   * unless Copy (a copy leaves the place whole), and `_` / `..` parts stay where they are.
   * Measured with rustc 1.95: `let (n, _) = t;` with `n` Copy keeps `t` (dropped at its scope end);
   * `let (a, b) = t;` moving every part with drop glue frees it.
   */
  private bindFromPlace(value: SyntaxNode, pattern: SyntaxNode, ty: Ty): void {
    const parts = this.patternParts(pattern, ty);
    if (parts.borrows) {
      this.walkExpr(value, 'borrow');
    }
    if (parts.moved.length === 0) {
      if (!parts.borrows) {
        this.walkExpr(value, 'read');
      }
      return;
    }
    const root = isSimplePlace(value) ? this.placeRoot(value) : null;
    if (!root || root.viaDeref || parts.moved.some((p) => p.length === 0) || isAdt(root.local.ty, ...DEREF_TRAIT_TYPES)) {
      this.walkExpr(value, 'move');
      return;
    }
    this.use(root.local, 'move', root.path, parts.moved);
  }

  /**
   * What binding `pattern` to a place of type `ty` does to it: the paths (relative to the place) it
   * moves out, and whether it borrows part of it. A move out of an enum variant's field ends in an
   * `@Variant` step: the enum as a whole is still dropped later (measured: `let Some(x) = o else ..`
   * keeps `o: Option<String>`). Where the type is not known the whole place counts as moved.
   */
  private patternParts(pattern: SyntaxNode, ty: Ty): { moved: string[][]; borrows: boolean } {
    const out = { moved: [] as string[][], borrows: false };
    const visit = (p: SyntaxNode, t: Ty, path: string[]): void => {
      if (t.k === 'ref' || t.k === 'ptr') {
        // Matching through a reference binds by reference: nothing moves.
        return;
      }
      const byValue = () => {
        if (!this.ctx.traits(t).copy) {
          out.moved.push(path);
        }
      };
      const inVariant = (ctor: string, fn: (sub: { moved: string[][] }) => void) => {
        const sub = { moved: [] as string[][] };
        fn(sub);
        if (sub.moved.length) {
          out.moved.push([...path, `@${ctor}`]);
        }
      };
      // A struct's fields are parts of the place; a variant's are moved out of the enum as a whole.
      const fieldsOf = (variant: string | null, walk: (prefix: string[]) => void) => {
        if (!variant) {
          walk(path);
          return;
        }
        inVariant(variant, (sub) => {
          const saved = out.moved;
          out.moved = sub.moved;
          try {
            walk([]);
          } finally {
            out.moved = saved;
          }
        });
      };
      switch (p.type) {
        case 'identifier':
          if (!/^[A-Z]/.test(p.text)) {
            byValue();
          }
          return;
        case 'mut_pattern':
        case 'or_pattern': {
          const inner = p.type === 'or_pattern' ? named(p)[0] : named(p).pop();
          if (inner) {
            visit(inner, t, path);
          }
          return;
        }
        case 'captured_pattern': {
          const [, sub] = named(p);
          byValue();
          if (sub) {
            const before = out.moved.length;
            visit(sub, t, path);
            out.moved.length = Math.min(out.moved.length, before);
          }
          return;
        }
        case 'ref_pattern':
          out.borrows = true;
          return;
        case 'tuple_pattern':
          if (t.k !== 'tuple') {
            byValue();
            return;
          }
          for (const { node, index } of positionalParts(p, t.elems.length)) {
            visit(node, t.elems[index] ?? UNKNOWN, [...path, String(index)]);
          }
          return;
        case 'slice_pattern':
          if (t.k !== 'array' || t.len === null || named(p).some((c) => c.type === 'captured_pattern' && isRestPattern(c))) {
            byValue();
            return;
          }
          for (const { node, index } of positionalParts(p, t.len)) {
            visit(node, t.elem, [...path, String(index)]);
          }
          return;
        case 'tuple_struct_pattern': {
          const typeNode = p.childForFieldName('type');
          const ctor = typeNode?.text.split('::').pop() ?? '';
          const shape = this.ctorShape(t, typeNode?.text ?? '');
          if (!shape) {
            byValue();
            return;
          }
          fieldsOf(shape.variant, (prefix) => {
            for (const { node, index } of positionalParts(p, shape.arity, typeNode)) {
              visit(node, this.variantField(t, ctor, index), [...prefix, String(index)]);
            }
          });
          return;
        }
        case 'struct_pattern': {
          const typeNode = p.childForFieldName('type');
          const shape = this.ctorShape(t, typeNode?.text ?? '');
          if (!shape) {
            byValue();
            return;
          }
          fieldsOf(shape.variant, (prefix) => {
            for (const f of named(p)) {
              if (f.type !== 'field_pattern') {
                continue;
              }
              const name = f.childForFieldName('name')?.text ?? '';
              const sub = f.childForFieldName('pattern');
              const fty = this.structPatternField(t, p, name);
              if (f.children.some((c) => c?.type === 'ref')) {
                out.borrows = true;
              } else if (sub) {
                visit(sub, fty, [...prefix, name]);
              } else if (!this.ctx.traits(fty).copy) {
                out.moved.push([...prefix, name]);
              }
            }
          });
          return;
        }
        default:
          // `_`, `..`, literals, ranges, `&pat` (only ever matches a reference): nothing moves.
          return;
      }
    };
    visit(pattern, ty, []);
    return out;
  }

  /**
   * The constructor a tuple-struct or struct pattern names: a struct (its fields are parts of the place)
   * or an enum variant. Null when it is not known.
   */
  private ctorShape(t: Ty, typeText: string): { arity: number | null; variant: string | null } | null {
    const segs = typeText.split('::');
    const ctor = segs[segs.length - 1];
    if (ctor === 'Some' || ctor === 'Ok' || ctor === 'Err') {
      return { arity: 1, variant: ctor };
    }
    const owner = t.k === 'adt' ? this.ctx.index.types.get(t.segments[t.segments.length - 1]) : undefined;
    const direct = this.ctx.index.types.get(ctor);
    const enumTy = owner?.kind === 'enum' ? owner : segs.length >= 2 ? this.ctx.index.types.get(segs[segs.length - 2]) : undefined;
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

  /**
   * After moving the given paths out of a value of type `ty`: whether a part with drop glue stays
   * ('drop': the value is still dropped at its scope end), nothing droppable stays ('none'), or the
   * type cannot be seen into ('opaque').
   */
  private leftAfterMoving(ty: Ty, paths: string[][]): 'drop' | 'none' | 'opaque' {
    if (paths.some((p) => p.length === 0)) {
      return 'none';
    }
    const drop = this.ctx.traits(ty).drop;
    if (paths.length === 0) {
      return drop ? 'drop' : 'none';
    }
    // Moving out of an enum variant, or out of a box (its allocation is still freed), leaves the rest to drop.
    if (paths.some((p) => p[0].startsWith('@')) || isAdt(ty, 'Box')) {
      return drop ? 'drop' : 'none';
    }
    const parts = this.partsOf(ty);
    if (!parts) {
      return 'opaque';
    }
    let result: 'none' | 'opaque' = 'none';
    for (const part of parts) {
      const r = this.leftAfterMoving(part.ty, paths.filter((p) => p[0] === part.name).map((p) => p.slice(1)));
      if (r === 'drop') {
        return 'drop';
      }
      if (r === 'opaque') {
        result = 'opaque';
      }
    }
    return result;
  }

  /** The parts a move can take out of a value one by one: tuple elements, array elements, struct fields. */
  private partsOf(ty: Ty): { name: string; ty: Ty }[] | null {
    if (ty.k === 'tuple') {
      return ty.elems.map((e, i) => ({ name: String(i), ty: e }));
    }
    if (ty.k === 'array') {
      return ty.len === null || ty.len > 4096 ? null : Array.from({ length: ty.len }, (_, i) => ({ name: String(i), ty: ty.elem }));
    }
    if (ty.k === 'adt') {
      const user = this.ctx.index.types.get(ty.segments[ty.segments.length - 1]);
      if (user?.kind === 'struct' && !user.dropImpl) {
        return user.fields.map((f) => ({ name: f.name, ty: this.typer.fieldType(ty, f.name) }));
      }
    }
    return null;
  }

  /** Declares the bindings of a pattern, deriving each binding's type from the matched type. */
  private bindPattern(pattern: SyntaxNode, ty: Ty, order: number, kind: 'binding' | 'argument'): void {
    const declare = (name: string, t: Ty, node: SyntaxNode) => {
      const l = this.newLocal(name, kind, t, node, order < 0 ? -1000 + this.nextId : order);
      if (order < 0) {
        l.init = -1;
      }
    };
    const byRef = ty.k === 'ref';
    const wrap = (t: Ty) => (byRef && t.k !== 'ref' ? ref(t) : t);
    switch (pattern.type) {
      case 'identifier':
        // `None`, `MAX`: unit variants and constants, not bindings (Rust names bindings in snake_case).
        if (/^[A-Z]/.test(pattern.text)) {
          return;
        }
        declare(pattern.text, ty, pattern);
        return;
      case 'mut_pattern':
        if (pattern.namedChildren[0]) {
          this.bindPattern(pattern.namedChildren[pattern.namedChildren.length - 1]!, ty, order, kind);
        }
        return;
      case 'ref_pattern': {
        const inner = pattern.namedChildren[pattern.namedChildren.length - 1];
        if (inner) {
          this.bindPattern(inner, ref(ty), order, kind);
        }
        return;
      }
      case 'reference_pattern': {
        const inner = pattern.namedChildren[pattern.namedChildren.length - 1];
        if (inner) {
          this.bindPattern(inner, ty.k === 'ref' ? ty.inner : UNKNOWN, order, kind);
        }
        return;
      }
      case 'captured_pattern': {
        const parts = named(pattern);
        if (parts[0]) {
          declare(parts[0].text, ty, parts[0]);
        }
        if (parts[1]) {
          this.bindPattern(parts[1], ty, order, kind);
        }
        return;
      }
      case 'tuple_pattern': {
        const t = peelRefs(ty);
        for (const { node, index } of positionalParts(pattern, t.k === 'tuple' ? t.elems.length : null)) {
          this.bindPattern(node, wrap(t.k === 'tuple' ? t.elems[index] ?? UNKNOWN : UNKNOWN), order, kind);
        }
        return;
      }
      case 'slice_pattern': {
        const elem = elementType(ty);
        named(pattern).forEach((p) => this.bindPattern(p, wrap(elem), order, kind));
        return;
      }
      case 'tuple_struct_pattern': {
        const t = peelRefs(ty);
        const typeNode = pattern.childForFieldName('type');
        const ctor = typeNode?.text.split('::').pop() ?? '';
        const arity = this.ctorShape(t, typeNode?.text ?? '')?.arity ?? null;
        for (const { node, index } of positionalParts(pattern, arity, typeNode)) {
          this.bindPattern(node, wrap(index < 0 ? UNKNOWN : this.variantField(t, ctor, index)), order, kind);
        }
        return;
      }
      case 'struct_pattern': {
        const t = peelRefs(ty);
        for (const f of named(pattern)) {
          if (f.type !== 'field_pattern') {
            continue;
          }
          const nameNode = f.childForFieldName('name');
          const sub = f.childForFieldName('pattern');
          const fieldName = nameNode?.text ?? '';
          const isRef = f.children.some((c) => c?.type === 'ref');
          const fty = wrap(this.structPatternField(t, pattern, fieldName));
          if (sub) {
            this.bindPattern(sub, fty, order, kind);
          } else if (nameNode) {
            declare(fieldName, isRef ? ref(fty) : fty, nameNode);
          }
        }
        return;
      }
      case 'or_pattern': {
        const first = named(pattern)[0];
        if (first) {
          this.bindPattern(first, ty, order, kind);
        }
        return;
      }
      default:
        return;
    }
  }

  private variantField(t: Ty, ctor: string, i: number): Ty {
    if (ctor === 'Some' || ctor === 'Ok') {
      return isAdt(t, 'Option', 'Result', 'Poll', 'LockResult') ? (t.k === 'adt' ? t.args[0] ?? UNKNOWN : UNKNOWN) : UNKNOWN;
    }
    if (ctor === 'Err') {
      return t.k === 'adt' ? t.args[1] ?? UNKNOWN : UNKNOWN;
    }
    const user = t.k === 'adt' ? this.ctx.index.types.get(t.segments[t.segments.length - 1]) : undefined;
    if (user?.kind === 'enum') {
      const v = user.variants.find((x) => x.name === ctor);
      return v?.fields[i] ?? UNKNOWN;
    }
    if (user?.kind === 'struct') {
      return user.fields[i]?.ty ?? UNKNOWN;
    }
    const direct = this.ctx.index.types.get(ctor);
    if (direct?.kind === 'struct') {
      return direct.fields[i]?.ty ?? UNKNOWN;
    }
    return UNKNOWN;
  }

  private structPatternField(t: Ty, pattern: SyntaxNode, field: string): Ty {
    const typeNode = pattern.childForFieldName('type');
    const segs = typeNode?.text.split('::') ?? [];
    const last = segs[segs.length - 1];
    const user = this.ctx.index.types.get(last);
    if (user?.kind === 'struct') {
      if (t.k === 'adt' && t.segments[t.segments.length - 1] === user.name) {
        // With the matched type's generic arguments substituted.
        return this.typer.fieldType(t, field);
      }
      return user.fields.find((f) => f.name === field)?.ty ?? UNKNOWN;
    }
    const owner = t.k === 'adt' ? this.ctx.index.types.get(t.segments[t.segments.length - 1]) : undefined;
    if (owner?.kind === 'struct') {
      return this.typer.fieldType(t, field);
    }
    // A struct-like enum variant: `State::Streaming { session, .. }`.
    const enumTy = owner?.kind === 'enum' ? owner : segs.length >= 2 ? this.ctx.index.types.get(segs[segs.length - 2]) : undefined;
    if (enumTy?.kind === 'enum') {
      const variant = enumTy.variants.find((v) => v.name === last);
      const i = variant?.fieldNames?.indexOf(field) ?? -1;
      if (variant && i >= 0) {
        return variant.fields[i];
      }
    }
    return UNKNOWN;
  }

  // ---- expressions ----

  /** The local at the root of a place expression, with the field path (`c.name` → c, "name"). */
  private placeRoot(node: SyntaxNode): { local: Local; path: string; viaDeref: boolean } | null {
    const fields: string[] = [];
    let n: SyntaxNode | null = node;
    let viaDeref = false;
    while (n) {
      if (n.type === 'field_expression') {
        fields.unshift(n.childForFieldName('field')?.text ?? '');
        n = n.childForFieldName('value');
      } else if (n.type === 'parenthesized_expression') {
        n = n.namedChildren[0] ?? null;
      } else if (n.type === 'unary_expression' && n.children[0]?.type === '*') {
        viaDeref = true;
        fields.length = 0;
        n = n.namedChildren[0] ?? null;
      } else if (n.type === 'index_expression') {
        fields.length = 0;
        n = n.namedChildren[0] ?? null;
      } else {
        break;
      }
    }
    if (!n || (n.type !== 'identifier' && n.type !== 'self')) {
      return null;
    }
    const local = this.lookup(n.text);
    return local ? { local, path: fields.join('.'), viaDeref } : null;
  }

  walkExpr(node: SyntaxNode, mode: UseKind | 'discard'): void {
    if (++this.depth > MAX_NESTING) {
      throw new NestingTooDeep();
    }
    try {
      this.walkExprAt(node, mode);
    } finally {
      this.depth--;
    }
  }

  private walkExprAt(node: SyntaxNode, mode: UseKind | 'discard'): void {
    switch (node.type) {
      case 'identifier':
      case 'self': {
        const local = this.lookup(node.text);
        if (local) {
          this.use(local, mode === 'discard' ? 'read' : mode);
        }
        return;
      }
      case 'field_expression': {
        const root = this.placeRoot(node);
        if (root && !root.viaDeref && isAdt(root.local.ty, ...DEREF_TRAIT_TYPES)) {
          // `guard.field` goes through `Deref::deref(&guard)`: a borrow of the guard itself.
          this.use(root.local, 'borrow', '');
          return;
        }
        if (root) {
          let kind: UseKind = mode === 'discard' ? 'read' : mode;
          if (kind === 'move' && this.ctx.traits(this.typeOf(node)).copy) {
            kind = 'read';
          }
          if (root.viaDeref && kind === 'borrow') {
            kind = 'read';
          }
          this.use(root.local, kind, root.path);
          return;
        }
        const base = node.childForFieldName('value');
        if (base) {
          this.walkValueOperand(base, mode === 'borrow' ? 'borrow' : 'read');
        }
        return;
      }
      case 'index_expression': {
        const [base, idx] = named(node);
        if (base && idx) {
          this.inferIndexTypes(base, idx);
        }
        if (idx) {
          this.walkExpr(idx, 'move');
        }
        if (base) {
          const bt = peelRefs(this.typeOf(base));
          // Built-in array indexing is a plain place access; everything else calls `Index::index(&base)`.
          const builtin = bt.k === 'array' && idx?.type !== 'range_expression';
          if (isPlace(base)) {
            this.walkExpr(base, builtin ? (mode === 'borrow' ? 'borrow' : 'read') : 'borrow');
          } else {
            this.walkValueOperand(base, 'borrow');
          }
        }
        return;
      }
      case 'reference_expression': {
        const operand = node.childForFieldName('value');
        if (!operand) {
          return;
        }
        if (operand.type === 'identifier' || operand.type === 'self') {
          // `&r` borrows the local itself, even when `r` is a reference.
          this.withExplicitBorrow(() => this.walkExpr(operand, 'borrow'));
        } else if (isPlace(operand)) {
          this.walkExpr(operand, 'borrow');
        } else {
          this.walkValueOperand(operand, 'borrow');
        }
        return;
      }
      case 'unary_expression': {
        const operand = node.namedChildren[0];
        if (operand) {
          const op = node.children[0]?.type;
          if (op === '*') {
            const t = this.typeOf(operand);
            // `*guard` on a smart pointer calls Deref::deref(&guard).
            const viaDerefTrait = isAdt(peelRefs(t), ...DEREF_TRAIT_TYPES);
            if (viaDerefTrait && t.k !== 'ref' && !isPlace(operand)) {
              // `*m.lock().unwrap()`: the guard is a temporary of the statement (of the whole `match`
              // for a scrutinee), so it is still alive at an await later in it.
              this.walkValueOperand(operand, 'borrow');
            } else {
              this.walkExpr(operand, viaDerefTrait && t.k !== 'ref' ? 'borrow' : 'read');
            }
          } else {
            this.walkExpr(operand, this.isPrimitive(this.typeOf(operand)) ? 'read' : 'move');
          }
        }
        return;
      }
      case 'parenthesized_expression':
      case 'else_clause':
        for (const c of named(node)) {
          this.walkExpr(c, mode);
        }
        return;
      case 'type_cast_expression': {
        const v = node.childForFieldName('value');
        if (v) {
          this.walkExpr(v, 'read');
        }
        return;
      }
      case 'binary_expression':
        this.walkBinary(node);
        return;
      case 'assignment_expression': {
        const right = node.childForFieldName('right');
        const left = node.childForFieldName('left');
        if (right) {
          this.walkExpr(right, 'move');
        }
        if (left) {
          if (right && !isUnsuffixedInt(right)) {
            this.unifyInt(left, peelRefs(this.typeOf(right)));
          }
          this.walkAssignTarget(left);
        }
        return;
      }
      case 'compound_assignment_expr': {
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        if (left && right && !isUnsuffixedInt(right) && !/^(<<|>>)=$/.test(node.childForFieldName('operator')?.text ?? '')) {
          this.unifyInt(left, peelRefs(this.typeOf(right)));
        }
        const lt = left ? this.typeOf(left) : UNKNOWN;
        const primitive = this.isPrimitive(peelRefs(lt)) || lt.k === 'unknown';
        let receiverTemp: Local | null = null;
        if (left && !primitive && right && this.containsAwait(right)) {
          // `d += f().await` takes `&mut d` before evaluating the right side.
          receiverTemp = this.newTemp(ref(lt, true), left);
        }
        if (right) {
          this.walkExpr(right, 'move');
        }
        if (left) {
          this.walkExpr(left, primitive ? 'read' : 'borrow');
        }
        if (receiverTemp) {
          receiverTemp.uses.push({ point: ++this.point, kind: 'read', region: [...this.regionStack] });
        }
        return;
      }
      case 'call_expression':
        this.walkCall(node);
        return;
      case 'macro_invocation':
        this.walkMacro(node, mode);
        return;
      case 'await_expression':
        this.walkAwait(node);
        return;
      case 'try_expression': {
        const inner = node.namedChildren[0];
        if (inner) {
          this.walkExpr(inner, 'move');
          const t = this.typeOf(inner);
          const branch = this.newTemp(this.controlFlowOf(t), node);
          // `fut.await?`: the ControlFlow is made from the output once the awaited future is gone (measured).
          branch.init = Math.max(branch.init, this.lastAwaiteeEnd);
        }
        return;
      }
      case 'block':
        this.walkBlock(node);
        return;
      case 'unsafe_block':
      case 'const_block': {
        const b = node.namedChildren.find((c) => c?.type === 'block');
        if (b) {
          this.walkBlock(b);
        }
        return;
      }
      case 'if_expression':
        this.walkIf(node);
        return;
      case 'match_expression':
        this.walkMatch(node);
        return;
      case 'while_expression':
        this.walkWhile(node);
        return;
      case 'loop_expression': {
        const body = node.childForFieldName('body');
        this.inLoop(node, () => body && this.walkBlock(body));
        return;
      }
      case 'for_expression':
        this.walkFor(node);
        return;
      case 'return_expression':
      case 'break_expression':
      case 'yield_expression': {
        const v = named(node).find((c) => c.type !== 'label');
        if (v && node.type === 'return_expression' && this.ctx.returnTy) {
          this.unifyExpected(v, this.ctx.returnTy);
        }
        if (v) {
          this.walkExpr(v, 'move');
        }
        return;
      }
      case 'tuple_expression':
      case 'array_expression':
      case 'arguments': {
        const len = node.childForFieldName('length');
        this.walkOperands(named(node), undefined, (c) => (c.id === len?.id ? 'read' : 'move'));
        return;
      }
      case 'struct_expression': {
        const body = node.childForFieldName('body');
        for (const f of named(body)) {
          if (f.type === 'shorthand_field_initializer') {
            const id = f.namedChildren[0];
            if (id) {
              this.walkExpr(id, 'move');
            }
          } else if (f.type === 'field_initializer') {
            const v = f.childForFieldName('value');
            if (v) {
              this.walkExpr(v, 'move');
            }
          } else if (f.type === 'base_field_initializer') {
            const v = f.namedChildren[0];
            if (v) {
              this.walkExpr(v, 'move');
            }
          }
        }
        return;
      }
      case 'range_expression':
        for (const c of named(node)) {
          this.walkExpr(c, 'move');
        }
        return;
      case 'async_block':
        this.walkNestedFuture(node, node.children.some((c) => c?.type === 'move'));
        return;
      case 'closure_expression':
        this.walkClosure(node);
        return;
      case 'let_condition':
      case 'let_chain':
        // Reached only through malformed code; conditions are handled by walkIf / walkWhile.
        return;
      default:
        return;
    }
  }

  /**
   * The left side of `=`: writing a local or its fields is no use of it; writing through a reference
   * reads the reference; `v[i] = x` on a non-array calls `IndexMut::index_mut(&mut v)`.
   */
  private walkAssignTarget(left: SyntaxNode, whole = true): void {
    if (left.type === 'identifier') {
      const local = this.lookup(left.text);
      // Writing one element (`buf[0] = 1`) neither uses the array nor ends its old value (measured:
      // a buffer read after the await that precedes such a write is kept across it).
      if (local && !this.dead && whole) {
        local.uses.push({ point: ++this.point, kind: 'write', region: [...this.regionStack] });
      }
      return;
    }
    if (left.type === 'index_expression') {
      const [base, idx] = named(left);
      if (idx) {
        this.walkExpr(idx, 'move');
      }
      if (base) {
        const bt = this.typeOf(base);
        if (bt.k === 'array' && isPlace(base)) {
          this.walkAssignTarget(base, false);
        } else {
          this.walkExpr(base, 'borrow');
        }
      }
      return;
    }
    if (left.type === 'field_expression') {
      const root = this.placeRoot(left);
      if (root && !root.viaDeref && root.local.ty.k !== 'ref' && root.local.ty.k !== 'ptr') {
        return;
      }
    }
    this.walkExpr(left, 'read');
  }

  /** A value expression used by reference: evaluated into a temporary that lives to the end of the statement. */
  private walkValueOperand(node: SyntaxNode, _kind: 'borrow' | 'read'): void {
    if (isPlace(node)) {
      this.walkExpr(node, _kind);
      return;
    }
    this.walkExpr(node, 'move');
    // `&[1, 2]`, `&CONST`: constant expressions are promoted to statics, no temporary.
    if (this.producesValue(node) && !(_kind === 'borrow' && isConstantExpression(node))) {
      const temp = this.newTemp(this.typeOf(node), node);
      temp.uses.push({ point: ++this.point, kind: _kind === 'borrow' ? 'borrow' : 'read', region: [...this.regionStack] });
    }
  }

  private producesValue(node: SyntaxNode): boolean {
    return ['call_expression', 'macro_invocation', 'await_expression', 'struct_expression', 'array_expression', 'tuple_expression', 'try_expression', 'index_expression', 'binary_expression', 'type_cast_expression'].includes(node.type);
  }

  private isPrimitive(t: Ty): boolean {
    return t.k === 'prim';
  }

  private containsAwait(node: SyntaxNode): boolean {
    let found = this.awaitCache.get(node.id);
    if (found === undefined) {
      // Text first: most operands have no `.await`, and reading text is cheaper than a descendant search.
      found = node.text.includes('await') && (node.descendantsOfType('await_expression').length > 0 || node.descendantsOfType('macro_invocation').length > 0);
      this.awaitCache.set(node.id, found);
    }
    return found;
  }

  private controlFlowOf(t: Ty): Ty {
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

  private walkBinary(node: SyntaxNode): void {
    const op = node.childForFieldName('operator')?.text ?? node.children[1]?.type ?? '';
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (op === '&&' || op === '||') {
      if (left) {
        this.walkExpr(left, 'read');
      }
      if (right) {
        this.inRegion(() => this.walkExpr(right, 'read'));
      }
      return;
    }
    const comparison = ['==', '!=', '<', '>', '<=', '>='].includes(op);
    if (left && right && !['<<', '>>'].includes(op)) {
      this.unifyOperands(left, right);
    }
    const pending: Local[] = [];
    for (const side of [left, right]) {
      if (!side) {
        continue;
      }
      const t = peelRefs(this.typeOf(side));
      const builtin = t.k === 'prim' || t.k === 'unknown';
      if (comparison && !builtin) {
        // `PartialEq::eq(&a, &b)`.
        if (isPlace(side)) {
          this.walkExpr(side, 'borrow');
        } else {
          this.walkValueOperand(side, 'borrow');
        }
      } else {
        this.walkExpr(side, comparison ? 'read' : 'move');
      }
      if (side === left && right && this.containsAwait(right)) {
        pending.push(...this.holdOperand(side));
      }
    }
    this.releaseOperands(pending);
  }

  /**
   * An operand evaluated before a later operand's `.await` (`f.await + g.await`, `call(a, b.await)`)
   * is kept in a temporary until the whole expression is computed.
   */
  private holdOperand(operand: SyntaxNode): Local[] {
    if (isConstantExpression(operand) || this.dead) {
      return [];
    }
    return [this.newTemp(this.typeOf(operand), operand)];
  }

  private releaseOperands(temps: Local[]): void {
    for (const t of temps) {
      t.uses.push({ point: ++this.point, kind: 'read', region: [...this.regionStack] });
    }
  }

  /** Operands evaluated in order (call arguments, tuple and array elements). */
  private walkOperands(nodes: SyntaxNode[], before?: (node: SyntaxNode, i: number) => void, modeOf: (n: SyntaxNode) => UseKind = () => 'move'): void {
    const pending: Local[] = [];
    nodes.forEach((n, i) => {
      before?.(n, i);
      this.walkExpr(n, modeOf(n));
      if (nodes.slice(i + 1).some((later) => this.containsAwait(later))) {
        pending.push(...this.holdOperand(n));
      }
    });
    this.releaseOperands(pending);
  }

  private walkCall(node: SyntaxNode): void {
    let fnNode = node.childForFieldName('function');
    const argsNode = node.childForFieldName('arguments');
    const args = named(argsNode);
    if (fnNode?.type === 'generic_function') {
      fnNode = fnNode.childForFieldName('function') ?? fnNode;
    }
    if (fnNode?.type === 'field_expression') {
      const receiver = fnNode.childForFieldName('value');
      const method = fnNode.childForFieldName('field')?.text ?? '';
      if (receiver) {
        const recvTy = this.typeOf(receiver);
        const modeOf = receiverMode(recvTy, method, this.inferEnv);
        const byRef = modeOf === 'ref' || modeOf === 'mut';
        let receiverTemp: Local | null = null;
        if (isPlace(receiver)) {
          this.inCallArgs++;
          this.walkExpr(receiver, byRef ? 'borrow' : 'move');
          this.inCallArgs--;
          if (byRef && recvTy.k !== 'ref' && args.some((a) => this.containsAwait(a))) {
            // `v.push(x.await)`: the autoref `&mut v` is taken before the argument is awaited.
            receiverTemp = this.newTemp(ref(recvTy, modeOf === 'mut'), receiver);
          }
        } else if (byRef && recvTy.k !== 'ref') {
          this.walkValueOperand(receiver, 'borrow');
        } else {
          // A receiver that already is a reference (`self.io.registration().readiness()`) is reborrowed
          // through (`&*tmp`): its temporary is not borrowed, so it is not kept across an await (measured).
          this.walkExpr(receiver, 'move');
        }
        this.inCallArgs++;
        this.walkOperands(args);
        this.inCallArgs--;
        if (STD_INTEGER_PARAM[method] && isStdPath(peelRefs(recvTy))) {
          this.unifyInt(args[0] ?? null, prim(STD_INTEGER_PARAM[method]));
        }
        const method_ = findMethod(recvTy, method, this.ctx.index);
        if (method_) {
          args.forEach((a, i) => {
            const param = method_.params.filter((p) => !p.isSelf)[i];
            if (param) {
              this.unifyInt(a, param.ty);
            }
          });
        }
        this.unsettleIntArguments(args);
        if (receiverTemp) {
          receiverTemp.uses.push({ point: ++this.point, kind: 'read', region: [...this.regionStack] });
        }
        return;
      }
    }
    if (fnNode && fnNode.type !== 'identifier' && fnNode.type !== 'scoped_identifier') {
      this.walkExpr(fnNode, 'borrow');
    } else if (fnNode?.type === 'identifier' && this.lookup(fnNode.text)) {
      this.walkExpr(fnNode, this.calledOnce(this.lookup(fnNode.text)!.ty) ? 'move' : 'borrow');
    }
    // `Some(x)`, `Ok(x)`, `Point(a, b)` build values; they are not calls that can unwind.
    const isConstructor = /^[A-Z]/.test((fnNode?.text ?? '').split('::').pop() ?? '');
    const callee = fnNode && !isConstructor ? this.calleeOf(fnNode) : null;
    if (!isConstructor) {
      this.inCallArgs++;
    }
    this.walkOperands(args, (a, i) => {
      const param = callee?.params.filter((p) => !p.isSelf)[i];
      if (param) {
        this.unifyInt(a, param.ty);
      }
    });
    if (!isConstructor) {
      this.inCallArgs--;
      const segments = (fnNode?.text ?? '').split('::');
      const stdParam = STD_INTEGER_PARAM[segments[segments.length - 1].trim()];
      if (stdParam && !callee && !callLeavesCrateAndStd(segments.map((x) => x.trim()), this.ctx.index)) {
        this.unifyInt(args[0] ?? null, prim(stdParam));
      }
      this.unsettleIntArguments(args);
    }
  }

  /** A callee of type `F: FnOnce(..)` (or `impl FnOnce(..)`): calling it consumes it. */
  private calledOnce(ty: Ty): boolean {
    if (ty.k === 'param') {
      return this.ctx.onceCallables?.has(ty.name) ?? false;
    }
    return ty.k === 'unknown' && /^impl\s+(Async)?FnOnce\b/.test(ty.text);
  }

  private calleeOf(fnNode: SyntaxNode): FnInfo | null {
    const segs = fnNode.text.replace(/\s+/g, '').replace(/::<[^>]*>/g, '').split('::');
    const last = segs[segs.length - 1];
    if (segs.length >= 2) {
      return this.ctx.index.methods.get(`${segs[segs.length - 2]}::${last}`)?.[0] ?? null;
    }
    const fns = this.ctx.index.fns.get(last);
    return fns?.length === 1 ? fns[0] : null;
  }

  /** Settles integer literal bindings from the type an expression is expected to have (`Ok(n)` returned as `io::Result<usize>`). */
  private unifyExpected(node: SyntaxNode, ty: Ty): void {
    if (node.type === 'identifier') {
      this.unifyInt(node, ty);
    } else if (node.type === 'call_expression' && ty.k === 'adt') {
      const ctor = node.childForFieldName('function')?.text;
      const args = named(node.childForFieldName('arguments'));
      const inner = ctor === 'Err' ? ty.args[1] : ctor === 'Ok' || ctor === 'Some' ? ty.args[0] : undefined;
      if (inner && args.length === 1) {
        this.unifyExpected(args[0], inner);
      }
    } else if (node.type === 'tuple_expression' && ty.k === 'tuple') {
      named(node).forEach((e, i) => ty.elems[i] && this.unifyExpected(e, ty.elems[i]));
    } else if (node.type === 'parenthesized_expression' && node.namedChildren[0]) {
      this.unifyExpected(node.namedChildren[0], ty);
    }
  }

  /** An unsuffixed integer literal binding takes the integer type it is used with (`let mut n = 0; .. n += len`). */
  private unifyInt(node: SyntaxNode | null, ty: Ty): void {
    if (!node) {
      return;
    }
    if (node.type === 'binary_expression' && ARITHMETIC.has(node.childForFieldName('operator')?.text ?? '')) {
      // `1 + i` has the type of `i`: what settles the sum settles `i`.
      for (const side of [node.childForFieldName('left'), node.childForFieldName('right')]) {
        if (side && !isUnsuffixedInt(side)) {
          this.unifyInt(side, ty);
        }
      }
      return;
    }
    if (node.type !== 'identifier') {
      // `&mut buf` or `&buf[..n]` for a `&mut [u8]` parameter settles the array's elements.
      const root = argumentRoot(node);
      const local = root ? this.lookup(root.text) : undefined;
      const elem = ty.k === 'ref' && (ty.inner.k === 'slice' || ty.inner.k === 'array') ? ty.inner.elem : null;
      if (local && local.ty.k === 'array' && elem?.k === 'prim' && elem.name in INTEGER_NAMES) {
        this.settleInt(local, elem.name);
      }
      return;
    }
    if (ty.k !== 'prim' || !(ty.name in INTEGER_NAMES)) {
      return;
    }
    const local = this.lookup(node.text);
    if (local && local.ty.k === 'prim') {
      this.settleInt(local, ty.name);
    }
  }

  /** Gives an unsettled integer binding its type (`{integer}` when a use rustc sees cannot be seen here). */
  private settleInt(local: Local, name: string): void {
    const int = this.flexInts.get(local);
    if (int) {
      int.name = name;
      this.flexInts.delete(local);
    }
  }

  /** The unsettled integer bindings an operand hands over (`n`, `&buf`, `1 + i`). */
  private flexRoots(node: SyntaxNode): Local[] {
    if (node.type === 'binary_expression' && ARITHMETIC.has(node.childForFieldName('operator')?.text ?? '')) {
      return [node.childForFieldName('left'), node.childForFieldName('right')].flatMap((side) => (side ? this.flexRoots(side) : []));
    }
    const root = argumentRoot(node);
    const local = root ? this.lookup(root.text) : undefined;
    return local && this.flexInts.has(local) ? [local] : [];
  }

  /**
   * Two operands compared or combined: an unsettled integer takes the other's integer type, and
   * one compared with a value of a type not known here is left open (`set.len() == 1 + i`).
   */
  private unifyOperands(left: SyntaxNode, right: SyntaxNode): void {
    for (const [side, other] of [[left, right], [right, left]] as const) {
      // Two unsettled integers settle together later (each by its own uses, here).
      if (isUnsuffixedInt(other) || this.flexRoots(other).length > 0) {
        continue;
      }
      const otherTy = peelRefs(this.typeOf(other));
      if (otherTy.k === 'unknown' || (otherTy.k === 'prim' && otherTy.name === '{integer}')) {
        this.flexRoots(side).forEach((local) => this.settleInt(local, '{integer}'));
      } else {
        this.unifyInt(side, otherTy);
      }
    }
  }

  /**
   * Arguments that hand an unsettled integer (or array of them) to a function whose parameter types
   * are not known here: rustc types the literal from that parameter, so i32 would be a guess.
   */
  private unsettleIntArguments(args: SyntaxNode[]): void {
    for (const a of args) {
      this.flexRoots(a).forEach((local) => this.settleInt(local, '{integer}'));
    }
  }

  private walkAwait(node: SyntaxNode): void {
    const operand = node.namedChildren[0];
    if (operand) {
      this.walkExpr(operand, 'move');
    }
    this.registerAwait(node, operand ? this.typeOf(operand) : UNKNOWN);
  }

  private registerAwait(node: SyntaxNode, futureTy: Ty): void {
    if (this.dead || this.captureFrames.length > 0) {
      return;
    }
    const awaitee = this.newTemp(futureTy, node, 'scope');
    awaitee.kind = 'awaitee';
    awaitee.init = this.point + 0.5;
    const point = ++this.point;
    const site: AwaitSite = {
      index: this.awaits.length,
      point,
      region: [...this.regionStack],
      loops: this.loopStack.map((l) => l.id),
      node,
      line: endOf(node).row + 1,
      column: endOf(node).column - 4,
    };
    awaitee.fixedAwait = site.index;
    awaitee.end = point + 0.5;
    this.lastAwaiteeEnd = awaitee.end;
    this.awaits.push(site);
  }

  private walkIf(node: SyntaxNode): void {
    const condition = node.childForFieldName('condition');
    const consequence = node.childForFieldName('consequence');
    const alternative = node.childForFieldName('alternative');
    const lets = condition ? this.collectLetConditions(condition) : [];
    if (lets.length === 0) {
      // A plain condition's temporaries are dropped before the branch runs.
      this.withStatement(() => condition && this.walkExpr(condition, 'read'));
      const group = this.newGroup();
      this.inRegion(() => consequence && this.walkBlock(consequence), group);
      this.inRegion(() => alternative && this.walkExpr(alternative, 'move'), group);
      return;
    }
    const group = this.newGroup();
    this.pushScope();
    const scrutineeTemps: Local[] = [];
    this.inRegion(() => {
      for (const part of lets) {
        if (part.type === 'let_condition') {
          scrutineeTemps.push(...this.walkScrutineeBinding(part));
        } else {
          this.walkExpr(part, 'read');
        }
      }
      if (consequence) {
        this.walkBlock(consequence);
      }
    }, group);
    if (this.ctx.edition === '2024') {
      // Edition 2024 drops `if let` temporaries before the else branch.
      this.point++;
      for (const t of scrutineeTemps) {
        t.end = this.point;
      }
    }
    this.popScopeKeeping(scrutineeTemps);
    this.inRegion(() => alternative && this.walkExpr(alternative, 'move'), group);
    this.point++;
    for (const t of scrutineeTemps) {
      if (t.end === Infinity) {
        t.end = this.point;
      }
    }
  }

  /** Pops a scope but leaves the given temporaries alive (their end is set by the caller). */
  private popScopeKeeping(keep: Local[]): void {
    const scope = this.scopes.pop();
    for (const l of scope?.owned ?? []) {
      if (l.end === Infinity && !keep.includes(l)) {
        l.end = this.point;
      }
    }
  }

  private collectLetConditions(condition: SyntaxNode): SyntaxNode[] {
    if (condition.type === 'let_condition') {
      return [condition];
    }
    if (condition.type === 'let_chain') {
      return named(condition);
    }
    return [];
  }

  /** `let PAT = EXPR` in `if`/`while`: walks the scrutinee and binds the pattern; returns the scrutinee temporaries. */
  private walkScrutineeBinding(cond: SyntaxNode): Local[] {
    const value = cond.childForFieldName('value');
    const pattern = cond.childForFieldName('pattern');
    const temps: Local[] = [];
    let ty: Ty = UNKNOWN;
    let initAt: number | null = null;
    if (value) {
      ty = this.typeOf(value);
      temps.push(...this.walkScrutinee(value));
      const last = this.awaits[this.awaits.length - 1];
      if (value.type === 'await_expression' && last?.node.id === value.id) {
        initAt = last.point + 0.25;
      }
    }
    if (pattern) {
      const before = this.locals.length;
      // Bindings are written from the scrutinee after the awaitee is gone.
      this.point++;
      this.bindPattern(pattern, ty, this.point, 'binding');
      for (let i = before; i < this.locals.length; i++) {
        this.locals[i].init = this.point;
      }
      if (value) {
        this.recordPatternMove(value, pattern, ty, this.locals.slice(before));
      }
    }
    if (initAt !== null) {
      for (const t of temps) {
        t.init = initAt;
      }
    }
    return temps;
  }

  /**
   * A `match` / `if let` / `while let` scrutinee. A place is matched in place; a value expression
   * becomes a temporary that lives until the end of the whole construct, as do the temporaries it borrows.
   */
  private walkScrutinee(value: SyntaxNode): Local[] {
    if (isPlace(value)) {
      this.walkExpr(value, 'read');
      return [];
    }
    this.statementTemps.push([]);
    this.walkExpr(value, 'move');
    const inner = this.statementTemps.pop() ?? [];
    const temp = this.newLocal(null, 'temporary', this.typeOf(value), value, this.point);
    // A field or method of a temporary (`guard().value`): the temporary itself is what is kept. It is
    // made after any future awaited inside the scrutinee is gone (`match rx.recv().await? {`).
    temp.init = Math.max(this.point, this.lastAwaiteeEnd);
    const all = [...inner, temp];
    const scope = this.scopes[this.scopes.length - 1];
    scope.owned.pop();
    return all;
  }

  /**
   * Binding a non-Copy part of a place by value (`Some(s) => ..` on `opt`) moves it out of that place;
   * `ref` bindings borrow it (measured: `if let Some(ref a) = t {..}` keeps `t` saved at later awaits).
   */
  private recordPatternMove(scrutinee: SyntaxNode, pattern: SyntaxNode | null, ty: Ty, bindings: Local[], scrutineeTemp?: Local): void {
    const movesOut = bindings.some((b) => b.ty.k !== 'ref' && b.ty.k !== 'unknown' && !this.ctx.traits(b.ty).copy);
    if (!isPlace(scrutinee)) {
      if (movesOut && scrutineeTemp && scrutineeTemp.ty.k !== 'ref') {
        scrutineeTemp.uses.push({ point: this.point, kind: 'move', region: [...this.regionStack], partial: true });
      }
      return;
    }
    const root = this.placeRoot(scrutinee);
    if (!root || root.viaDeref || root.local.ty.k === 'ref') {
      return;
    }
    const parts = pattern ? this.patternParts(pattern, ty) : { moved: [], borrows: false };
    if (parts.borrows) {
      this.use(root.local, 'borrow', root.path);
    }
    if (!movesOut) {
      return;
    }
    const plainPlace = isSimplePlace(scrutinee) && !isAdt(root.local.ty, ...DEREF_TRAIT_TYPES);
    if (plainPlace && parts.moved.some((p) => p.length === 0)) {
      // Bound whole (`match s { v => .. }`): the same move as `let v = s;` (measured).
      this.use(root.local, 'move', root.path);
      return;
    }
    const precise = plainPlace && parts.moved.length > 0;
    const count = root.local.uses.length;
    this.use(root.local, 'move', root.path, precise ? parts.moved : 'whole');
    const last = root.local.uses[root.local.uses.length - 1];
    // Unless every part with drop glue is known to be gone, the rest of the value stays to be dropped.
    if (root.local.uses.length > count && last.kind === 'move' && !this.partMoves.some((m) => m.use === last)) {
      last.partial = true;
    }
  }

  private walkMatch(node: SyntaxNode): void {
    const value = node.childForFieldName('value');
    const body = node.childForFieldName('body');
    this.pushScope();
    let ty: Ty = UNKNOWN;
    let temps: Local[] = [];
    let initAt: number | null = null;
    if (value) {
      ty = this.typeOf(value);
      temps = this.walkScrutinee(value);
      const last = this.awaits[this.awaits.length - 1];
      if (value.type === 'await_expression' && last?.node.id === value.id) {
        initAt = last.point + 0.25;
      }
      if (initAt !== null) {
        temps.forEach((t) => (t.init = initAt!));
      }
    }
    const group = this.newGroup();
    const arms = named(body).filter((arm) => arm.type === 'match_arm' && !isCfgdOut(arm));
    /** Patterns of the arms so far whose guard binds from the scrutinee. */
    const guarded: SyntaxNode[] = [];
    // A match with one arm always runs it (a guard would make it non-exhaustive): what the arm moves
    // is moved on every path, as with `let (a, b) = t;` (measured).
    const unconditional = arms.length === 1;
    for (const arm of arms) {
      const walkArm = () => {
        this.pushScope();
        const pat = arm.childForFieldName('pattern');
        const patNode = pat?.type === 'match_pattern' ? pat.namedChildren[0] : pat;
        const before = this.locals.length;
        this.point++;
        if (patNode) {
          this.bindPattern(patNode, ty, this.point, 'binding');
        }
        if (value) {
          this.recordPatternMove(value, patNode, ty, this.locals.slice(before), temps[temps.length - 1]);
        }
        // Reached after an earlier arm's guard failed: that guard's bindings borrowed the scrutinee
        // on the way here. An arm no guarded pattern overlaps (`Err(e)` after `Ok(n) if ..`) is
        // reached only straight from the match, unborrowed (measured).
        // (`_` has no named node: it matches anything.)
        if (value && guarded.some((g) => !patNode || patternsMayOverlap(g, patNode))) {
          this.borrowScrutinee(value, temps);
        }
        const guard = pat?.childForFieldName('condition');
        if (guard) {
          if (this.locals.length > before && value) {
            // In a guard the bindings refer into the scrutinee: from here on it counts as borrowed.
            this.borrowScrutinee(value, temps);
            if (patNode) {
              guarded.push(patNode);
            }
          }
          this.walkExpr(guard, 'read');
        }
        const v = arm.childForFieldName('value');
        if (v) {
          this.withStatement(() => this.walkExpr(v, 'move'));
          if (!this.blockTypes.has(node.id)) {
            const t = this.typeOf(v);
            if (t.k !== 'unknown' && t.k !== 'never') {
              this.blockTypes.set(node.id, t);
            }
          }
          if (isDivergingStatement(v)) {
            this.markDiverging(v);
          }
        }
        this.point++;
        this.popScope();
      };
      if (unconditional) {
        walkArm();
      } else {
        this.inRegion(walkArm, group);
      }
    }
    this.point++;
    for (const t of temps) {
      t.end = this.point;
    }
    this.popScope();
  }

  /** The scrutinee (its temporary, or the place it names) counts as borrowed from here on this path. */
  private borrowScrutinee(value: SyntaxNode, temps: Local[]): void {
    const scrutineeTemp = temps[temps.length - 1];
    if (scrutineeTemp) {
      scrutineeTemp.uses.push({ point: ++this.point, kind: 'borrow', region: [...this.regionStack] });
    } else if (isPlace(value)) {
      const root = this.placeRoot(value);
      if (root && !root.viaDeref) {
        this.use(root.local, 'borrow', root.path);
      }
    }
  }

  private walkWhile(node: SyntaxNode): void {
    const condition = node.childForFieldName('condition');
    const body = node.childForFieldName('body');
    this.inLoop(node, () => {
      this.pushScope();
      const lets = condition ? this.collectLetConditions(condition) : [];
      let temps: Local[] = [];
      if (lets.length) {
        for (const part of lets) {
          if (part.type === 'let_condition') {
            temps.push(...this.walkScrutineeBinding(part));
          } else {
            this.walkExpr(part, 'read');
          }
        }
      } else if (condition) {
        this.withStatement(() => this.walkExpr(condition, 'read'));
        temps = [];
      }
      if (body) {
        this.walkBlock(body);
      }
      this.point++;
      for (const t of temps) {
        t.end = this.point;
      }
      this.popScope();
    });
  }

  private walkFor(node: SyntaxNode): void {
    const pattern = node.childForFieldName('pattern');
    const value = node.childForFieldName('value');
    const body = node.childForFieldName('body');
    this.pushScope();
    let iterTy: Ty = UNKNOWN;
    if (value) {
      const vt = this.typeOf(value);
      iterTy = this.intoIterType(vt);
      if (isPlace(value)) {
        this.walkExpr(value, 'move');
      } else {
        this.statementTemps.push([]);
        this.walkExpr(value, 'move');
        this.point++;
        for (const t of this.statementTemps.pop() ?? []) {
          t.end = this.point;
        }
      }
    }
    const iter = this.newLocal('iter', 'binding', iterTy, value ?? node, this.point);
    // `iter` is a hidden binding: do not let the body's code resolve the name to it.
    this.scopes[this.scopes.length - 1].names.delete('iter');
    let item = elementTypeOfIter(iterTy);
    const literalRange = value && isUnsuffixedIntRange(value) ? (prim('i32') as Ty & { k: 'prim' }) : null;
    if (literalRange) {
      // `for i in 0..10`: the range, its items and `i` share one integer type that `i`'s uses settle.
      iter.ty = adt(value!.text.includes('..=') ? 'RangeInclusive' : 'Range', literalRange);
      item = literalRange;
    }
    this.inLoop(node, () => {
      iter.uses.push({ point: ++this.point, kind: 'borrow', region: [...this.regionStack] });
      this.pushScope();
      const next = this.newLocal(null, 'temporary', adt('Option', item), value ?? node, this.point);
      if (pattern) {
        const before = this.locals.length;
        this.bindPattern(pattern, item, this.point, 'binding');
        if (literalRange && pattern.type === 'identifier' && this.locals.length === before + 1) {
          this.flexInts.set(this.locals[before], literalRange);
        }
      }
      if (body) {
        this.walkBlock(body);
      }
      this.point++;
      next.end = this.point;
      this.popScope();
    });
    this.point++;
    this.popScope();
  }

  private intoIterType(t: Ty): Ty {
    if (t.k === 'ref') {
      const inner = peelRefs(t);
      if (inner.k === 'array' || inner.k === 'slice' || isAdt(inner, 'Vec')) {
        return adt(t.mut ? 'slice::IterMut' : 'slice::Iter', elementType(inner));
      }
      if (isAdt(inner, 'HashMap')) {
        return adt('hash_map::Iter', ...(inner.k === 'adt' ? inner.args : []));
      }
      if (isAdt(inner, 'VecDeque')) {
        return adt('vec_deque::Iter', elementType(inner));
      }
      return UNKNOWN;
    }
    if (isAdt(t, 'Vec')) {
      return adt('vec::IntoIter', elementType(t));
    }
    if (isAdt(t, 'HashMap')) {
      return adt('hash_map::IntoIter', ...(t.k === 'adt' ? t.args : []));
    }
    if (t.k === 'array') {
      return adt('array::IntoIter', t.elem);
    }
    if (t.k === 'adt' && /Iter|Range|Chars|Lines|Split|Bytes|Chunks|Drain|Windows|Enumerate|Rev|Skip|Take|StepBy|Peekable/.test(t.segments[t.segments.length - 1])) {
      return t;
    }
    return UNKNOWN;
  }

  // ---- macros ----

  private isPinMacro(node: SyntaxNode): boolean {
    return node.type === 'macro_invocation' && macroName(node) === 'pin';
  }

  /**
   * `tokio::pin!(fut);`, `futures::pin_mut!(a, b);` as statements: each variable moves into a new
   * one of its name, pinned in place and borrowed for the rest of the block (so it is kept across
   * every later await there), and the name now means a `Pin<&mut _>` to it. False when the macro is
   * not that form (`pin!(expr)` in an expression).
   */
  private walkPinInPlace(node: SyntaxNode): boolean {
    const parent = node.parent?.type;
    const args = this.ctx.macros.arguments(node);
    if ((parent !== 'expression_statement' && parent !== 'block') || args.length === 0 || !args.every((a) => a.type === 'identifier')) {
      return false;
    }
    for (const arg of args) {
      const ty = this.typeOf(arg);
      this.walkExpr(arg, 'move');
      const storage = this.newLocal(arg.text, 'binding', ty, arg, this.point);
      storage.uses.push({ point: ++this.point, kind: 'borrow', region: [...this.regionStack] });
      this.newLocal(arg.text, 'binding', adt('Pin', ref(ty, true)), arg, this.point);
    }
    return true;
  }

  /** `let fut = pin!(f);` keeps `f` in a hidden local `pinned` for the rest of the block. */
  private walkPinMacro(node: SyntaxNode): void {
    const args = this.ctx.macros.arguments(node);
    const inner = args[0];
    if (inner) {
      this.walkExpr(inner, 'move');
    }
    const pinned = this.newLocal('pinned', 'binding', inner ? this.typeOf(inner) : UNKNOWN, node, this.point);
    this.scopes[this.scopes.length - 1].names.delete('pinned');
    pinned.uses.push({ point: ++this.point, kind: 'borrow', region: [...this.regionStack] });
  }

  private walkMacro(node: SyntaxNode, mode: UseKind | 'discard'): void {
    const name = macroName(node);
    const modelled = MODELLED_MACROS.has(name) || (JOIN_MACROS.has(name) && this.isModelledJoin(node, name));
    if (!modelled && !this.captureFrames.some((f) => f.isFuture)) {
      // Its expansion may await, hold or drop what the arguments do not show (a nested future's own
      // walk says so for that future).
      this.approximations.add(`${name}!`);
    }
    if ((name === 'pin' || name === 'pin_mut') && this.walkPinInPlace(node)) {
      return;
    }
    if (name === 'pin') {
      this.walkPinMacro(node);
      return;
    }
    const args = this.ctx.macros.arguments(node);
    if (FORMAT_MACROS.has(name)) {
      if (SELF_CONTAINED_FORMAT.has(name)) {
        // `format!`/`println!` expand to a block: their temporaries end inside it.
        this.withStatement(() => this.walkFormatArgs(node, name, args));
      } else {
        this.walkFormatArgs(node, name, args);
      }
      return;
    }
    this.walkOtherMacro(node, name, args, mode);
  }

  /** Format arguments are taken by reference: `&arg`. */
  private walkFormatArgs(node: SyntaxNode, name: string, args: SyntaxNode[]): void {
      const borrowArg = (a: SyntaxNode) => {
        if (a.type === 'identifier' || a.type === 'self') {
          this.withExplicitBorrow(() => this.walkExpr(a, 'borrow'));
        } else {
          this.walkValueOperand(a, 'borrow');
        }
      };
      for (const ident of this.ctx.macros.inlineFormatArgs(node)) {
        const local = this.lookup(ident);
        if (local) {
          this.withExplicitBorrow(() => this.use(local, 'borrow'));
        }
      }
      args.forEach((a, i) => {
        if ((name === 'write' || name === 'writeln') && i === 0) {
          // `dst.write_fmt(..)`: an autoref of the destination.
          this.walkExpr(a, 'borrow');
          return;
        }
        if (a.type === 'string_literal' || a.type === 'raw_string_literal') {
          return;
        }
        if ((name === 'assert' || name === 'debug_assert') && i === 0) {
          this.walkExpr(a, 'read');
          return;
        }
        if (a.type === 'assignment_expression') {
          // Named argument `name = expr`.
          const v = a.childForFieldName('right');
          if (v) {
            borrowArg(v);
          }
          return;
        }
        borrowArg(a);
      });
  }

  private walkOtherMacro(node: SyntaxNode, name: string, args: SyntaxNode[], mode: UseKind | 'discard'): void {
    if (name === 'assert_eq' || name === 'assert_ne' || name === 'debug_assert_eq' || name === 'debug_assert_ne') {
      args.forEach((a) => (a.type === 'identifier' ? this.withExplicitBorrow(() => this.walkExpr(a, 'borrow')) : this.walkValueOperand(a, 'borrow')));
      if (args[0] && args[1]) {
        // `assert_eq!(a, b)` compares `a == b`.
        this.unifyOperands(args[0], args[1]);
      }
      return;
    }
    if (name === 'matches') {
      if (args[0]) {
        this.walkScrutinee(args[0]);
      }
      return;
    }
    if (JOIN_MACROS.has(name)) {
      const origin = this.macroCrate(node, name);
      if (origin === 'tokio') {
        this.walkTokioJoinOrSelect(node, name, args);
      } else if (origin === 'futures' && name === 'select') {
        this.walkFuturesSelect(node, args);
      } else if (origin === 'futures') {
        this.walkFuturesJoin(node, args);
      } else {
        this.walkJoinMacro(node, args);
      }
      return;
    }
    // vec!, dbg!, and unknown macros: arguments are evaluated and consumed.
    for (const a of args) {
      this.walkExpr(a, mode === 'borrow' ? 'borrow' : 'move');
    }
  }

  /**
   * `join!`/`try_join!`/`select!` poll every branch future inside one suspension point, so all of them
   * are stored at once; awaits written inside `select!` handlers are ordinary awaits after it.
   */
  private walkJoinMacro(node: SyntaxNode, args: SyntaxNode[]): void {
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
      this.walkExpr(f, 'move');
    }
    const tys = futures.map((f) => this.typeOf(f));
    this.registerAwait(node, { k: 'tuple', elems: tys.length ? tys : [UNKNOWN] });
    for (const h of handlers) {
      this.inRegion(() => this.walkExpr(h.type === 'expression_statement' ? h.namedChildren[0] ?? h : h, 'move'));
    }
  }

  /** The crate a macro comes from: its path (`tokio::select!`), or the `use` that brings a bare name. */
  private macroCrate(node: SyntaxNode, name: string): string | undefined {
    const path = (node.childForFieldName('macro')?.text ?? '').split('::').map((p) => p.trim()).filter((p) => p !== '');
    const head = path.length > 1 ? path[0] : (this.ctx.index.uses.get(name) ?? [])[0];
    return head === 'futures_util' ? 'futures' : head;
  }

  /** Whether the walk models this macro as its crate expands it (tokio's and futures' joins and selects). */
  private isModelledJoin(node: SyntaxNode, name: string): boolean {
    const origin = this.macroCrate(node, name);
    return origin === 'tokio' || origin === 'futures';
  }

  /**
   * futures 0.3's `select!` (futures-macro `select.rs`): a branch future written as a path is polled
   * in place through a `&mut` borrow; any other is first bound to a local named after its branch
   * (`_0`, `_1`, ..). A non-`move` poll closure borrows each (8 bytes apiece) and is the awaitee; the
   * bound futures end with the await, and one handler runs after it.
   */
  private walkFuturesSelect(node: SyntaxNode, args: SyntaxNode[]): void {
    const { futures, handlers } = selectBranches(args);
    this.pushScope();
    futures.forEach((f, i) => {
      if (f.type === 'identifier' || f.type === 'scoped_identifier') {
        this.withExplicitBorrow(() => this.walkExpr(f, 'borrow'));
      } else {
        this.walkExpr(f, 'move');
        this.borrowedMacroLocal(`_${i}`, this.typeOf(f), f);
      }
    });
    this.registerAwait(node, { k: 'tuple', elems: futures.map(() => ref(UNIT_TY, true)) });
    this.point++;
    this.popScope();
    this.walkSelectHandlers(handlers);
  }

  /**
   * futures 0.3's `join!`/`try_join!` (futures-macro `join.rs`): each branch future goes into a
   * `MaybeDone` local that the `move` poll closure takes over, so the awaitee holds them all and no
   * named local is saved.
   */
  private walkFuturesJoin(node: SyntaxNode, args: SyntaxNode[]): void {
    for (const a of args) {
      this.walkExpr(a, 'move');
    }
    const elems = args.map((a) => {
      const t = this.typeOf(a);
      return adt('MaybeDone', t, this.typer.awaitOutput(t));
    });
    this.registerAwait(node, { k: 'tuple', elems });
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
  private walkTokioJoinOrSelect(node: SyntaxNode, name: string, args: SyntaxNode[]): void {
    const isSelect = name === 'select';
    const { futures, handlers } = isSelect ? selectBranches(args) : { futures: args, handlers: [] };
    // `select!` declares its `disabled` mask first, in the block that also runs the handlers: borrowed
    // by the poll closure, it stays saved at their awaits too (measured).
    this.pushScope();
    const mask = futures.length <= 8 ? 'u8' : futures.length <= 16 ? 'u16' : futures.length <= 32 ? 'u32' : 'u64';
    if (isSelect) {
      this.borrowedMacroLocal('disabled', prim(mask), node);
    }
    this.pushScope();
    for (const f of futures) {
      this.walkExpr(f, 'move');
    }
    const futureTys = futures.map((f) => this.typeOf(f));
    const elems = isSelect ? futureTys : futureTys.map((t) => adt('MaybeDone', t, this.typer.awaitOutput(t)));
    const tuple: Ty = { k: 'tuple', elems };
    this.borrowedMacroLocal('futures', tuple, node);
    if (isSelect) {
      this.borrowedMacroLocal('futures', ref(tuple, true), node);
      this.registerAwait(node, { k: 'tuple', elems: [ref(UNIT_TY), ref(prim(mask), true)] });
    } else {
      this.registerAwait(node, { k: 'tuple', elems: [ref(tuple, true), prim('u32')] });
    }
    this.point++;
    this.popScope();
    this.walkSelectHandlers(handlers);
    this.point++;
    this.popScope();
  }

  /** A local a macro's expansion declares (the code cannot name it), borrowed by what it awaits. */
  private borrowedMacroLocal(name: string, ty: Ty, node: SyntaxNode): Local {
    const local = this.newLocal(name, 'binding', ty, node, this.point);
    this.scopes[this.scopes.length - 1].names.delete(name);
    local.uses.push({ point: ++this.point, kind: 'borrow', region: [...this.regionStack] });
    return local;
  }

  /** One `select!` handler runs: they are the arms of a `match` on the branch that completed. */
  private walkSelectHandlers(handlers: SyntaxNode[]): void {
    const arms = this.newGroup();
    for (const h of handlers) {
      this.inRegion(() => this.walkExpr(h.type === 'expression_statement' ? h.namedChildren[0] ?? h : h, 'move'), arms);
    }
  }

  // ---- nested futures and closures ----

  private walkNestedFuture(node: SyntaxNode, isMove: boolean, params?: SyntaxNode | null, body?: SyntaxNode | null): void {
    const isFuture = node.type === 'async_block' || isAsyncClosure(node);
    const frame: CaptureFrame = { firstLocalId: this.nextId, isMove, isFuture, captured: new Map(), regionDepth: this.regionStack.length };
    this.captureFrames.push(frame);
    const savedPoint = this.point;
    this.pushScope();
    if (params) {
      for (const p of named(params)) {
        const pat = p.type === 'parameter' ? p.childForFieldName('pattern') : p;
        const tyNode = p.type === 'parameter' ? p.childForFieldName('type') : null;
        if (pat) {
          this.bindPattern(pat, tyNode ? typeFromNode(tyNode, this.ctx.index, this.ctx.scope) : UNKNOWN, this.point, 'binding');
        }
      }
    }
    const inner = body ?? node.namedChildren.find((c) => c?.type === 'block') ?? null;
    if (inner) {
      if (inner.type === 'block') {
        this.walkBlock(inner);
      } else {
        this.walkExpr(inner, 'move');
      }
    }
    this.popScope();
    this.captureFrames.pop();
    // Locals created inside a nested body belong to it, not to this future.
    for (const l of this.locals) {
      if (l.id >= frame.firstLocalId) {
        l.inPlace = true;
      }
    }
    this.point = Math.max(this.point, savedPoint);
    // Only futures not inside another future of this body: deeper ones are found by that future's own walk.
    if (isFuture && this.captureFrames.every((f) => !f.isFuture)) {
      const nested = { node, captures: [...frame.captured.values()] };
      this.nested.push(nested);
      // Analysed right away, so that awaiting it later in this body knows its output type.
      this.ctx.onNestedFuture?.(nested);
    } else if (!isFuture) {
      // A plain closure's value is its captures: by reference, or by value when moved.
      // By reference: a pointer per place (the reference's own size when the place is `*r` itself).
      const elems = [...frame.captured.values()].flatMap((c) =>
        capturedPlaces(c, this.ctx.edition).map((place) => (c.byValue ? this.placeType(c.local.ty, place) : place ? ref(UNKNOWN) : c.throughRef ? c.local.ty : ref(c.local.ty))),
      );
      this.closureTypes.set(node.id, { k: 'tuple', elems });
    }
  }


  /**
   * `&buf[..n]`, `v[i]`: an index of an array, slice, `Vec` or string, or a bound of a range that
   * indexes one, is a `usize`. A local whose type the syntax could not tell (`let n = reader.read(..)
   * .await?;`) gets that type, so it is not taken for a value with drop glue.
   */
  private inferIndexTypes(base: SyntaxNode, index: SyntaxNode): void {
    const indexed = peelRefs(this.typeOf(base));
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
        const local = this.lookup(operand.text);
        if (local && local.ty.k === 'unknown') {
          local.ty = prim('usize');
        }
      }
    }
  }

  /** The type of a field path (`a.b`) of a value of type `ty`. */
  private placeType(ty: Ty, place: string): Ty {
    return place ? place.split('.').reduce((t, field) => this.typer.fieldType(t, field), ty) : ty;
  }

  private walkClosure(node: SyntaxNode): void {
    const isMove = node.children.some((c) => c?.type === 'move');
    this.walkNestedFuture(node, isMove && !isAsyncClosure(node), node.childForFieldName('parameters'), node.childForFieldName('body'));
  }
}

function elementTypeOfIter(iterTy: Ty): Ty {
  if (iterTy.k !== 'adt') {
    return UNKNOWN;
  }
  const name = iterTy.segments[iterTy.segments.length - 1];
  const qualifier = iterTy.segments.length > 1 ? iterTy.segments[iterTy.segments.length - 2] : '';
  const arg0 = iterTy.args[0] ?? UNKNOWN;
  if (name === 'Iter' && qualifier === 'hash_map') {
    return { k: 'tuple', elems: [ref(arg0), ref(iterTy.args[1] ?? UNKNOWN)] };
  }
  if (name === 'IntoIter' && qualifier === 'hash_map') {
    return { k: 'tuple', elems: [arg0, iterTy.args[1] ?? UNKNOWN] };
  }
  if (name === 'Enumerate') {
    return { k: 'tuple', elems: [prim('usize'), elementTypeOfIter(arg0)] };
  }
  if (name === 'Rev' || name === 'Skip' || name === 'Take' || name === 'StepBy' || name === 'Peekable') {
    return elementTypeOfIter(arg0);
  }
  if (name === 'Iter' || name === 'IterMut') {
    return ref(arg0, name === 'IterMut');
  }
  if (name === 'Range' || name === 'RangeInclusive' || name === 'IntoIter' || name === 'Drain') {
    return arg0;
  }
  if (name === 'Chars') {
    return prim('char');
  }
  if (name === 'Bytes') {
    return prim('u8');
  }
  if (name === 'Lines' || name === 'Split' || name === 'SplitWhitespace') {
    return ref({ k: 'str' });
  }
  if (name === 'Chunks') {
    return ref({ k: 'slice', elem: arg0 });
  }
  return UNKNOWN;
}

