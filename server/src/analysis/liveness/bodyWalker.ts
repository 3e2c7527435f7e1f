/**
 * Walks one async body in evaluation order and decides, for every `.await`, which values the
 * state machine saves there (reference/coroutine-layout.md section 2): scopes, moves, borrows,
 * drop glue, temporaries, loops, awaitees and captures.
 *
 * This module holds the walk's state (scopes, regions, program points, statement temporaries),
 * the statement walk and the table from expression kind to its walk. The constructs live beside
 * it, as functions of the walker: `patterns` (let, bindings, moves out of places), `controlFlow`
 * (if, match, loops, jumps), `calls`, `expressions` (places, operators, operands), `macroBodies`,
 * `captures` (closures, async blocks), `intInference` (integer literal types) and `moves`
 * (partial moves). `savedLocals` then decides, from the walk's result, what each await saves.
 */
import type { HeldKind } from '../report';
import type { SyntaxNode } from '../syntax/parser';
import { endOf } from '../syntax/positions';
import { ExprTyper, InferEnv } from '../types/infer';
import { Ty, UNKNOWN } from '../types/types';
import { walkCall } from './calls';
import { useFromClosure, walkAsyncBlock, walkClosure } from './captures';
import { walkFor, walkIf, walkInnerBlock, walkJump, walkLoop, walkMatch, walkWhile } from './controlFlow';
import { walkAssign, walkAwait, walkBinary, walkCast, walkChildren, walkCompoundAssign, walkElements, walkField, walkIndex, walkPath, walkRange, walkReference, walkStructLiteral, walkTry, walkUnary } from './expressions';
import { AwaitSite, BodyContext, BodyResult, CaptureFrame, Local, LoopSpan, MAX_NESTING, NestedFuture, NestingTooDeep, Use, UseKind, WalkMode } from './held';
import { unifyExpected } from './intInference';
import { walkMacro } from './macroBodies';
import { classifyMove } from './moves';
import { bindPattern, walkLet } from './patterns';
import { DIVERGING_MACROS, isDivergingStatement, macroName, named } from './syntaxShapes';

/**
 * The walk of one body. Its fields are the walk's state, read and written by the construct
 * modules of this folder; only `declareParam*`, `run` and `typeOf` are for callers outside it.
 */
export class BodyWalker {
  point = 0;
  nextId = 0;
  readonly locals: Local[] = [];
  readonly awaits: AwaitSite[] = [];
  private readonly loops: LoopSpan[] = [];
  private readonly loopStack: LoopSpan[] = [];
  readonly regionStack: number[] = [];
  private readonly regionGroups = new Map<number, number>();
  private readonly divergingRegions = new Set<number>();
  private readonly returningRegions = new Set<number>();
  private readonly breakingRegions = new Map<number, number>();
  /** Where the storage of the last awaited future ends: what is made from an await's output starts after it. */
  lastAwaiteeEnd = -Infinity;
  private nextRegion = 1;
  readonly scopes: { names: Map<string, Local>; owned: Local[] }[] = [];
  /** Temporaries that die at the end of the enclosing statement. */
  readonly statementTemps: Local[][] = [];
  readonly captureFrames: CaptureFrame[] = [];
  readonly nested: NestedFuture[] = [];
  readonly approximations = new Set<string>();
  dead = false;
  private depth = 0;
  readonly typer: ExprTyper;
  readonly inferEnv: InferEnv;
  readonly closureTypes = new Map<number, Ty>();
  private readonly awaitCache = new Map<number, boolean>();
  /** Value types of blocks, computed before their scope closed (their tail may name inner bindings). */
  readonly blockTypes = new Map<number, Ty>();
  /** Where a block's tail value is written, still inside the block's scope. */
  readonly blockTailPoints = new Map<number, number>();
  /** Inside `&x` or a format argument: a borrow of the local itself, even when it is a reference. */
  explicitBorrow = false;
  inCallArgs = 0;
  /** The paths moved out of each local so far, with the region of each move. */
  readonly movedParts = new Map<Local, { region: number[]; paths: string[][] }[]>();
  /** Moves that took every part with drop glue out of a local, one part at a time. */
  readonly partMoves: { local: Local; use: Use }[] = [];
  /**
   * Bindings of unsuffixed integer literals (`let n = 0`, `[0; 64]`, `for i in 0..10`), whose type
   * is settled by their first typed use: each maps to the integer type object its type holds (the
   * array's element, the range's bound), shared with every type made from it so far (a capture of
   * `i`, the loop's `Range<i32>`), so settling it retypes them all, as rustc's inference does.
   */
  readonly flexInts = new Map<Local, Ty & { k: 'prim' }>();

  constructor(readonly ctx: BodyContext) {
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
    bindPattern(this, pattern, ty, -1, 'argument');
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
        unifyExpected(this, tail, this.ctx.returnTy);
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

  pushScope(): void {
    this.scopes.push({ names: new Map(), owned: [] });
  }

  popScope(): void {
    const scope = this.scopes.pop();
    for (const l of scope?.owned ?? []) {
      if (l.end === Infinity) {
        l.end = this.point;
      }
    }
  }

  lookup(name: string): Local | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const l = this.scopes[i].names.get(name);
      if (l) {
        return l;
      }
    }
    return undefined;
  }

  newLocal(name: string | null, kind: HeldKind, ty: Ty, node: SyntaxNode, order: number): Local {
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

  newTemp(ty: Ty, node: SyntaxNode, until: 'statement' | 'scope' = 'statement'): Local {
    const temp = this.newLocal(null, 'temporary', ty, node, this.point);
    const scope = this.scopes[this.scopes.length - 1];
    if (until === 'statement' && this.statementTemps.length) {
      scope.owned.pop();
      this.statementTemps[this.statementTemps.length - 1].push(temp);
    }
    return temp;
  }

  withStatement(fn: () => void): void {
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
  use(local: Local, kind: UseKind, path = '', moved: string[][] | 'whole' = [[]]): void {
    if (this.dead) {
      return;
    }
    const frame = this.captureFrames[this.captureFrames.length - 1];
    if (frame && local.id < frame.firstLocalId) {
      useFromClosure(this, frame, local, kind, path);
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
      classifyMove(this, local, use, moved.map((p) => [...base, ...p]));
    }
    local.uses.push(use);
  }

  withExplicitBorrow(fn: () => void): void {
    const saved = this.explicitBorrow;
    this.explicitBorrow = true;
    try {
      fn();
    } finally {
      this.explicitBorrow = saved;
    }
  }

  /** Runs `fn` in a new conditional region; regions sharing a `group` are exclusive branches of one construct. */
  inRegion<T>(fn: () => T, group?: number): T {
    const id = this.nextRegion++;
    this.regionGroups.set(id, group ?? id);
    this.regionStack.push(id);
    try {
      return fn();
    } finally {
      this.regionStack.pop();
    }
  }

  newGroup(): number {
    return this.nextRegion++;
  }

  /** The innermost region always leaves its construct here; with `return` or a panic, it leaves the body. */
  markDiverging(stmt: SyntaxNode): void {
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

  inLoop(loopNode: SyntaxNode, fn: () => void): void {
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

  walkBlock(block: SyntaxNode): void {
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
        walkLet(this, stmt);
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

  /** The local at the root of a place expression, with the field path (`c.name` → c, "name"). */
  placeRoot(node: SyntaxNode): { local: Local; path: string; viaDeref: boolean } | null {
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

  walkExpr(node: SyntaxNode, mode: WalkMode): void {
    if (++this.depth > MAX_NESTING) {
      throw new NestingTooDeep();
    }
    try {
      this.walkExprAt(node, mode);
    } finally {
      this.depth--;
    }
  }

  /** Hands the expression to the walk of its kind; kinds not listed use nothing the walk tracks. */
  private walkExprAt(node: SyntaxNode, mode: WalkMode): void {
    EXPRESSION_WALKS.get(node.type)?.(this, node, mode);
  }

  containsAwait(node: SyntaxNode): boolean {
    let found = this.awaitCache.get(node.id);
    if (found === undefined) {
      // Text first: most operands have no `.await`, and reading text is cheaper than a descendant search.
      found = node.text.includes('await') && (node.descendantsOfType('await_expression').length > 0 || node.descendantsOfType('macro_invocation').length > 0);
      this.awaitCache.set(node.id, found);
    }
    return found;
  }

  registerAwait(node: SyntaxNode, futureTy: Ty): void {
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

  /** Pops a scope but leaves the given temporaries alive (their end is set by the caller). */
  popScopeKeeping(keep: Local[]): void {
    const scope = this.scopes.pop();
    for (const l of scope?.owned ?? []) {
      if (l.end === Infinity && !keep.includes(l)) {
        l.end = this.point;
      }
    }
  }
}

type ExpressionWalk = (w: BodyWalker, node: SyntaxNode, mode: WalkMode) => void;

/**
 * The walk of each expression kind. `let_condition` and `let_chain` are absent: they are reached
 * only through malformed code, as `walkIf` and `walkWhile` handle conditions.
 */
const EXPRESSION_WALKS = new Map<string, ExpressionWalk>([
  ['identifier', walkPath],
  ['self', walkPath],
  ['field_expression', walkField],
  ['index_expression', walkIndex],
  ['reference_expression', walkReference],
  ['unary_expression', walkUnary],
  ['parenthesized_expression', walkChildren],
  ['else_clause', walkChildren],
  ['type_cast_expression', walkCast],
  ['binary_expression', walkBinary],
  ['assignment_expression', walkAssign],
  ['compound_assignment_expr', walkCompoundAssign],
  ['call_expression', walkCall],
  ['macro_invocation', walkMacro],
  ['await_expression', walkAwait],
  ['try_expression', walkTry],
  ['block', (w, node) => w.walkBlock(node)],
  ['unsafe_block', walkInnerBlock],
  ['const_block', walkInnerBlock],
  ['if_expression', walkIf],
  ['match_expression', walkMatch],
  ['while_expression', walkWhile],
  ['loop_expression', walkLoop],
  ['for_expression', walkFor],
  ['return_expression', walkJump],
  ['break_expression', walkJump],
  ['yield_expression', walkJump],
  ['tuple_expression', walkElements],
  ['array_expression', walkElements],
  ['arguments', walkElements],
  ['struct_expression', walkStructLiteral],
  ['range_expression', walkRange],
  ['async_block', walkAsyncBlock],
  ['closure_expression', walkClosure],
]);
