/**
 * Fixes for values a future keeps across an `.await`, as exact text edits:
 *
 * - wrap-in-block: the statements from the value's `let` to its last use go into `{ ... }`, so its
 *   scope ends before the await (bindings still needed afterwards are returned from the block);
 * - drop-before-await: `drop(x);` before the await, only for values that are never used (a value
 *   that was ever borrowed stays in the future even after `drop`, coroutine-layout.md 2.1);
 * - box-value: `Box::new(..)` for a large value that must live across the await;
 * - box-pin-future: `Box::pin(..).await` for a large awaited future.
 *
 * Fixes are planned from the engine's report (which values are held where) and the syntax tree
 * (uses, scopes, statements). With `verify` (the default) each candidate is applied and the file is
 * analysed again: a fix is offered only when the result still parses and the engine sees the future
 * shrink, and its `expectedSaving` is that difference.
 */
import { applyEdits, applyFixes, editsConflict, lineStarts, sourceHash } from './applyEdits';
import { editAndReparse } from './editedTree';
import { analyzeSource, Edition } from '../engine';
import { WalkCache } from '../incremental/walkCache';
import { BlockTail, blockTailFor } from './blockTail';
import { BoxPinPlanner } from './boxPin';
import type { Candidate } from './candidate';
import { ItemTable, RangeScope } from './fixScope';
import { MacroAwareNodes } from './macroNodes';
import { stateShrinks } from './savedState';
import {
  ITEM_TYPES,
  SourceLines,
  attachedStart,
  containsOwnAwait,
  declarationOf,
  derefCompatible,
  findFutureNode,
  futureBody,
  indexOfNode,
  insertAt,
  isAncestor,
  isWithin,
  mentionsOf,
  multilineStringRows,
  statementsOf,
  usesAfter,
} from './fixSyntax';
import type { Fix, SourceEdit, SourcePosition } from './fixTypes';
import { parseRust, SyntaxNode, Tree } from '../syntax/parser';
import type { AwaitPoint, FileReport, FutureReport, HeldValue } from '../report';

export interface FixOptions {
  /** Name used when the file is analysed again (only shows in notices). */
  file?: string;
  /** Edition for the re-analysis; default 2021. */
  edition?: Edition;
  /** A parse of exactly `text`; the caller keeps ownership. Without it the text is parsed here. */
  tree?: Tree;
  /** Re-analyse each candidate and keep only those that shrink the future (default true). */
  verify?: boolean;
  /** Box values of at least this many bytes (default 256). */
  boxValueMinBytes?: number;
  /** `Box::pin` awaited futures of at least this many bytes (default 1024). */
  boxPinMinBytes?: number;
  /**
   * Refactorings (refactorings.ts): only the bindings declared on these 1-based lines, and a fix
   * that frees a value at its await without shrinking the whole future is kept too.
   */
  refactorLines?: { from: number; to: number };
  /**
   * Only fixes that can be preferred (what `fix` applies): the planners that never propose one
   * (boxing) are skipped, and so is the verification of every candidate that is not preferred.
   */
  preferredOnly?: boolean;
  /**
   * A `performance.now()` time after which no more candidates are verified: those left are
   * dropped, never offered unverified.
   */
  deadline?: number;
}

const DEFAULT_BOX_VALUE_MIN_BYTES = 256;
const DEFAULT_BOX_PIN_MIN_BYTES = 1024;
/** What a `Box` or `Pin<Box<_>>` of a sized value costs in the future. */
const POINTER_BYTES = 8;

/**
 * Every fix for the held values of `report`, which must describe `text`. Pure: never throws for
 * bad input, never changes anything; trees it creates are deleted before it returns.
 */
export function computeFixes(text: string, report: FileReport, options: FixOptions = {}): Fix[] {
  let tree: Tree | undefined = options.tree;
  let owned = false;
  if (!tree) {
    try {
      tree = parseRust(text);
      owned = true;
    } catch {
      return [];
    }
  }
  try {
    return fixesOf(text, tree, report, options, new WalkCache()).fixes;
  } finally {
    if (owned) {
      tree.delete();
    }
  }
}

/**
 * The fixes of `text` (parsed as `tree`); `walkCache` keeps the walks of the fns a candidate
 * leaves alone, and may hold those of earlier analyses of `text`.
 */
function fixesOf(
  text: string,
  tree: Tree,
  report: FileReport,
  options: FixOptions,
  walkCache: WalkCache,
): Verified {
  const nodes = new MacroAwareNodes(tree.rootNode);
  try {
    const candidates = new FixPlanner(text, nodes, report, options).plan();
    if (options.verify === false) {
      const hash = sourceHash(text);
      const fixes = candidates.map((c) => ({
        ...toFix(c, c.valueSize, c.preferred, ''),
        sourceHash: hash,
      }));
      return { fixes, unchecked: 0 };
    }
    const checked = options.preferredOnly ? candidates.filter((c) => c.preferred) : candidates;
    return verifyAll(text, tree, report, checked, options, walkCache);
  } finally {
    nodes.dispose();
  }
}

export interface FixAllOptions {
  file?: string;
  edition?: Edition;
  /** Upper bound on analyse-and-fix rounds (default 50). */
  maxPasses?: number;
  /**
   * Time for the whole run; when it is up, the fixes verified so far are applied and a notice
   * says what was left. Default: {@link FIX_BUDGET_FACTOR} times the first analysis, at least
   * {@link FIX_BUDGET_FLOOR_MS}.
   */
  budgetMs?: number;
}

/** `fix` may take this many times the analysis of the file it fixes... */
export const FIX_BUDGET_FACTOR = 4;
/** ...and at least this long (a small file's analysis takes a few ms). */
export const FIX_BUDGET_FLOOR_MS = 1000;

/** A fix applied by {@link fixAll}, with its position mapped back to the original text. */
export interface AppliedFix {
  fix: Fix;
  /** 1-based position in the original text. */
  line: number;
  column: number;
}

export type FixAllResult =
  | { ok: true; text: string; applied: AppliedFix[]; notices: string[] }
  | { ok: false; reason: string };

/**
 * Applies every preferred fix, the way `cargo clippy --fix` does: analyse, apply the preferred fixes
 * of futures that do not contain each other, analyse again, until nothing is left. A text that does
 * not parse is refused; a round whose result would not parse stops the process.
 */
export function fixAll(text: string, options: FixAllOptions = {}): FixAllResult {
  const edition = options.edition ?? '2021';
  const file = options.file ?? 'input.rs';
  let tree = cleanParse(text);
  if (!tree) {
    return { ok: false, reason: 'the file does not parse' };
  }
  const rounds: { fixes: Fix[]; edits: SourceEdit[]; before: string }[] = [];
  const notices: string[] = [];
  let current = text;
  // One walk cache for every round: a round's analysis re-walks only the fns the last one fixed,
  // and checking a candidate re-walks only the fn it edits.
  const walkCache = new WalkCache();
  const started = performance.now();
  let deadline: number | undefined;
  try {
    for (let pass = 0; pass < (options.maxPasses ?? 50); pass++) {
      const report = analyzeSource(current, { file, edition, tree, walkCache });
      walkCache.sweep();
      deadline ??= started + (options.budgetMs ?? defaultBudget(performance.now() - started));
      const fixOptions = { file, edition, preferredOnly: true, deadline };
      const { fixes, unchecked } = fixesOf(current, tree, report, fixOptions, walkCache);
      if (unchecked > 0) {
        notices.push(budgetNotice(performance.now() - started, unchecked));
      }
      const chosen = chooseCompatible(
        fixes.filter((f) => f.preferred),
        report,
      );
      const result = chosen.length > 0 ? applyFixes(current, chosen) : null;
      const next = result?.ok ? cleanParse(result.text) : null;
      if (!result?.ok || !next) {
        break;
      }
      tree.delete();
      tree = next;
      rounds.push({ fixes: chosen, edits: chosen.flatMap((f) => f.edits), before: current });
      current = result.text;
      if (unchecked > 0) {
        break;
      }
    }
  } finally {
    tree.delete();
  }
  const applied: AppliedFix[] = [];
  rounds.forEach((round, i) => {
    for (const fix of round.fixes) {
      // Map the target back through the earlier rounds' insertions to the original text.
      let pos = { row: fix.target.line - 1, column: fix.target.column - 1 };
      for (let j = i - 1; j >= 0; j--) {
        pos = mapBack(rounds[j].before, rounds[j].edits, pos);
      }
      applied.push({ fix, line: pos.row + 1, column: pos.column + 1 });
    }
  });
  applied.sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: true, text: current, applied, notices };
}

function defaultBudget(analysisMs: number): number {
  return Math.max(FIX_BUDGET_FLOOR_MS, FIX_BUDGET_FACTOR * analysisMs);
}

function budgetNotice(elapsedMs: number, unchecked: number): string {
  return (
    `fix stopped after ${Math.round(elapsedMs)} ms, its time budget, with ` +
    `${plural(unchecked, 'candidate fix', 'candidate fixes')} left unchecked: ` +
    'the fixes checked so far are applied; run it again to continue'
  );
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A parse of `text` without ERROR or MISSING nodes (the caller deletes it), or null. */
function cleanParse(text: string): Tree | null {
  let tree: Tree;
  try {
    tree = parseRust(text);
  } catch {
    return null;
  }
  if (countErrors(tree.rootNode) !== 0) {
    tree.delete();
    return null;
  }
  return tree;
}

/** Number of ERROR and MISSING nodes in a parse of `text` (-1 when it cannot be parsed at all). */
export function parseErrors(text: string): number {
  let tree: Tree;
  try {
    tree = parseRust(text);
  } catch {
    return -1;
  }
  try {
    return countErrors(tree.rootNode);
  } finally {
    tree.delete();
  }
}

function countErrors(root: SyntaxNode): number {
  if (!root.hasError) {
    return 0;
  }
  let count = 0;
  const cursor = root.walk();
  try {
    let done = false;
    while (!done) {
      const node = cursor.currentNode;
      if (node.isError || node.isMissing) {
        count++;
      }
      if (node.hasError && cursor.gotoFirstChild()) {
        continue;
      }
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) {
          done = true;
          break;
        }
      }
    }
  } finally {
    cursor.delete();
  }
  return count;
}

/** Preferred fixes that can go in one round: one per future, futures not nested, edits apart. */
function chooseCompatible(fixes: Fix[], report: FileReport): Fix[] {
  const spans = new Map(report.futures.map((f) => [f.name, { from: f.line, to: f.endLine }]));
  const sorted = [...fixes].sort((a, b) => (b.expectedSaving ?? 0) - (a.expectedSaving ?? 0));
  const chosen: Fix[] = [];
  for (const fix of sorted) {
    const span = spans.get(fix.futureName);
    if (!span) {
      continue;
    }
    const clash = chosen.some((other) => {
      const o = spans.get(other.futureName)!;
      return (o.from <= span.to && span.from <= o.to) || editsConflict(other.edits, fix.edits);
    });
    if (!clash) {
      chosen.push(fix);
    }
  }
  return chosen;
}

/** The position in `before` that `pos` (in the text after insert-only `edits`) came from. */
function mapBack(before: string, edits: SourceEdit[], pos: SourcePosition): SourcePosition {
  const starts = lineStarts(before);
  const inserts = edits
    .map((e) => ({
      at: starts[e.start.row] + e.start.column,
      removed: starts[e.end.row] + e.end.column - (starts[e.start.row] + e.start.column),
      text: e.newText,
    }))
    .sort((a, b) => a.at - b.at);
  const after = applyEdits(before, edits);
  if (!after.ok) {
    return pos;
  }
  const afterStarts = lineStarts(after.text);
  let offset = (afterStarts[pos.row] ?? 0) + pos.column;
  let shift = 0;
  for (const ins of inserts) {
    const newAt = ins.at + shift;
    if (offset < newAt) {
      break;
    }
    if (offset < newAt + ins.text.length) {
      offset = ins.at + shift;
      break;
    }
    shift += ins.text.length - ins.removed;
  }
  offset -= shift;
  let row = 0;
  while (row + 1 < starts.length && starts[row + 1] <= offset) {
    row++;
  }
  return { row, column: offset - starts[row] };
}

// ---------------------------------------------------------------------------------------------
// Planning

function toFix(
  c: Candidate,
  expectedSaving: number | null,
  preferred: boolean,
  sizeNote: string,
): Fix {
  const notes = preferred ? [] : c.notes;
  const detail = [c.what, sizeNote, ...notes.map((n) => `Not applied automatically: ${n}.`)]
    .filter((s) => s)
    .join(' ');
  return {
    id: `${c.kind}:${c.future.name}:${(c.idAt ?? c.target).line}:${(c.idAt ?? c.target).column}`,
    kind: c.kind,
    title: c.title,
    preferred,
    detail,
    futureName: c.future.name,
    target: c.target,
    expectedSaving,
    edits: c.edits,
    await: c.await && { index: c.await.index, line: c.await.line, column: c.await.column },
    valueSize: c.valueSize,
    pinned: c.pinned,
  };
}

/**
 * The report of `text` with a candidate's edits applied, or null when the edits do not apply or
 * the result does not parse as well as `text` (parsed as `base`, with `baseErrors` errors).
 */
function analyseCandidate(
  base: Tree,
  text: string,
  edits: readonly SourceEdit[],
  baseErrors: number,
  walkCache: WalkCache,
  options: { file: string; edition: Edition },
): FileReport | null {
  let edited;
  try {
    edited = editAndReparse(base, text, edits);
  } catch {
    return null;
  }
  if (!edited) {
    return null;
  }
  let tree: Tree | null = edited.tree;
  try {
    if (countErrors(tree.rootNode) > baseErrors) {
      // Rare (a candidate that breaks the syntax): a fresh parse has the last word, so the verdict
      // never depends on how the tree was parsed.
      tree.delete();
      tree = null;
      tree = parseRust(edited.text);
      if (countErrors(tree.rootNode) > baseErrors) {
        return null;
      }
    }
    return analyzeSource(edited.text, { ...options, tree, walkCache });
  } catch {
    return null;
  } finally {
    tree?.delete();
  }
}

/** Verified fixes, and how many candidates the deadline left unchecked. */
interface Verified {
  fixes: Fix[];
  unchecked: number;
}

function verifyAll(
  text: string,
  base: Tree,
  report: FileReport,
  candidates: Candidate[],
  options: FixOptions,
  walkCache: WalkCache,
): Verified {
  const hash = sourceHash(text);
  const baseErrors = countErrors(base.rootNode);
  const fixes: Fix[] = [];
  // Each candidate changes one fn: its text is re-parsed from `base` and the other fns' walks come
  // from the cache, so verifying n candidates costs about one analysis plus n walks of a fn, not n
  // analyses of the file.
  for (const [i, c] of candidates.entries()) {
    if (options.deadline !== undefined && performance.now() > options.deadline) {
      return { fixes, unchecked: candidates.length - i };
    }
    const after = analyseCandidate(base, text, c.edits, baseErrors, walkCache, {
      file: options.file ?? report.file,
      edition: options.edition ?? '2021',
    });
    walkCache.sweep();
    if (!after) {
      continue;
    }
    const verdict = compareReports(report, after, c.futureIndex);
    if (c.verifyBy === 'handover') {
      // The boxed future keeps its own size; what shrinks is the value handed over.
      if (verdict.saving === 0 && verdict.grown.length === 0) {
        fixes.push({ ...toFix(c, null, false, ''), sourceHash: hash });
      }
      continue;
    }
    if (verdict.saving !== null && verdict.saving <= 0) {
      const freed =
        options.refactorLines !== undefined &&
        c.await !== undefined &&
        verdict.saving === 0 &&
        verdict.grown.length === 0 &&
        stateShrinks(report.futures[c.futureIndex], after.futures[c.futureIndex], c.await.index);
      if (freed) {
        const note =
          `\`${c.future.name}\` keeps its size: another \`.await\` sets it, but the value ` +
          `no longer takes room at the \`.await\` on line ${c.await!.line}.`;
        fixes.push({ ...toFix(c, 0, false, note), sourceHash: hash });
      }
      continue;
    }
    let preferred = c.preferred;
    const notes = [...c.notes];
    if (verdict.saving === null) {
      preferred = false;
      notes.push('the engine cannot size the future, so the saving is not known');
    }
    if (verdict.grown.length > 0) {
      preferred = false;
      notes.push(`the engine expects ${verdict.grown.map((n) => `\`${n}\``).join(', ')} to grow`);
    }
    const before = c.future.size;
    const kept = c.kind === 'box-value' || c.kind === 'box-pin-future' ? POINTER_BYTES : 0;
    const hidden =
      c.valueSize !== null && verdict.saving !== null && verdict.saving < c.valueSize - kept;
    const sizeNote =
      verdict.saving !== null && before !== null
        ? `\`${c.future.name}\` shrinks from ${before} to ${before - verdict.saving} bytes${hidden ? ` (less than the value's ${c.valueSize} bytes: another state of the future or alignment padding sets its size)` : ''}.`
        : '';
    const fix = toFix({ ...c, notes }, verdict.saving, preferred, sizeNote);
    fix.sourceHash = hash;
    fixes.push(fix);
  }
  return { fixes, unchecked: 0 };
}

/** The target future's predicted saving (null when a size is unknown) and the futures that grow. */
function compareReports(
  before: FileReport,
  after: FileReport,
  index: number,
): { saving: number | null; grown: string[] } {
  if (after.futures.length !== before.futures.length) {
    return { saving: null, grown: [] };
  }
  const grown: string[] = [];
  before.futures.forEach((f, i) => {
    const g = after.futures[i];
    if (i !== index && f.size !== null && g.size !== null && g.size > f.size) {
      grown.push(f.name);
    }
  });
  const old = before.futures[index];
  const neu = after.futures[index];
  if (
    old.skipped !== undefined ||
    neu.skipped !== undefined ||
    old.kind !== neu.kind ||
    (old.kind === 'fn' && old.name !== neu.name)
  ) {
    return { saving: null, grown };
  }
  if (old.size === null || neu.size === null) {
    return { saving: null, grown };
  }
  const unsized = unsizedAfterFix(old, neu);
  return { saving: unsized === null ? null : old.size - (neu.size + unsized), grown };
}

/**
 * Bytes the engine could not size in the fixed future but could before. A binding returned from
 * the new block may lose its inferred type (the engine sizes it as 0); it costs at most what the
 * same binding cost before the fix, and nothing if it was not held before. Null when something
 * else became unknown.
 */
function unsizedAfterFix(old: FutureReport, neu: FutureReport): number | null {
  const before = new Map<string, number>();
  for (const a of old.awaits) {
    for (const h of a.held) {
      if (h.name !== null && h.exact && h.size !== null) {
        before.set(h.name, Math.max(before.get(h.name) ?? 0, h.size));
      }
    }
  }
  const names = new Set<string>();
  for (const a of neu.awaits) {
    for (const h of a.held) {
      if (
        h.exact ||
        old.awaits.some((o) =>
          o.held.some(
            (x) => !x.exact && x.name === h.name && x.kind === h.kind && x.type === h.type,
          ),
        )
      ) {
        continue;
      }
      if ((h.kind !== 'binding' && h.kind !== 'argument') || h.name === null) {
        return null;
      }
      names.add(h.name);
    }
  }
  let extra = 0;
  for (const name of names) {
    extra += before.get(name) ?? 0;
  }
  return extra;
}

/** Where a binding or argument is declared, and the values held with it at each await. */
interface HeldBinding {
  value: HeldValue;
  awaits: AwaitPoint[];
}

class FixPlanner {
  private readonly src: SourceLines;
  private readonly items: ItemTable;
  private readonly boxValueMin: number;
  private readonly pins: BoxPinPlanner;
  private readonly refactorLines: { from: number; to: number } | null;
  /** Plans only what can be preferred: boxing never is (it allocates on every call). */
  private readonly preferredOnly: boolean;

  private readonly root: SyntaxNode;

  constructor(
    text: string,
    private readonly nodes: MacroAwareNodes,
    private readonly report: FileReport,
    options: FixOptions,
  ) {
    this.root = nodes.root;
    this.src = new SourceLines(text);
    this.items = new ItemTable(this.root);
    this.boxValueMin = options.boxValueMinBytes ?? DEFAULT_BOX_VALUE_MIN_BYTES;
    this.refactorLines = options.refactorLines ?? null;
    this.preferredOnly = options.preferredOnly === true;
    this.pins = new BoxPinPlanner(
      nodes,
      report,
      this.items,
      options.boxPinMinBytes ?? DEFAULT_BOX_PIN_MIN_BYTES,
    );
  }

  plan(): Candidate[] {
    const out: Candidate[] = [];
    this.report.futures.forEach((future, index) => {
      if (future.skipped !== undefined) {
        return;
      }
      // A future written inside a macro's arguments has no node in the file's tree: its awaits
      // can still be boxed (they are found through the macro's re-parse), its bindings not.
      const node = findFutureNode(this.root, future);
      const body = node ? futureBody(node) : null;
      if (node?.hasError) {
        return;
      }
      const lines = this.refactorLines;
      try {
        for (const held of body ? heldBindings(future) : []) {
          if (!lines || (held.value.line >= lines.from && held.value.line <= lines.to)) {
            out.push(...this.planBinding(future, index, body!, held));
          }
        }
        for (const a of lines || this.preferredOnly ? [] : future.awaits) {
          out.push(...this.pins.planAwait(future, index, a));
        }
      } catch {
        // A shape of code the planner does not expect: no fixes for this future, the others still get theirs.
      }
    });
    try {
      out.push(...(this.refactorLines || this.preferredOnly ? [] : this.pins.planHandovers()));
    } catch {
      // As above: no handover fixes, the others stay.
    }
    return out;
  }

  private planBinding(
    future: FutureReport,
    futureIndex: number,
    body: SyntaxNode,
    held: HeldBinding,
  ): Candidate[] {
    const { value } = held;
    if (this.preferredOnly && !value.exact) {
      // Never preferred (see withKnownType): not worth planning.
      return [];
    }
    const name = value.name!;
    const idNode = this.nodeAt(value.line, value.column);
    if (
      !idNode ||
      !(idNode.type === 'identifier' || idNode.type === 'self') ||
      idNode.text !== name
    ) {
      return [];
    }
    const decl = declarationOf(idNode);
    if (!decl) {
      return [];
    }
    const sizeAt = (a: AwaitPoint) =>
      a.held.find((h) => h.name === name && h.line === value.line && h.column === value.column)
        ?.size ?? null;
    if (decl.kind === 'param') {
      if (body.type !== 'block' || !isWithin(decl.node, future, this.root)) {
        return [];
      }
      const c = this.planDrop(future, futureIndex, body, null, held, sizeAt);
      return c ? [withKnownType(c, held.value)] : [];
    }
    const letNode = decl.node;
    const block = letNode.parent;
    if (!block || block.type !== 'block' || !isAncestor(body, block)) {
      return [];
    }
    const stmts = statementsOf(block);
    const iL = indexOfNode(stmts, letNode);
    if (iL < 0) {
      return [];
    }
    const uses = usesAfter(stmts, iL + 1, name);
    const lastUse = uses.mentions.length > 0 ? Math.max(...uses.mentions.map((m) => m.index)) : iL;
    // The awaits this binding is held at, as statement indexes of its block.
    const heldAt = held.awaits
      .map((a) => ({ a, index: this.statementOfAwait(block, stmts, a) }))
      .filter((x): x is { a: AwaitPoint; index: number } => x.index !== null && x.index > iL)
      .sort((x, y) => x.a.index - y.a.index);
    const freed = heldAt.filter((x) => x.index > lastUse);
    const out: Candidate[] = [];
    if (freed.length > 0) {
      const target = freed[0];
      if (uses.mentions.length === 0) {
        const c = this.planDrop(
          future,
          futureIndex,
          block,
          { stmts, iL, shadow: uses.shadowedAt },
          held,
          sizeAt,
        );
        if (c) {
          out.push(c);
        }
      } else {
        const c = this.planWrap(
          future,
          futureIndex,
          block,
          stmts,
          iL,
          lastUse,
          target.index,
          held,
          target.a,
          sizeAt(target.a),
          uses.mentions[0].node,
        );
        if (c) {
          out.push(c);
        }
      }
    }
    if (out.length === 0 && !this.preferredOnly) {
      const box = this.planBox(future, futureIndex, letNode, stmts, iL, held, sizeAt);
      if (box) {
        out.push(box);
      }
    }
    return out.map((c) => withKnownType(c, held.value));
  }

  /** `drop(x);` before the statement holding the first await `x` is kept at; `x` is never used. */
  private planDrop(
    future: FutureReport,
    futureIndex: number,
    block: SyntaxNode,
    local: { stmts: SyntaxNode[]; iL: number; shadow: number | null } | null,
    held: HeldBinding,
    sizeAt: (a: AwaitPoint) => number | null,
  ): Candidate | null {
    const name = held.value.name!;
    const stmts = local?.stmts ?? statementsOf(block);
    const from = local ? local.iL + 1 : 0;
    if (!local && stmts.some((s) => mentionsOf(s, name).length > 0)) {
      return null;
    }
    const heldAt = held.awaits
      .map((a) => ({ a, index: this.statementOfAwait(block, stmts, a) }))
      .filter((x): x is { a: AwaitPoint; index: number } => x.index !== null && x.index >= from)
      .sort((x, y) => x.a.index - y.a.index);
    if (heldAt.length === 0) {
      return null;
    }
    const target = heldAt[0];
    // A shadowing `let` makes the value unreachable by name: drop it before that statement.
    const at =
      local?.shadow !== null && local?.shadow !== undefined
        ? Math.min(local.shadow, target.index)
        : target.index;
    if (this.items.shadowsDrop) {
      return null;
    }
    const edit = this.insertLineBefore(block, stmts[at], `drop(${name});`);
    if (!edit) {
      return null;
    }
    const notes: string[] = [];
    if (name.startsWith('_')) {
      notes.push(
        `\`${name}\` is named like a guard kept on purpose; dropping it earlier changes what it protects`,
      );
    }
    const line = target.a.line;
    return {
      kind: 'drop-before-await',
      title: `Drop \`${name}\` before the \`.await\` on line ${line}`,
      preferred: notes.length === 0,
      notes,
      what: `\`${name}\` is never used, but it is kept in the future until the end of its scope; \`drop(${name})\` frees it before the \`.await\`.`,
      future,
      futureIndex,
      target: { name, line: held.value.line, column: held.value.column },
      await: target.a,
      valueSize: sizeAt(target.a),
      edits: [edit],
    };
  }

  /** Wraps statements `iL..=last` in a block that ends before the await at `target`. */
  private planWrap(
    future: FutureReport,
    futureIndex: number,
    block: SyntaxNode,
    stmts: SyntaxNode[],
    iL: number,
    lastUse: number,
    targetIndex: number,
    held: HeldBinding,
    target: AwaitPoint,
    valueSize: number | null,
    firstUse: SyntaxNode,
  ): Candidate | null {
    const name = held.value.name!;
    // A returned binding that may borrow from the block (a closure over the buffer, an iterator
    // into it) is moved into the block too, up to its own last use before the await.
    let last = lastUse;
    let scope: RangeScope;
    for (;;) {
      scope = new RangeScope(
        stmts.slice(iL, last + 1),
        stmts.slice(last + 1),
        this.items,
        this.report,
        (macro) => this.nodes.arguments(macro),
      );
      let extended = last;
      for (const e of scope.exported()) {
        // Also a returned binding that is itself kept across the await (borrowed by `format!`, say):
        // ending it in the same block frees it too, and avoids a second block around it later.
        if (!scope.ownedBinding(e.name) || heldAt(target, e.name, e.decl)) {
          const uses = usesAfter(stmts, last + 1, e.name).mentions;
          const end = Math.max(...uses.map((u) => u.index));
          if (end < targetIndex) {
            extended = Math.max(extended, end);
          }
        }
      }
      if (extended === last) {
        break;
      }
      last = extended;
    }
    const range = stmts.slice(iL, last + 1);
    if (
      range.some(
        (s) =>
          ITEM_TYPES.has(s.type) ||
          (s.type === 'expression_statement' &&
            s.namedChildren[0]?.type === 'macro_invocation' &&
            /^macro_rules\b/.test(s.text)),
      )
    ) {
      return null;
    }
    const exported = scope.exported();
    const notes: string[] = [];
    const problems: string[] = [];
    for (const e of exported) {
      if (!e.decl.childForFieldName('value')) {
        problems.push(`\`${e.name}\` is declared without a value`);
      } else if (e.byRef) {
        problems.push(`\`${e.name}\` is a \`ref\` binding`);
      } else if (!scope.ownedBinding(e.name)) {
        // Used at or after the await, so the block cannot take in its uses: if it does borrow (an
        // iterator or closure over the value), E0597. An offered fix must compile: none here.
        problems.push(`\`${e.name}\` is used after the block and may borrow from it`);
      }
    }
    if (problems.length > 0 || scope.onlyMovedIntoExported(name)) {
      return null;
    }
    const risks = scope.storeRisks();
    if (risks.sure.length > 0 || risks.maybe.length > 0) {
      // Storing a borrow of the block's locals where it outlives the block (`outer = view`,
      // `keep(&mut all, view)`) is E0597 once the block exists: not proven safe, not offered.
      return null;
    }
    if (exported.length > 0 && range.some((stmt) => containsOwnAwait(stmt))) {
      // The returned bindings are written while the block's locals still exist, so rustc makes them
      // conflict with the values saved at the awaits inside the block: they may be kept in every state.
      notes.push(
        `the block contains an \`.await\`, and returning ${exported.map((e) => `\`${e.name}\``).join(', ')} from it may keep ${exported.length === 1 ? 'it' : 'them'} in every state of the future`,
      );
    }
    const guard = scope.guardsDroppedEarly(name);
    if (guard) {
      notes.push(`\`${guard}\` would be dropped before the \`.await\` too`);
    }
    const returned = exported.map((e) => ({
      name: e.name,
      mutable: e.mutable && scope.mutatedAfter(e.name),
    }));
    const tail = exported.length === 1 ? blockTailFor(stmts[last], exported[0].name, range) : null;
    const edits = this.wrapEdits(block, stmts, iL, last, returned, tail);
    if (!edits) {
      return null;
    }
    const useLine = firstUse.startPosition.row + 1;
    const keep =
      exported.length > 0
        ? ` and returns ${exported.map((e) => `\`${e.name}\``).join(', ')} from it`
        : '';
    return {
      kind: 'wrap-in-block',
      title: `Move \`${name}\` into its own block`,
      preferred: notes.length === 0,
      notes,
      what:
        `Ends the scope of \`${name}\` before the \`.await\` on line ${target.line}${keep}. ` +
        `\`drop(${name})\` would not free it: \`${name}\` is used on line ${useLine}, and a value that was ever borrowed stays in the future until the end of its scope, even after it is moved.`,
      future,
      futureIndex,
      target: { name, line: held.value.line, column: held.value.column },
      await: target,
      valueSize,
      edits,
    };
  }

  /** `let x = Box::new(..);` for a large value whose uses all still compile through auto-deref. */
  private planBox(
    future: FutureReport,
    futureIndex: number,
    letNode: SyntaxNode,
    stmts: SyntaxNode[],
    iL: number,
    held: HeldBinding,
    sizeAt: (a: AwaitPoint) => number | null,
  ): Candidate | null {
    const name = held.value.name!;
    const size = held.value.size;
    const type = held.value.type ?? '';
    if (
      size === null ||
      size < this.boxValueMin ||
      type.startsWith('{') ||
      /^(Box|Pin|Rc|Arc)</.test(type) ||
      type.startsWith('&')
    ) {
      return null;
    }
    const pattern = letNode.childForFieldName('pattern');
    const value = letNode.childForFieldName('value');
    if (
      !pattern ||
      pattern.type !== 'identifier' ||
      !value ||
      letNode.childForFieldName('alternative')
    ) {
      return null;
    }
    const uses = usesAfter(stmts, iL + 1, name);
    if (uses.mentions.length === 0 || !uses.mentions.every((m) => derefCompatible(m.node))) {
      return null;
    }
    const edits: SourceEdit[] = [
      insertAt(value.startPosition, 'Box::new('),
      insertAt(value.endPosition, ')'),
    ];
    // `&x` becomes `&*x`, so the reference keeps its type and every coercion still applies.
    for (const m of uses.mentions) {
      if (m.node.parent?.type === 'reference_expression') {
        edits.push(insertAt(m.node.startPosition, '*'));
      }
    }
    const typeNode = letNode.childForFieldName('type');
    if (typeNode) {
      edits.push(insertAt(typeNode.startPosition, 'Box<'), insertAt(typeNode.endPosition, '>'));
    }
    const first = [...held.awaits].sort((a, b) => a.index - b.index)[0];
    return {
      kind: 'box-value',
      title: `Put \`${name}\` in a \`Box\``,
      preferred: false,
      notes: [
        'boxing allocates on every call; consider whether the value must live across the `.await`',
      ],
      what: `\`${name}\` (${size} bytes) is used after the \`.await\`; boxing it keeps an 8-byte pointer in the future instead.`,
      future,
      futureIndex,
      target: { name, line: held.value.line, column: held.value.column },
      await: first,
      valueSize: sizeAt(first),
      edits,
    };
  }

  private nodeAt(line: number, column: number): SyntaxNode | null {
    const pos = { row: line - 1, column: column - 1 };
    return this.root.descendantForPosition(pos) ?? null;
  }

  /** The index in `stmts` of the statement that contains the `.await` of `a`, or null. */
  private statementOfAwait(block: SyntaxNode, stmts: SyntaxNode[], a: AwaitPoint): number | null {
    const keyword = this.nodeAt(a.line, a.column);
    if (!keyword || keyword.type !== 'await') {
      return null;
    }
    let n: SyntaxNode | null = keyword;
    while (n && n.parent && n.parent.id !== block.id) {
      n = n.parent;
    }
    if (!n || !n.parent) {
      return null;
    }
    const i = indexOfNode(stmts, n);
    return i < 0 ? null : i;
  }

  /** A new line `text` before `stmt` (and the comments attached to it), indented like `stmt`. */
  private insertLineBefore(block: SyntaxNode, stmt: SyntaxNode, text: string): SourceEdit | null {
    const first = attachedStart(block, stmt);
    if (!this.src.startsRow(first.startPosition)) {
      return null;
    }
    const indent = this.src.indentOf(stmt.startPosition.row);
    return insertAt(
      { row: first.startPosition.row, column: 0 },
      `${indent}${text}${this.src.newline}`,
    );
  }

  /**
   * Edits that put `stmts[i0..=i1]` in a block, returning `exported` from it: insertions only,
   * except that with `tail` the last `let` becomes the block's tail expression.
   */
  private wrapEdits(
    block: SyntaxNode,
    stmts: SyntaxNode[],
    i0: number,
    i1: number,
    exported: { name: string; mutable: boolean }[],
    tail: BlockTail | null,
  ): SourceEdit[] | null {
    const first = attachedStart(block, stmts[i0]);
    const last = stmts[i1];
    if (!this.src.startsRow(first.startPosition) || !this.src.endsRow(last.endPosition)) {
      return null;
    }
    const startRow = first.startPosition.row;
    const endRow = last.endPosition.row;
    const indent = this.src.indentOf(stmts[i0].startPosition.row);
    const unit = this.src.indentUnit(block, indent);
    const nl = this.src.newline;
    const insideStrings = multilineStringRows(stmts.slice(i0, i1 + 1));
    let open: string;
    let close: string;
    if (exported.length === 0) {
      open = `${indent}{${nl}`;
      close = `${nl}${indent}}`;
    } else {
      const pattern =
        exported.length === 1
          ? `${exported[0].mutable ? 'mut ' : ''}${exported[0].name}`
          : `(${exported.map((e) => `${e.mutable ? 'mut ' : ''}${e.name}`).join(', ')})`;
      const result =
        exported.length === 1 ? exported[0].name : `(${exported.map((e) => e.name).join(', ')})`;
      const annotation = tail?.typeText ? `: ${tail.typeText}` : '';
      open = `${indent}let ${pattern}${annotation} = {${nl}`;
      close = tail ? `${nl}${indent}};` : `${nl}${indent}${unit}${result}${nl}${indent}};`;
    }
    const edits: SourceEdit[] = [];
    for (let row = startRow; row <= endRow; row++) {
      const blank = this.src.lineText(row).trim() === '';
      const indentHere = !blank && !insideStrings.has(row) ? unit : '';
      if (row === startRow) {
        edits.push(insertAt({ row, column: 0 }, open + indentHere));
      } else if (indentHere) {
        edits.push(insertAt({ row, column: 0 }, indentHere));
      }
    }
    edits.push(insertAt({ row: endRow, column: this.src.lineText(endRow).length }, close));
    if (exported.length > 0 && tail) {
      edits.push(...tail.edits);
    }
    return edits;
  }
}

/** A value whose type the engine only partly knows may not be kept by rustc at all: offer, do not prefer. */
function withKnownType(c: Candidate, value: HeldValue): Candidate {
  if (value.exact) {
    return c;
  }
  return {
    ...c,
    preferred: false,
    notes: [
      ...c.notes,
      `the engine does not know the exact type of \`${value.name}\`, so the saving is a guess`,
    ],
  };
}

/** Whether the binding `name` declared by `decl` is among the values held at `a`. */
function heldAt(a: AwaitPoint, name: string, decl: SyntaxNode): boolean {
  return a.held.some(
    (h) =>
      h.kind === 'binding' &&
      h.name === name &&
      h.line - 1 >= decl.startPosition.row &&
      h.line - 1 <= decl.endPosition.row,
  );
}

function heldBindings(future: FutureReport): HeldBinding[] {
  const byKey = new Map<string, HeldBinding>();
  for (const a of future.awaits) {
    for (const h of a.held) {
      if ((h.kind !== 'binding' && h.kind !== 'argument') || h.name === null) {
        continue;
      }
      const key = `${h.name}@${h.line}:${h.column}`;
      const entry = byKey.get(key);
      if (entry) {
        entry.awaits.push(a);
      } else {
        byKey.set(key, { value: h, awaits: [a] });
      }
    }
  }
  return [...byKey.values()];
}
