/**
 * Which awaits each local of a walked body is saved at (reference/coroutine-layout.md section 2):
 * a value is saved when its storage is live there and it is live itself (read later, dropped
 * later, or borrowed before). Each rule below is one thing rustc 1.95 does, with the reference
 * case (`ref NN_name`, in reference/cases/) or the fixture (`engine/NN_name.rs`, in test/fixtures/)
 * whose futures change when the rule is left out (checked by switching each rule off in turn).
 */
import type { Layout } from '../types/layout';
import type { Ty } from '../types/types';
import { AwaitSite, BodyResult, isPrefix, Local, LoopSpan, Use } from './held';

export interface SavedInfo {
  local: Local;
  variants: Set<number>;
  start: number;
  end: number;
  /**
   * Awaits where it is saved although it was moved out (`drop(guard)`) on every path before:
   * storage, no value.
   */
  movedOutAt?: Set<number>;
  /**
   * Moves inside a branch after which, on that branch, the local needs no storage: what is
   * declared later in that branch can share its bytes.
   */
  freedAfter?: Point[];
}

export type Point = { point: number; region: number[] };

/** How the regions of one body relate: exclusive branches, branches that leave, loops. */
class BodyPaths {
  private readonly loopById: Map<number, LoopSpan>;

  constructor(readonly body: BodyResult) {
    this.loopById = new Map(body.loops.map((l) => [l.id, l]));
  }

  loop(id: number): LoopSpan {
    return this.loopById.get(id)!;
  }

  /** Points in exclusive branches (arms of one match, then/else) never follow each other. */
  exclusive(a: number[], b: number[]): boolean {
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) {
      i++;
    }
    return (
      i < a.length &&
      i < b.length &&
      this.body.regionGroups.get(a[i]) === this.body.regionGroups.get(b[i])
    );
  }

  /** The loop a region ends by breaking out of, if it does. */
  /**
   * The loop's body leaves it on every path (its last statement breaks out of it or returns) and
   * no `continue` is written in it: there is no next iteration to read a value
   * (`loop { break max(a, f().await) }` keeps no `a`; engine/111_loops_that_never_iterate.rs).
   */
  neverIterates(loop: LoopSpan): boolean {
    if (loop.continues) {
      return false;
    }
    const left = this.loopLeftBy(loop.region);
    return (
      this.body.returningRegions.has(loop.region) ||
      (!!left && left.start <= loop.start && loop.end <= left.end)
    );
  }

  loopLeftBy(region: number): LoopSpan | undefined {
    const id = this.body.breakingRegions.get(region);
    return id === undefined ? undefined : this.loopById.get(id);
  }

  /**
   * `a` sits in a region that returns, or breaks out of a loop around `b` (at `bPoint`), before
   * control could reach `b`.
   */
  returnsBefore(a: number[], b: number[], bPoint: number): boolean {
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) {
      i++;
    }
    return a.slice(i).some((r) => {
      const left = this.loopLeftBy(r);
      return (
        this.body.returningRegions.has(r) || (!!left && left.start < bPoint && bPoint < left.end)
      );
    });
  }

  diverges(region: number[], from: number): boolean {
    return region.slice(from).some((r) => this.body.divergingRegions.has(r));
  }

  /**
   * `region` is the body of a `loop` that starts after the await, right where the await is: it
   * runs whenever the code after the await does.
   */
  inLoopEnteredFrom(a: Point, region: number[]): boolean {
    return (
      region.length === a.region.length + 1 &&
      isPrefix(a.region, region) &&
      this.body.loops.some(
        (l) => l.entered && l.region === region[region.length - 1] && l.start > a.point,
      )
    );
  }
}

/** One local's uses, read as the rules need them. */
class LocalUses {
  readonly traits: { drop: boolean; copy: boolean };
  /** Whether `traits.drop` comes from a layout (a future's drop glue is assumed, not known). */
  readonly dropKnown: boolean;
  readonly firstBorrow: number;
  /** Borrows, and assignments that drop the old value in place (`Drop` takes `&mut`). */
  readonly borrows: Use[];
  /** Moves, but not passes by value of a value that was in fact copied (see `copiedLater`). */
  readonly allMoves: Use[];
  /** Moves of the whole value (a partial move leaves the rest to drop). */
  readonly moves: Use[];
  private readonly copyUnknown: boolean;

  constructor(
    readonly local: Local,
    readonly paths: BodyPaths,
    layout: Layout | null,
  ) {
    this.traits = layout ?? { drop: true, copy: false };
    this.dropKnown = layout !== null;
    this.borrows = [
      ...local.uses.filter((u) => u.kind === 'borrow'),
      ...(layout?.drop ? this.dropsOnWrite() : []),
    ];
    this.firstBorrow = Math.min(...this.borrows.map((u) => u.point), Infinity);
    this.copyUnknown = layout !== null && !layout.copy && !layout.exact;
    this.allMoves = local.uses.filter((u) => u.kind === 'move' && !this.copiedLater(u));
    this.moves = this.allMoves.filter((u) => !u.partial);
  }

  /**
   * A value of a type the syntax cannot see that is used again after being passed on by value
   * was copied, not moved: the code compiles (unless it was assigned again in between).
   * Fixture: engine/75_types_the_syntax_cannot_see.rs.
   */
  private copiedLater(m: Use): boolean {
    const uses = this.local.uses;
    return (
      this.copyUnknown &&
      uses.some(
        (u) =>
          u.kind !== 'write' &&
          u.point > m.point &&
          !this.paths.exclusive(m.region, u.region) &&
          !uses.some((w) => w.kind === 'write' && w.point > m.point && w.point < u.point),
      )
    );
  }

  /**
   * Assigned again after the move (`y = ..;`): a new value lives there from then on.
   * Fixture: engine/67_reassigned_after_move.rs.
   */
  reinitialised(m: { point: number }, before: Point): boolean {
    return this.local.uses.some(
      (w) =>
        w.kind === 'write' &&
        w.point > m.point &&
        w.point < before.point &&
        !this.paths.exclusive(w.region, before.region),
    );
  }

  /**
   * `v = new_value;` over a value that may still be there drops it in place, which rustc counts
   * as a borrow: the storage then stays to the scope's end (engine/97_moves_and_unwinding.rs).
   * Not after a move on the write's own path (nothing left to drop), nor for the first write of a
   * `let v;`.
   */
  private dropsOnWrite(): Use[] {
    const uses = this.local.uses;
    return uses.filter((w, i) => {
      if (w.kind !== 'write') {
        return false;
      }
      const earlier = uses.slice(0, i);
      const lastMove = Math.max(
        ...earlier
          .filter((m) => m.kind === 'move' && !m.partial && isPrefix(m.region, w.region))
          .map((m) => m.point),
        -Infinity,
      );
      const rewritten = earlier.some((x) => x.kind === 'write' && x.point > lastMove);
      const hadValue = this.local.deferredInit
        ? earlier.some((x) => x.kind === 'write' && !this.paths.exclusive(x.region, w.region))
        : true;
      return hadValue && (lastMove === -Infinity || rewritten);
    });
  }

  /**
   * Borrowed before the move on the move's own path: storage stays after the move. A borrow on an
   * exclusive branch (`if c { v.len() } else { drop(v) }`) does not reach it.
   */
  borrowedBeforeMove(m: Point): boolean {
    return this.firstBorrow < m.point && this.borrows.some((u) => this.borrowReaches(u, m));
  }

  /**
   * A borrow reaches a later point unless it is on an exclusive branch, or on a branch that
   * returns before it (`if c { return v.peek(); } drop(v);`: rustc's borrow dataflow never gets
   * there; measured in engine/100_closures_and_async_blocks.rs).
   */
  borrowReaches(u: Use, later: Point): boolean {
    return (
      u.point < later.point &&
      !this.paths.exclusive(u.region, later.region) &&
      !this.paths.returnsBefore(u.region, later.region, later.point)
    );
  }

  /**
   * An await came before a move of some parts, with the whole value there: the rest stays saved
   * to the scope's end, used or not (`tick().await; drop(s.a); tick().await;` keeps `s`: 88 B,
   * not 64; engine/100_closures_and_async_blocks.rs).
   */
  private awaitedWhole(m: Use): boolean {
    return this.paths.body.awaits.some(
      (a) =>
        a.point > this.local.init &&
        a.point < m.point &&
        !this.paths.exclusive(a.region, m.region) &&
        !this.paths.returnsBefore(a.region, m.region, m.point),
    );
  }

  /** A move of some parts leaves the others in place: a later use of them keeps the local. */
  private usedAfter(point: number, region: number[]): boolean {
    return this.local.uses.some(
      (u) => u.kind !== 'write' && u.point > point && !this.paths.exclusive(region, u.region),
    );
  }

  /**
   * Whether a move frees the value as seen from `from`: a move of every part with drop glue that
   * leaves other parts frees it only if they are not used, nor borrowed, after it (a borrow of
   * what is left, even one that ends before the await, keeps it, as any borrow does).
   * Fixture: engine/63_single_arm_match_and_parts_left.rs.
   */
  frees(m: Use, from: Point = m): boolean {
    return (
      !m.partsLeft ||
      (!this.awaitedWhole(m) &&
        !this.usedAfter(from.point, from.region) &&
        !this.local.uses.some(
          (u) => u.kind === 'borrow' && u.point > m.point && u.point < from.point,
        ))
    );
  }
}

// ---- the rules for one local at one await, in the order they decide ----

/**
 * Storage is allocated only between the local's declaration and its scope's end: a value of an
 * inner block that ended before the await is not saved, whatever its type
 * (ref 08_inner_block_scope).
 */
function outsideStorage(l: LocalUses, a: AwaitSite): boolean {
  return !(l.local.init < a.point && a.point < l.local.end);
}

/**
 * Declared without a value (`let n;`) and written nowhere before the await, nor later in a loop
 * around it: it has no value to keep there, whatever reads it after a write
 * (engine/99_branch_values_and_deferred_lets.rs).
 */
function uninitialisedAt(l: LocalUses, a: AwaitSite): boolean {
  const { local, paths } = l;
  const writes = local.uses.filter((u) => u.kind === 'write');
  return (
    !!local.deferredInit &&
    !writes.some((w) => w.point < a.point) &&
    !a.loops.some((id) => {
      const loop = paths.loop(id);
      return writes.some((w) => w.point > loop.start && w.point < loop.end);
    })
  );
}

/**
 * Moved away before the await, on the await's own path, and never borrowed before the move: the
 * storage is dead (ref 06_moved_before_await). A move after a borrow keeps it (ref
 * 07_borrow_then_move), and so does an assignment after the move
 * (engine/67_reassigned_after_move.rs).
 */
function movedOutBefore(l: LocalUses, a: AwaitSite): boolean {
  const freeing = l.moves.filter(
    (m) => m.point < a.point && !l.borrowedBeforeMove(m) && l.frees(m, a) && !l.reinitialised(m, a),
  );
  return freeing.some((m) => isPrefix(m.region, a.region)) || movedOnEveryBranch(l, a, freeing);
}

/**
 * `if c { drop(v) } else { take(v) }` before the await: each branch of some `if`/`match` on the
 * await's path moves it (or leaves the body), so no path reaches the await with a value.
 * Fixture: engine/97_moves_and_unwinding.rs.
 */
function movedOnEveryBranch(l: LocalUses, a: AwaitSite, freeing: Use[]): boolean {
  const branches = new BranchMoves(l.paths.body, freeing);
  for (let depth = 0; depth <= a.region.length; depth++) {
    if (branches.coveringGroups(a.region.slice(0, depth), a.region[depth]).length > 0) {
      return true;
    }
  }
  return false;
}

/** Which `if`/`match` constructs move a value on each of their branches. */
class BranchMoves {
  private readonly members = new Map<number, number[]>();

  constructor(
    private readonly body: BodyResult,
    private readonly freeing: Use[],
  ) {
    for (const [region, group] of body.regionGroups) {
      this.members.set(group, [...(this.members.get(group) ?? []), region]);
    }
  }

  /** Every path through the region at the end of `path` moves the value before leaving it. */
  private covered(path: number[]): boolean {
    return (
      this.freeing.some((m) => sameRegion(m.region, path)) || this.coveringGroups(path).length > 0
    );
  }

  /**
   * The groups of branches directly under `path` (not the one holding `excluded`) each of whose
   * branches moves the value or leaves the body, with the point of their last move.
   */
  coveringGroups(path: number[], excluded?: number): { group: number; lastMove: number }[] {
    const under = new Map<number, number>();
    for (const m of this.freeing) {
      if (m.region.length > path.length && isPrefix(path, m.region)) {
        const group = this.body.regionGroups.get(m.region[path.length])!;
        under.set(group, Math.max(under.get(group) ?? -Infinity, m.point));
      }
    }
    return [...under]
      .filter(([group]) => {
        const branches = this.members.get(group) ?? [];
        // Only constructs of which exactly one branch runs (not `&&`'s right side, a loop body).
        return (
          !!this.body.exhaustiveGroups?.has(group) &&
          branches.every(
            (r) =>
              r !== excluded && (this.body.returningRegions.has(r) || this.covered([...path, r])),
          )
        );
      })
      .map(([group, lastMove]) => ({ group, lastMove }));
  }
}

function sameRegion(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}

/**
 * Read after the await on a path that can follow it: not on an exclusive branch (then/else),
 * nor behind a branch that returns or breaks out first (ref 01_used_after_await;
 * engine/69_branches_that_leave.rs, engine/68_borrow_on_other_branch.rs).
 */
function readAfter(l: LocalUses, a: AwaitSite): boolean {
  const paths = l.paths;
  return l.local.uses.some(
    (u) =>
      u.kind !== 'write' &&
      u.point > a.point &&
      !paths.exclusive(a.region, u.region) &&
      !paths.returnsBefore(a.region, u.region, u.point) &&
      !overwrittenOnTheWay(l, a, u),
  );
}

/**
 * `if c { v = [7; 64]; read(v) }` after the await: that read sees the new value, not the one
 * kept across the await. Not for a value with drop glue, whose drop on assignment is a use.
 */
function overwrittenOnTheWay(l: LocalUses, a: AwaitSite, u: Use): boolean {
  return (
    !l.traits.drop &&
    l.local.uses.some(
      (w) =>
        w.kind === 'write' &&
        w.point > a.point &&
        w.point < u.point &&
        isPrefix(w.region, u.region),
    )
  );
}

/**
 * Declared before a loop around the await and read in the loop: the next iteration reads it,
 * unless the await's branch leaves the loop (returns, or breaks out of it or a loop around it),
 * and only up to where every path of the body assigns it again (`last = rx.recv().await;` first
 * thing in a `loop`). Fixtures: engine/02_buffered_copy_loop.rs, engine/70_loop_reassigns_first.rs.
 */
function readByNextIteration(l: LocalUses, a: AwaitSite): boolean {
  const { local, paths } = l;
  return a.loops.some((id) => {
    const loop = paths.loop(id);
    if (paths.neverIterates(loop)) {
      return false;
    }
    const bodyAt = a.region.indexOf(loop.region);
    const leavesBody =
      bodyAt >= 0 &&
      a.region.slice(bodyAt + 1).some((r) => {
        const left = paths.loopLeftBy(r);
        return (
          paths.body.returningRegions.has(r) ||
          (!!left && left.start <= loop.start && loop.end <= left.end)
        );
      });
    const rewrite = local.uses.find(
      (w) =>
        w.kind === 'write' &&
        w.point > loop.start &&
        w.point < loop.end &&
        w.region[w.region.length - 1] === loop.region,
    );
    const carriedUntil = rewrite ? rewrite.point : loop.end;
    return (
      !leavesBody &&
      local.init < loop.start &&
      local.uses.some((u) => u.kind !== 'write' && u.point > loop.start && u.point < carriedUntil)
    );
  });
}

/**
 * Overwritten after the await before anything reads it, on every path from the await (or first
 * thing in a `loop` entered right after it), unless its branch leaves first: the old value is dead
 * there. Not for a value with drop glue, whose drop on assignment is a use.
 * Fixtures: engine/62_element_writes.rs (`whole_write`), engine/70_loop_reassigns_first.rs.
 */
function overwrittenBeforeRead(l: LocalUses, a: AwaitSite): boolean {
  const { local, paths } = l;
  return (
    !l.traits.drop &&
    local.uses.some(
      (w) =>
        w.kind === 'write' &&
        w.point > a.point &&
        (isPrefix(w.region, a.region) || paths.inLoopEnteredFrom(a, w.region)) &&
        !paths.diverges(a.region, w.region.length) &&
        !local.uses.some((u) => u.kind !== 'write' && u.point > a.point && u.point < w.point),
    )
  );
}

/**
 * Overwritten, before anything reads it, in every branch of the `match` (or plain `if`/`else`) whose
 * scrutinee (condition) holds the await, but for branches that return (`Ok(tcp) => return Ok(tcp), Err(e) => err =
 * Some(e)`, hyper's `ConnectingTcpRemote::connect`): the old value is dead at the await. Not for
 * a value with drop glue, nor past a branch that breaks or continues (it may reach a read).
 * Fixture: engine/95_wrapped_futures_and_test_imports.rs (`connect_each`).
 */
function overwrittenInEveryBranch(l: LocalUses, a: AwaitSite): boolean {
  const { local, paths } = l;
  const group = a.branchesInto;
  if (l.traits.drop || group === undefined) {
    return false;
  }
  const branches = [...paths.body.regionGroups]
    .filter(([r, g]) => g === group && r !== group)
    .map(([r]) => r);
  const inBranch = (u: Use, r: number) =>
    u.region.length > a.region.length && u.region[a.region.length] === r;
  const writes: number[] = [];
  for (const r of branches) {
    const uses = local.uses.filter((u) => u.point > a.point && isPrefix(a.region, u.region));
    const write = uses.find(
      (u) => u.kind === 'write' && u.region.length === a.region.length + 1 && inBranch(u, r),
    );
    const readFirst = uses.some(
      (u) => u.kind !== 'write' && inBranch(u, r) && (!write || u.point < write.point),
    );
    if (readFirst || (!write && !paths.body.returningRegions.has(r))) {
      return false;
    }
    if (write) {
      writes.push(write.point);
    }
  }
  const firstWrite = Math.min(...writes);
  return (
    branches.length >= 2 &&
    writes.length > 0 &&
    !local.uses.some(
      (u) =>
        u.kind !== 'write' &&
        u.point > a.point &&
        u.point < firstWrite &&
        !branches.some((r) => inBranch(u, r)),
    )
  );
}

/** Used later: read after the await or by a loop's next iteration, and not overwritten first. */
function usedLater(l: LocalUses, a: AwaitSite): boolean {
  return (
    !overwrittenBeforeRead(l, a) &&
    !overwrittenInEveryBranch(l, a) &&
    (readAfter(l, a) || readByNextIteration(l, a))
  );
}

/**
 * Borrowed at any point before the await, however short the borrow: rustc does not track how
 * long borrows last here (ref 04_borrowed_before_await). A borrow on another branch (the `then`
 * of an `if` whose `else` awaits) does not reach the await: engine/68_borrow_on_other_branch.rs.
 */
function borrowedBefore(l: LocalUses, a: AwaitSite): boolean {
  return l.firstBorrow < a.point && l.borrows.some((u) => l.borrowReaches(u, a));
}

/**
 * Drop glue: dropped at its scope end, so saved until then even if never used again
 * (ref 03_drop_glue_unused).
 */
function droppedLater(l: LocalUses): boolean {
  return l.traits.drop;
}

/** The rules in order: the first that holds decides; when none does, the local is not saved. */
const SAVE_RULES: { holds: (l: LocalUses, a: AwaitSite) => boolean; saved: boolean }[] = [
  { holds: outsideStorage, saved: false },
  { holds: uninitialisedAt, saved: false },
  { holds: movedOutBefore, saved: false },
  { holds: usedLater, saved: true },
  { holds: borrowedBefore, saved: true },
  { holds: droppedLater, saved: true },
];

function savedAt(l: LocalUses, a: AwaitSite): boolean {
  return SAVE_RULES.find((r) => r.holds(l, a))?.saved ?? false;
}

// ---- the rules for a local as a whole ----

/** Upvars and what nested bodies declare are stored in place (the prefix), not as saved locals. */
function livesOutsideTheState(local: Local): boolean {
  return !!local.inPlace || local.kind === 'upvar';
}

/**
 * Moved out on every path before the await, but saved there all the same (borrowed before the
 * move, ref 07_borrow_then_move): the storage is kept without a value. This only labels the
 * held value (`movedOut`); sizes do not depend on it.
 */
function movedOutOnEveryPath(l: LocalUses, a: AwaitSite): boolean {
  return l.allMoves.some(
    (m) =>
      m.point < a.point && !m.partial && isPrefix(m.region, a.region) && !l.reinitialised(m, a),
  );
}

/**
 * Where the storage ends: at a move on the local's own path (not a branch) before any borrow,
 * that frees it and is not followed by an assignment, or else at its scope end: the storage can
 * then share bytes with what is saved later (ref 27_drop_flags::moved_between, 29_deferred_future).
 */
function storageEnd(l: LocalUses): number {
  const { local } = l;
  const freeingMove = l.moves.find(
    (m) =>
      !l.borrowedBeforeMove(m) &&
      m.region.length === local.region.length &&
      isPrefix(local.region, m.region) &&
      l.frees(m) &&
      !l.reinitialised(m, { point: local.end, region: local.region }),
  );
  return freeingMove ? freeingMove.point : local.end;
}

/**
 * `if c { take(v) } else { drop(v); tick().await }`: after a move that frees the value (not
 * borrowed before, never written again), rustc's storage conflicts count no storage for it on
 * that branch, so the awaitee of `tick()` may share its bytes (test/fuzz/asyncProgram.ts found it).
 */
function freeingMovesInBranches(l: LocalUses): Point[] {
  const { local } = l;
  const freeing = l.moves.filter(
    (m) =>
      m.region.length > local.region.length &&
      !l.borrowedBeforeMove(m) &&
      l.frees(m) &&
      !local.uses.some((w) => w.kind === 'write' && w.point > m.point),
  );
  // After an `if`/`match` that moves it on every branch, it needs no storage on any path.
  const afterEveryBranch = new BranchMoves(l.paths.body, freeing)
    .coveringGroups(local.region)
    .map((g) => ({ point: g.lastMove, region: local.region }));
  return [...freeing.map((m) => ({ point: m.point, region: m.region })), ...afterEveryBranch];
}

/**
 * Moved out and assigned again before every await that keeps it: before that assignment it needs
 * no storage, so it can share bytes with what is saved there (engine/67_reassigned_after_move.rs).
 * The same holds for a local declared without a value until it is first written.
 */
function storageStart(l: LocalUses, variants: Set<number>): number {
  const { local, moves } = l;
  if (local.deferredInit) {
    // `let n;` needs storage from its first write, as rustc's storage conflicts count it.
    return Math.min(...local.uses.filter((u) => u.kind === 'write').map((u) => u.point), local.end);
  }
  const reassigned = local.uses
    .filter(
      (w) =>
        w.kind === 'write' && moves.some((m) => m.point < w.point && isPrefix(m.region, w.region)),
    )
    .map((w) => w.point);
  const from = reassigned.length ? Math.max(...reassigned) : undefined;
  return from !== undefined &&
    l.paths.body.awaits.every((a) => !variants.has(a.index) || a.point > from)
    ? from
    : Math.min(local.init, local.storageFrom ?? Infinity);
}

/**
 * A drop flag (a hidden `bool`, saved at every await in the local's scope) is needed when some
 * drop point can be reached both with and without the value: a move on a branch that continues
 * to the scope end, or a move after an await where it was saved, with code that can still unwind
 * before the scope ends (ref 27_drop_flags; engine/57_moves_after_await.rs).
 */
function needsDropFlag(l: LocalUses, variants: Set<number>): boolean {
  const { local, paths, allMoves } = l;
  const body = paths.body;
  if (!l.traits.drop || allMoves.length === 0 || local.ty.k === 'unknown') {
    return false;
  }
  // Something that can unwind after the move, on the move's own path, before the scope ends.
  const unwindsAfter = (m: Use) =>
    !!m.inCall ||
    [...body.awaits, ...body.unwindPoints].some(
      (u) => u.point > m.point && u.point < local.end && !paths.exclusive(m.region, u.region),
    ) ||
    body.locals.some(
      (o) =>
        o !== local &&
        o.uses.some(
          (u) => u.point > m.point && u.point < local.end && !paths.exclusive(m.region, u.region),
        ),
    );
  // A move between two points that can unwind: the scope's shared cleanup path is reached both
  // with the value and without it, whether or not the value itself is saved anywhere.
  // A future is assumed to have drop glue (an `async {}` that captures nothing has none): the
  // rule needs to know (futures 0.3's `try_join!` test: 5 bytes, no flag).
  const movedAfterUnwinding =
    l.dropKnown &&
    l.moves.some(
      (m) =>
        body.unwindPoints.some(
          (u) => u.point > local.init && u.point < m.point && !paths.exclusive(u.region, m.region),
        ) && unwindsAfter(m),
    );
  if (movedAfterUnwinding) {
    return true;
  }
  const movedAfterSave = allMoves.some(
    (m) =>
      [...variants].some(
        (v) => body.awaits[v].point < m.point && !paths.exclusive(body.awaits[v].region, m.region),
      ) && unwindsAfter(m),
  );
  // A move on a branch, unless the `if`/`match` moves it on every branch: then it is gone on
  // every path and its drop needs no flag (engine/97_moves_and_unwinding.rs).
  const everyBranch = local.uses.some((u) => u.kind === 'write')
    ? []
    : new BranchMoves(body, l.moves).coveringGroups(local.region);
  const conditional = allMoves.some(
    (m) =>
      m.region.length > local.region.length &&
      !everyBranch.some((g) => g.group === body.regionGroups.get(m.region[local.region.length])) &&
      (!paths.diverges(m.region, local.region.length) || unwindsAfter(m)),
  );
  return movedAfterSave || conditional;
}

function dropFlag(local: Local, body: BodyResult): SavedInfo {
  const flagVariants = new Set(
    body.awaits.filter((a) => local.init < a.point && a.point < local.end).map((a) => a.index),
  );
  const boolTy: Ty = { k: 'prim', name: 'bool' };
  const flag: Local = {
    ...local,
    id: -local.id - 1,
    name: null,
    kind: 'drop-flag',
    ty: boolTy,
    // A flag is never the guard its value is (a cached walk keeps the value's guard on the local).
    guard: undefined,
    uses: [],
    order: local.order + 0.5,
  };
  return { local: flag, variants: flagVariants, start: -Infinity, end: Infinity };
}

/**
 * For every local of the body, the awaits where it is saved: its storage is live there
 * (in scope, not moved out unless borrowed) and it is live (used later, dropped later, or borrowed
 * before).
 */
export function computeSaved(body: BodyResult, layoutOf: (ty: Ty) => Layout): SavedInfo[] {
  const result: SavedInfo[] = [];
  const paths = new BodyPaths(body);
  for (const local of body.locals) {
    if (livesOutsideTheState(local)) {
      continue;
    }
    if (local.fixedAwait !== undefined) {
      // An awaited future is saved at its own await only (ref 01: `aw`).
      result.push({
        local,
        variants: new Set([local.fixedAwait]),
        start: local.init,
        end: local.end,
      });
      continue;
    }
    const l = new LocalUses(local, paths, local.ty.k === 'future' ? null : layoutOf(local.ty));
    const variants = new Set<number>();
    const movedOutAt = new Set<number>();
    for (const a of body.awaits) {
      if (!outsideStorage(l, a) && movedOutOnEveryPath(l, a)) {
        movedOutAt.add(a.index);
      }
      if (savedAt(l, a)) {
        variants.add(a.index);
      }
    }
    if (variants.size) {
      const freedAfter = freeingMovesInBranches(l);
      result.push({
        local,
        variants,
        start: storageStart(l, variants),
        end: storageEnd(l),
        ...(movedOutAt.size ? { movedOutAt } : {}),
        ...(freedAfter.length ? { freedAfter } : {}),
      });
    }
    if (needsDropFlag(l, variants)) {
      const flag = dropFlag(local, body);
      if (flag.variants.size > 0) {
        result.push(flag);
      }
    }
  }
  return result;
}
