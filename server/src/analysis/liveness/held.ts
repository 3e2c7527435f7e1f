/**
 * What the walk of one async body finds (reference/coroutine-layout.md section 2): its locals,
 * their uses, awaits, loops, regions and captures, as `BodyWalker` (bodyWalker.ts) records them.
 */
import type { ForeignFn } from '../deps/dependencyTypes';
import type { ForeignType } from '../types/layout';
import { FnInfo, ItemIndex, TypeScope } from '../items/items';
import type { BoundMethod } from '../types/boundTraitMethods';
import type { HeldKind } from '../report';
import type { GuardKind } from '../types/knownTypes';
import { MacroTrees } from '../syntax/macros';
import type { SyntaxNode } from '../syntax/parser';
import { isAdt, Ty } from '../types/types';

export const MAX_NESTING = 400;

/**
 * How many async blocks or closures deep a future's walk follows the futures written inside it.
 * Every future is also walked on its own, so following all of them made n nested blocks cost n²
 * (1,000 levels: 55 s); past this depth the body is not read and the size is a lower bound.
 */
export const MAX_NESTED_FUTURE_WALK = 24;

/** Thrown when expressions nest deeper than the walker follows; the future is then reported as skipped. */
export class NestingTooDeep extends Error {
  constructor() {
    super(`expressions nest more than ${MAX_NESTING} levels deep`);
  }
}

export type UseKind = 'read' | 'move' | 'borrow' | 'write';

/** How an expression's value is used: as a use of a local, or dropped at once (`expr;`). */
export type WalkMode = UseKind | 'discard';

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
  /**
   * The introducing node while the body's tree is alive. A walk kept by the walk cache has none:
   * `span`, `guard` and `unknownLabel` are taken from it before it goes.
   */
  node?: SyntaxNode;
  span?: SourceSpan;
  /**
   * An unknown `ty` named after its node (`type of \`x\``), taken before the node goes; `ty`
   * itself stays as the walk found it, as a fresh walk's does (captures read it).
   */
  unknownLabel?: Ty;
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
  /**
   * Needs storage from here though its value comes later: `let r = match ..` is written at the end
   * of each arm, the first of which may come before another arm's awaits (storage conflicts only).
   */
  storageFrom?: number;
  /** Declared without a value (`let n;`): it has none until a write. */
  deferredInit?: boolean;
  /** A drop flag guards this local. */
  flagFor?: Local;
  /** The lock guard it is, kept when `node` is dropped for the walk cache. */
  guard?: GuardKind;
  /** Bound to a plain closure (`let c = || ..`): what calling it does. */
  closure?: ClosureCalls;
}

/** A plain closure as its calls see it. */
export interface ClosureCalls {
  /** Its body moves a captured value out: `FnOnce`, so a call consumes the closure. */
  once: boolean;
  /** What a call returns (its body's value), when known. */
  output?: Ty;
}

export interface AwaitSite {
  index: number;
  point: number;
  region: number[];
  loops: number[];
  /** The `.await` expression while the body's tree is alive; absent in a walk the cache keeps. */
  node?: SyntaxNode;
  line: number;
  column: number;
  /**
   * The region group of the `match` whose scrutinee (or the plain `if` whose condition) holds the
   * await (`match connect(a)?.await { .. }`): control goes from the await into one of its branches.
   */
  branchesInto?: number;
}

export interface LoopSpan {
  id: number;
  start: number;
  end: number;
  /** The region of the loop body. */
  region: number;
  /** `'outer` in `'outer: loop { .. }`, for `break 'outer`. */
  label?: string;
  /** A `loop`: its body always runs once (a `while` or `for` body may not). */
  entered?: boolean;
  /** `continue` is written in the body (for this loop or one inside it): it may run again from there. */
  continues?: boolean;
}

/** Something a nested async block / closure captured from this body. */
export interface Capture {
  local: Local;
  /** Field paths used (`name`, `inner.len`); empty string = the whole variable. */
  paths: Set<string>;
  byValue: boolean;
  /** A reference local only ever used through itself (edition 2021): the closure holds a reborrow, as big as the reference. */
  throughRef?: boolean;
  /**
   * Per path used (`''` the whole variable): whether every use went through the pointer the place
   * holds (`r.len()`, `b[0]`: the closure borrows `*r`), none did, or some did.
   */
  placeUses?: Map<string, 'through' | 'direct' | 'both'>;
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
  if (
    edition === '2015' ||
    edition === '2018' ||
    cap.paths.has('') ||
    isAdt(ty, 'Box', 'Rc', 'Arc')
  ) {
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

export interface CaptureFrame {
  firstLocalId: number;
  isMove: boolean;
  /** An async block or closure (its own future), as opposed to a plain closure. */
  isFuture: boolean;
  captured: Map<Local, Capture>;
  /** The enclosing body's regions where the closure or block is created. */
  regionDepth: number;
  /** The body moves a captured value (not `Copy`) out of the closure. */
  movesCapture?: boolean;
}

export interface NestedFuture {
  node: SyntaxNode;
  captures: Capture[];
}

export interface BodyResult {
  /** Region id → group id: regions of one group are exclusive branches (if/else, match arms). */
  regionGroups: Map<number, number>;
  /**
   * Groups of which exactly one region runs (an `if`'s then and else, even an empty else; a
   * `match`'s arms); absent in bodies read back from before it was kept.
   */
  exhaustiveGroups?: Set<number>;
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
  /** Points where the body can unwind (a call, a checked operation, a poll): see unwinding.ts. */
  unwindPoints: { point: number; region: number[] }[];
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
  /** The primitive a type alias names (`type Oid = u32;`), else null. */
  aliasedPrimitive?(ty: Ty): Ty | null;
  futureOfNode(node: SyntaxNode): Ty | null;
  futureOfFn(fn: FnInfo, subst?: Map<string, Ty>): Ty;
  futureOutput(id: string): Ty | null;
  /** A dependency's fn a call names (see `analysis/deps`). */
  dependencyFn?: (path: string[]) => ForeignFn | null;
  /** A method of another crate's type (see `InferEnv.dependencyMethod`). */
  dependencyMethod?: (recv: Ty, method: string) => ForeignFn | 'unknown' | null;
  /** The type a path names in another crate (see `InferEnv.dependencyType`). */
  dependencyType?: (path: string[], scope?: string) => ForeignType | null;
  /** Another crate's const a path names (see `InferEnv.dependencyConst`). */
  dependencyConst?: (path: string[]) => Ty | null;
  /** The body's declared return type, when known. */
  returnTy?: Ty;
  /** The enclosing fn's closure-trait bounds (`F: FnMut(u32) -> Fut`). */
  callableOutputs?: Map<string, Ty | 'async'>;
  /** The enclosing fn's generic parameters bounded by `FnOnce`: calling one moves it. */
  onceCallables?: Set<string>;
  /** The enclosing fn's `Fut: Future<Output = T>` bounds. */
  futureOutputs?: Map<string, Ty>;
  /** The enclosing fn's parameter's method through its bounds (`InferEnv.paramTraitMethod`). */
  paramTraitMethod?(param: string, method: string): BoundMethod | null;
  /** The module the body's paths are read in (see `FnInfo.module`); unknown when absent. */
  module?: readonly string[];
  /** Called as soon as a direct nested async block or closure has been walked for its captures. */
  onNestedFuture?(nested: NestedFuture): void;
}

/** Whether a region path starts with another (`[1, 4]` is inside `[1]`). */
export function isPrefix(prefix: number[], path: number[]): boolean {
  return prefix.length <= path.length && prefix.every((r, i) => path[i] === r);
}

/** `async |x| ..`, `async move || ..` (`static async ||` too): its text says so, without visiting its children. */
export function isAsyncClosure(node: SyntaxNode): boolean {
  return node.type === 'closure_expression' && /^(static\s+)?async\b/.test(node.text);
}
