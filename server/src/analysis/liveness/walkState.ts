/** The state of the walk of one async body, which every construct module of this folder uses. */
import type { HeldKind } from '../report';
import type { SyntaxNode } from '../syntax/parser';
import { awaitedAsFnResult } from './awaitedResults';
import { endOf } from '../syntax/positions';
import { ExprTyper, InferEnv } from '../types/infer';
import { Ty } from '../types/types';
import {
  AwaitSite,
  BodyContext,
  CaptureFrame,
  ClosureCalls,
  Local,
  LoopSpan,
  NestedFuture,
  Use,
  UseKind,
  WalkMode,
} from './held';
import { macroName } from '../syntax/macros';
import { DIVERGING_MACROS, named } from './syntaxShapes';

/**
 * The state of the walk of one body, and what every construct does with it: scopes and locals,
 * program points, regions (branches) and loops, statement temporaries, awaits. The construct
 * modules of this folder take it as `w`; `BodyWalker` (bodyWalker.ts) adds the statement and
 * expression walks, which need every construct, so that no construct module imports it.
 */
export abstract class WalkState {
  point = 0;
  nextId = 0;
  /** `let`s begun so far: orders a `let`'s bindings before those declared in its initialiser. */
  private letsDeclared = 0;
  readonly locals: Local[] = [];
  readonly awaits: AwaitSite[] = [];
  readonly unwindPoints: { point: number; region: number[] }[] = [];
  protected readonly loops: LoopSpan[] = [];
  private readonly loopStack: LoopSpan[] = [];
  readonly regionStack: number[] = [];
  protected readonly regionGroups = new Map<number, number>();
  protected readonly exhaustiveGroups = new Set<number>();
  protected readonly divergingRegions = new Set<number>();
  protected readonly returningRegions = new Set<number>();
  protected readonly breakingRegions = new Map<number, number>();
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
  protected depth = 0;
  readonly typer: ExprTyper;
  readonly inferEnv: InferEnv;
  readonly closureTypes = new Map<number, Ty>();
  /** What calling each plain closure does, by its node. */
  readonly closureCalls = new Map<number, ClosureCalls>();
  private readonly awaitCache = new Map<number, boolean>();
  /** Value types of blocks, computed before their scope closed (their tail may name inner bindings). */
  readonly blockTypes = new Map<number, Ty>();
  /** Where a block's tail value is written, still inside the block's scope. */
  readonly blockTailPoints = new Map<number, number>();
  /**
   * Where a branching expression (`if`, `match`, `select!`) first writes its value: the end of
   * its first branch, while that branch's bindings still exist.
   */
  readonly firstBranchWrites = new Map<number, number>();
  /** Inside `&x` or a format argument: a borrow of the local itself, even when it is a reference. */
  explicitBorrow = false;
  inCallArgs = 0;
  /** The paths moved out of each local so far, with the region of each move. */
  readonly movedParts = new Map<Local, { region: number[]; paths: string[][] }[]>();
  /**
   * Comparisons of a binding whose type was not known yet, taken as `PartialEq` borrows
   * (`expressions.ts` `walkBinary`): a type found later (`buf[..n]` makes `n` a `usize`) turns
   * a primitive's back into the read it is, once the walk ends.
   */
  readonly tentativeBorrows: { local: Local; uses: number }[] = [];
  /** Moves that took every part with drop glue out of a local, one part at a time. */
  readonly partMoves: { local: Local; use: Use }[] = [];
  /** Writes of a part of a local held by value (`v.a = ..`), which record no use of the local. */
  readonly partWrites: { local: Local; point: number }[] = [];
  /**
   * Bindings of unsuffixed integer literals (`let n = 0`, `[0; 64]`, `for i in 0..10`), whose type
   * is settled by their first typed use: each maps to the integer type object its type holds (the
   * array's element, the range's bound), shared with every type made from it so far (a capture of
   * `i`, the loop's `Range<i32>`), so settling it retypes them all, as rustc's inference does.
   */
  readonly flexInts = new Map<Local, Ty & { k: 'prim' }>();
  /**
   * Unsettled integer bindings that rustc gives one type (`s += j`, `let s = j`, `s == j`): the
   * first use that settles one settles the others (`intInference.ts` `linkInts`).
   */
  readonly flexLinks = new Map<Local, Local[]>();

  constructor(readonly ctx: BodyContext) {
    const env: InferEnv = (this.inferEnv = {
      index: ctx.index,
      scope: ctx.scope,
      localType: (name) => this.lookup(name)?.ty ?? null,
      localCallOutput: (name) => this.lookup(name)?.closure?.output,
      futureOfNode: (n) => ctx.futureOfNode(n) ?? this.closureTypes.get(n.id) ?? null,
      knownType: (n) => this.blockTypes.get(n.id),
      callableOutput: (param) => ctx.callableOutputs?.get(param),
      paramFutureOutput: (param) => ctx.futureOutputs?.get(param),
      paramTraitMethod: (param, method) => ctx.paramTraitMethod?.(param, method) ?? null,
      module: ctx.module,
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
      dependencyFn: ctx.dependencyFn,
      dependencyMethod: ctx.dependencyMethod,
      dependencyType: ctx.dependencyType,
      dependencyConst: ctx.dependencyConst,
      expectedAwaitOutput: (call) => (awaitedAsFnResult(call) ? ctx.returnTy : undefined),
    });
    this.typer = new ExprTyper(env);
  }

  typeOf(node: SyntaxNode | null): Ty {
    return this.typer.typeOf(node);
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

  /**
   * The declaration order of a `let`'s bindings: before anything its initialiser declares or
   * makes at the same point (`let a = { let t = ..; .. }` declares `a` first, as MIR numbers its
   * locals, and rustc's layout breaks ties between conflicting locals by that order).
   */
  letOrder(): number {
    return this.point - 0.25 + this.letsDeclared++ * 1e-9;
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

  /** Walking the operand of a builtin `*`: a place used through the reference it holds. */
  derefOperand = false;

  withDerefOperand(fn: () => void): void {
    const saved = this.derefOperand;
    this.derefOperand = true;
    try {
      fn();
    } finally {
      this.derefOperand = saved;
    }
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

  /** The awaits registered since `from` (an `awaits.length`) lead into the branches of `group`. */
  noteBranchesInto(from: number, group: number): void {
    for (const a of this.awaits.slice(from)) {
      a.branchesInto = group;
    }
  }

  /** A group of which exactly one region runs (see `BodyResult.exhaustiveGroups`). */
  newExhaustiveGroup(): number {
    const group = this.newGroup();
    this.exhaustiveGroups.add(group);
    return group;
  }

  /** The innermost region always leaves its construct here; with `return` or a panic, it leaves the body. */
  markDiverging(stmt: SyntaxNode): void {
    const region = this.regionStack[this.regionStack.length - 1];
    if (region === undefined) {
      return;
    }
    this.divergingRegions.add(region);
    const e = stmt.type === 'expression_statement' ? stmt.namedChildren[0] : stmt;
    if (
      e &&
      (e.type === 'return_expression' ||
        (e.type === 'macro_invocation' && DIVERGING_MACROS.has(macroName(e))))
    ) {
      this.returningRegions.add(region);
    }
    if (e?.type === 'break_expression') {
      const label = named(e).find((c) => c.type === 'label')?.text;
      const loop = label
        ? [...this.loopStack].reverse().find((l) => l.label === label)
        : this.loopStack[this.loopStack.length - 1];
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
      ...(/\bcontinue\b/.test(loopNode.childForFieldName('body')?.text ?? '')
        ? { continues: true }
        : {}),
    };
    this.loops.push(span);
    this.loopStack.push(span);
    this.inRegion(fn);
    this.loopStack.pop();
    span.end = ++this.point;
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

  containsAwait(node: SyntaxNode): boolean {
    let found = this.awaitCache.get(node.id);
    if (found === undefined) {
      // Text first: most operands have no `.await`, and reading text is cheaper than a descendant search.
      found =
        node.text.includes('await') &&
        (node.descendantsOfType('await_expression').length > 0 ||
          node.descendantsOfType('macro_invocation').length > 0);
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
    const end = endOf(node);
    const site: AwaitSite = {
      index: this.awaits.length,
      point,
      region: [...this.regionStack],
      loops: this.loopStack.map((l) => l.id),
      node,
      line: end.row + 1,
      column: end.column - 4,
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

  /** Walks an expression whose value is used as `mode` says. */
  abstract walkExpr(node: SyntaxNode, mode: WalkMode): void;

  /** Walks a block: its statements in a scope of their own, and its tail value. */
  abstract walkBlock(block: SyntaxNode): void;

  /**
   * Records a use of `local` at `path`. A move takes `moved` out of it: paths below `path` (by default
   * `path` itself), or the whole local; see `classifyMove`.
   */
  abstract use(local: Local, kind: UseKind, path?: string, moved?: string[][] | 'whole'): void;
}
