/**
 * Walks one async body in evaluation order and decides, for every `.await`, which values the
 * state machine saves there (reference/coroutine-layout.md section 2): scopes, moves, borrows,
 * drop glue, temporaries, loops, awaitees and captures.
 *
 * This module holds the statement walk and the table from expression kind to its walk. The walk's
 * state (scopes, regions, program points, statement temporaries) is `WalkState` (walkState.ts);
 * the constructs live beside it as functions of that state: `patterns` (let, bindings, scrutinees,
 * moves out of places), `controlFlow` (if, match, loops, jumps), `calls`, `expressions` (places,
 * operators, operands), `macroBodies`, `pins`, `captures` (closures, async blocks),
 * `intInference` (integer literal types) and `moves` (partial moves). Only this module imports
 * them all, so the folder has no import cycle. `savedLocals` then decides, from the walk's
 * result, what each await saves.
 */
import type { NodeKind } from '../syntax/nodeKinds.generated';
import type { SyntaxNode } from '../syntax/parser';
import { Ty, UNKNOWN } from '../types/types';
import { walkCall } from './calls';
import { useFromClosure, walkAsyncBlock, walkClosure } from './captures';
import {
  walkFor,
  walkIf,
  walkInnerBlock,
  walkJump,
  walkLoop,
  walkMatch,
  walkWhile,
} from './controlFlow';
import {
  walkAssign,
  walkAwait,
  walkBinary,
  walkCast,
  walkChildren,
  walkCompoundAssign,
  walkElements,
  walkField,
  walkIndex,
  walkPath,
  walkRange,
  walkReference,
  walkStructLiteral,
  walkTry,
  walkUnary,
} from './expressions';
import { BodyResult, Local, MAX_NESTING, NestingTooDeep, Use, UseKind, WalkMode } from './held';
import { openUnexplainedDefaults, unifyExpected } from './intInference';
import { walkMacro } from './macroBodies';
import { classifyMove } from './moves';
import { bindPattern, PARAMETER_ORDER, walkLet } from './patterns';
import { canUnwind } from './unwinding';
import { isDivergingStatement, named } from './syntaxShapes';
import { WalkState } from './walkState';

/**
 * The walk of one body: statements and expressions in evaluation order, each expression handed to
 * the walk of its kind. Callers outside this folder use `declareParam*`, `run` and `typeOf`.
 */
export class BodyWalker extends WalkState {
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
    if (
      pattern.type === 'identifier' ||
      pattern.type === 'self' ||
      pattern.type === 'self_parameter'
    ) {
      this.declareParam(
        pattern.type === 'identifier' ? pattern.text : 'self',
        ty,
        pattern,
        'argument',
      );
      return;
    }
    if (pattern.type === '_') {
      // rustc names the local of a `_` parameter `_`; nothing can refer to it.
      const local = this.declareParam('_', ty, pattern, 'argument');
      this.scopes[this.scopes.length - 1].names.delete('_');
      void local;
      return;
    }
    bindPattern(this, pattern, ty, PARAMETER_ORDER, 'argument');
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
      if (
        tail &&
        tail.type !== 'expression_statement' &&
        tail.type !== 'let_declaration' &&
        !tail.type.endsWith('_item')
      ) {
        outputType = this.typeOf(tail);
      }
    } else {
      this.withStatement(() => this.walkExpr(body, 'move'));
      outputType = this.typeOf(body);
    }
    this.point++;
    this.popScope();
    openUnexplainedDefaults(this);
    for (const { local, uses } of this.tentativeBorrows) {
      const use = local.uses[uses];
      // Known by now as a primitive, it was compared by value: nothing borrowed it.
      if (use?.kind === 'borrow' && local.ty.k === 'prim') {
        use.kind = 'read';
      }
    }
    // A move of every part, on a branch that comes back to the local's scope: the drop at the scope
    // end (guarded by a flag) still reads the local, so it stays saved (measured).
    for (const { local, use } of this.partMoves) {
      // Written again later (`v = ..`, `v.a = ..`): the parts left (without drop glue) are still
      // the local's, which stays saved until then (measured).
      const writtenLater =
        local.uses.some((u) => u.kind === 'write' && u.point > use.point) ||
        this.partWrites.some((p) => p.local === local && p.point > use.point);
      if (
        writtenLater ||
        (use.region.length > local.region.length &&
          !use.region.slice(local.region.length).some((r) => this.divergingRegions.has(r)))
      ) {
        use.partial = true;
      }
    }
    return {
      locals: this.locals,
      awaits: this.awaits,
      unwindPoints: this.unwindPoints,
      loops: this.loops,
      nested: this.nested,
      regionGroups: this.regionGroups,
      exhaustiveGroups: this.exhaustiveGroups,
      divergingRegions: this.divergingRegions,
      returningRegions: this.returningRegions,
      breakingRegions: this.breakingRegions,
      outputType,
      approximations: [...this.approximations],
    };
  }

  /**
   * Records a use of `local` at `path`. A move takes `moved` out of it: paths below `path` (by default
   * `path` itself), or the whole local; see `classifyMove`.
   */
  override use(local: Local, kind: UseKind, path = '', moved: string[][] | 'whole' = [[]]): void {
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
    const use: Use = {
      point: ++this.point,
      kind,
      region: [...this.regionStack],
      inCall: this.inCallArgs > 0,
    };
    if (kind === 'move' && moved !== 'whole') {
      const base = path ? path.split('.') : [];
      classifyMove(
        this,
        local,
        use,
        moved.map((p) => [...base, ...p]),
      );
    }
    local.uses.push(use);
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

  override walkBlock(block: SyntaxNode): void {
    this.pushScope();
    this.walkBlockContents(block);
    const tail = named(block).pop();
    if (
      tail &&
      tail.type !== 'expression_statement' &&
      tail.type !== 'let_declaration' &&
      !tail.type.endsWith('_item')
    ) {
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

  override walkExpr(node: SyntaxNode, mode: WalkMode): void {
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
    EXPRESSION_WALKS.get(node.type as NodeKind)?.(this, node, mode);
    // A closure's or async block's body does not run where it is created: what it calls can
    // unwind only in its own body (measured: `async move { tick().await; g.peek() }` moving a
    // `Drop` value needs no drop flag in the body that creates it).
    if (this.captureFrames.length === 0 && canUnwind(this, node)) {
      this.unwindPoints.push({ point: this.point, region: [...this.regionStack] });
    }
  }
}

type ExpressionWalk = (w: WalkState, node: SyntaxNode, mode: WalkMode) => void;

/**
 * The walk of each expression kind. `let_condition` and `let_chain` are absent: they are reached
 * only through malformed code, as `walkIf` and `walkWhile` handle conditions.
 */
const EXPRESSION_WALKS = new Map<NodeKind, ExpressionWalk>([
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
