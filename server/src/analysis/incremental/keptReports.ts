/**
 * The reports of a document's last analysis, kept per fn, so that a keystroke inside one fn's
 * body sizes that fn's futures only. The other fns' reports are taken as they were, moved with
 * their text, without finding their nodes again, restoring their walks or looking their reports
 * up: their text is unchanged, and so is what their walks read (`KeptEdit.othersUnchanged`).
 * What their reports read of the edited fn's futures (their layouts) is compared after the edited
 * fn is sized; when one of them changed (a key that changes the fn's size), the fns whose reports
 * read it, and the fns that read theirs in turn, are sized again with it (`FocusResult.resize`),
 * their walks taken from the walk cache. When the edited fn's analysis read what the kept fns'
 * entries do not give (`FocusPlan.leftFocus`), or too many fns read the changed layouts, the whole
 * file is analysed as before.
 *
 * Kept only for a file whose futures are all in fns no fn encloses, whose reports read only the
 * layouts of the file's own futures (no generic instances, no cycle of awaits), and whose notices
 * come from one fn at most (they are kept only for edits in that fn).
 */
import type { FnInfo } from '../items/items';
import type { FutureReport } from '../report';
import type { Calibration } from '../types/calibration';
import type { FutureRecord } from './hiddenByParseErrors';
import type { KeptEdit } from './keptIndex';
import type { LayoutRead } from './reportMemo';
import { shiftReport } from './shiftReport';
import type { WalkCache } from './walkCache';
import type { Place } from './walkUnits';

/** A future of an analysis, in report order, with what its report read. */
export interface KeptFuture {
  id: string;
  report: FutureReport;
  /** Where its node starts in the analysed text. */
  start: number;
  /** The future layouts its report read; null when not known (then nothing is kept). */
  deps: LayoutRead[] | null;
  /** Its walk and its report in the walk cache, kept from expiring while kept here. */
  unitKey: string | undefined;
  memoKey: string | null;
}

/** A fn of the file: its text's offsets and where it starts. */
export interface FnSpan {
  start: number;
  end: number;
  anchor: Place;
}

/** What an analysis leaves for the next keystroke. */
export interface AnalysisResult {
  text: string;
  /** What else the reports depend on: the cfg, the edition, the file's name. */
  settings: string;
  calibration: Calibration | undefined;
  /** Every fn of the file, in the order of their text. */
  fns: FnSpan[];
  futures: KeptFuture[];
  records: FutureRecord[];
  notices: string[];
  /** Where the future of each notice starts; null when a notice is not a future's. */
  noticesAt: number[] | null;
}

interface Kept extends AnalysisResult {
  /** The fn (by position in `fns`) of each future. */
  fnOf: number[];
  /** The fn the notices come from, if there are any. */
  noticesFrom: number | null;
}

const kept = new WeakMap<WalkCache, Kept>();

/**
 * Since the process started (for tests): analyses that sized one fn and kept the others, and of
 * those, the ones that sized the fns reading the edited fn's layouts again (`resized`).
 */
export const keptReportsCounts = { used: 0, resized: 0 };

/** Keeps an analysis' reports for the next keystroke, when they can be kept (see above). */
export function keepReports(cache: WalkCache, result: AnalysisResult): void {
  kept.delete(cache);
  const noticesFrom = noticesFn(result);
  if (noticesFrom === -1) {
    return;
  }
  for (let i = 1; i < result.fns.length; i++) {
    if (result.fns[i].start < result.fns[i - 1].end) {
      // A fn inside another's text: its futures are not in one fn's span.
      return;
    }
  }
  const fnOf: number[] = [];
  for (const future of result.futures) {
    const fn = fnHolding(result.fns, future.start);
    if (fn < 0) {
      // A future outside the fns (a const's, a static's): nothing is kept.
      return;
    }
    fnOf.push(fn);
  }
  const ids = new Set(result.futures.map((f) => f.id));
  const selfContained = result.futures.every(
    (f) =>
      f.deps !== null && f.deps.every(([id, signature]) => ids.has(id) && signature !== 'cycle'),
  );
  if (selfContained) {
    kept.set(cache, { ...result, fnOf, noticesFrom });
  }
}

/** The one fn all notices are of (null: no notices); -1 when there is none such. */
function noticesFn(result: AnalysisResult): number | null {
  if (result.notices.length === 0) {
    return null;
  }
  const fns = new Set((result.noticesAt ?? [-1]).map((at) => fnHolding(result.fns, at)));
  return fns.size === 1 ? [...fns][0] : -1;
}

/** Forgets what was kept (an analysis that cannot keep its reports). */
export function dropReports(cache: WalkCache): void {
  kept.delete(cache);
}

/** What an analysis of the edited fn alone needs of the kept reports. */
export interface FocusPlan {
  /** The edited fn as the new index has it; null when no fn's text changed. */
  fn: FnInfo | null;
  /**
   * Whether the fn starting at `start` (in the new text) is one whose text did not change but
   * that is sized again with the edited fn: its report read a layout the edit changed.
   */
  resizes(start: number): boolean;
  /** The kept reports of the other fns' futures, moved to where they are now, by future id. */
  reportOf(id: string): FutureReport | undefined;
  /** Whether the future is one of the other fns' (their blocks and closures have no entry). */
  isKept(id: string): boolean;
  /** The ids of the edited and re-sized fns' futures in the last analysis. */
  editedIds: ReadonlySet<string>;
}

interface Plan extends FocusPlan {
  last: Kept;
  edit: KeptEdit;
  /** The fn the edit is in, by position in the last analysis' `fns` (-1: none). */
  editedFn: number;
  /** The fns analysed (the edited one and those re-sized), by position in `fns`. */
  focused: ReadonlySet<number>;
  /** The futures of the other fns, moved, by position in the last analysis' futures. */
  moved: (FutureReport | null)[];
  movedFns: FnSpan[];
  byId: Map<string, FutureReport>;
  move: Mover;
}

/**
 * A re-sized fn is cheaper than the whole file only while few fns are: past this share of the
 * file's fns, the whole file is analysed.
 */
const MAX_RESIZED_SHARE = 1 / 4;

/**
 * How to analyse the edited fn alone after `edit` (with the fns of `resized`, by position in the
 * last analysis' fns: `FocusResult.resize`), when the last analysis' reports were kept under the
 * same settings; null when the whole file must be analysed.
 */
export function planFocus(
  cache: WalkCache,
  edit: KeptEdit,
  settings: string,
  calibration: Calibration | undefined,
  file: string,
  text: string,
  resized: ReadonlySet<number> = new Set(),
): FocusPlan | null {
  const last = kept.get(cache);
  if (
    !last ||
    last.text !== edit.previous ||
    last.settings !== settings ||
    last.calibration !== calibration ||
    !edit.othersUnchanged
  ) {
    return null;
  }
  const editedFn = edit.fn ? last.fns.findIndex((f) => f.start === edit.fn!.start) : -1;
  const focused = new Set(resized);
  if (editedFn >= 0) {
    focused.add(editedFn);
  }
  if ((edit.fn && editedFn < 0) || (last.noticesFrom !== null && last.noticesFrom !== editedFn)) {
    return null;
  }
  const move = moverFor(edit, text);
  const movedFns = last.fns.map((span, i) =>
    i === editedFn ? { ...span, end: span.end + move.delta } : move.span(span),
  );
  const resizedStarts = new Set([...resized].map((i) => movedFns[i].start));
  const byId = new Map<string, FutureReport>();
  const editedIds = new Set<string>();
  const moved = last.futures.map((future, i) => {
    const fn = last.fnOf[i];
    if (focused.has(fn)) {
      editedIds.add(future.id);
      return null;
    }
    const report = shiftReport(future.report, last.fns[fn].anchor, movedFns[fn].anchor, file);
    byId.set(future.id, report);
    return report;
  });
  const plan: Plan = {
    fn: edit.fn?.info ?? null,
    resizes: (start) => resizedStarts.has(start),
    reportOf: (id) => byId.get(id),
    isKept: (id) => byId.has(id),
    editedIds,
    last,
    edit,
    editedFn,
    focused,
    moved,
    movedFns,
    byId,
    move,
  };
  return plan;
}

/** The futures of the analysed fns (the edited one and those re-sized), as `keptFutures` gives them. */
export interface FocusFresh {
  futures: KeptFuture[];
  records: FutureRecord[];
  notices: string[];
  noticesAt: number[] | null;
}

/**
 * What the analysed fns' futures make of the file: its futures and records, or the fns (by
 * position in the last analysis' fns) to size again with the edited one, as kept reports read
 * layouts of theirs that changed.
 */
export type FocusResult =
  { futures: FutureReport[]; records: FutureRecord[] } | { resize: ReadonlySet<number> };

/** The file's futures and records after the edited fn's analysis, or null (see above). */
export function completeFocus(
  cache: WalkCache,
  focus: FocusPlan,
  fresh: FocusFresh,
  text: string,
  signatureOf: (report: FutureReport) => string | null,
): FocusResult | null {
  const plan = focus as Plan;
  const { last } = plan;
  const freshSignatures = new Map(fresh.futures.map((f) => [f.id, signatureOf(f.report)]));
  // A kept report that read a layout of the analysed fns' futures holds only if it is the same.
  const stale = new Set<number>();
  for (let i = 0; i < last.futures.length; i++) {
    const fn = last.fnOf[i];
    if (
      !plan.focused.has(fn) &&
      last.futures[i].deps!.some(
        ([id, signature]) => plan.editedIds.has(id) && freshSignatures.get(id) !== signature,
      )
    ) {
      stale.add(fn);
    }
  }
  if (stale.size > 0) {
    return resizing(plan, stale);
  }
  const freshOf = freshByFn(plan, fresh);
  if (!freshOf) {
    return null;
  }
  const futures: KeptFuture[] = [];
  const fnOf: number[] = [];
  let next = 0;
  for (let fn = 0; fn < last.fns.length; fn++) {
    for (const future of plan.focused.has(fn) ? (freshOf.get(fn) ?? []) : []) {
      futures.push(future);
      fnOf.push(fn);
    }
    for (; next < last.futures.length && last.fnOf[next] === fn; next++) {
      if (!plan.focused.has(fn)) {
        futures.push(movedFuture(cache, plan, next));
        fnOf.push(fn);
      }
    }
  }
  const records = movedRecords(plan, fresh.records);
  const result: AnalysisResult = {
    text,
    settings: last.settings,
    calibration: last.calibration,
    fns: plan.movedFns,
    futures,
    records,
    notices: fresh.notices,
    noticesAt: fresh.noticesAt,
  };
  keepReports(cache, result);
  keptReportsCounts.used++;
  if (plan.focused.size > (plan.editedFn >= 0 ? 1 : 0)) {
    keptReportsCounts.resized++;
  }
  return { futures: futures.map((f) => f.report), records };
}

/**
 * The fns to size again with the edited one: the `stale` ones (their reports read a layout of
 * the analysed fns that changed), and every fn whose report reads theirs, callers of callers
 * included, as their layouts may change in turn. Null when that is too many of the file's fns.
 */
function resizing(plan: Plan, stale: ReadonlySet<number>): { resize: ReadonlySet<number> } | null {
  const { last } = plan;
  const fnOfId = new Map(last.futures.map((f, i) => [f.id, last.fnOf[i]]));
  const readers = new Map<number, Set<number>>();
  last.futures.forEach((future, i) => {
    for (const [id] of future.deps!) {
      const read = fnOfId.get(id);
      if (read !== undefined && read !== last.fnOf[i]) {
        const of = readers.get(read) ?? new Set<number>();
        of.add(last.fnOf[i]);
        readers.set(read, of);
      }
    }
  });
  const resize = new Set([...plan.focused, ...stale]);
  resize.delete(plan.editedFn);
  const queue = [...resize];
  while (queue.length > 0) {
    for (const reader of readers.get(queue.pop()!) ?? []) {
      if (reader !== plan.editedFn && !resize.has(reader)) {
        resize.add(reader);
        queue.push(reader);
      }
    }
  }
  return resize.size > last.fns.length * MAX_RESIZED_SHARE ? null : { resize };
}

/**
 * The analysed futures by the fn (position in `fns`) they are in; null when one is outside the
 * analysed fns, or when the notices come from more than one of them (their order would be the
 * analysis', not the file's).
 */
function freshByFn(plan: Plan, fresh: FocusFresh): Map<number, KeptFuture[]> | null {
  const only = plan.focused.size === 1 ? [...plan.focused][0] : null;
  const byFn = new Map<number, KeptFuture[]>();
  for (const future of fresh.futures) {
    let fn = fnHolding(plan.movedFns, future.start);
    if (!plan.focused.has(fn)) {
      // In a macro's tree (no place in the file's text): the one fn analysed holds it.
      if (only === null) {
        return null;
      }
      fn = only;
    }
    const list = byFn.get(fn) ?? [];
    list.push(future);
    byFn.set(fn, list);
  }
  if (only === null && fresh.notices.length > 0) {
    const from = new Set((fresh.noticesAt ?? [-1]).map((at) => fnHolding(plan.movedFns, at)));
    if (from.size > 1) {
      return null;
    }
  }
  return byFn;
}

/** A kept future of the last analysis (by position), moved to where its fn is now. */
function movedFuture(cache: WalkCache, plan: Plan, i: number): KeptFuture {
  const future = plan.last.futures[i];
  const start = future.start < plan.edit.oldEnd ? future.start : future.start + plan.move.delta;
  // Their walks and reports are not looked up: they must not expire from the cache.
  if (future.unitKey !== undefined) {
    cache.units.get(future.unitKey);
  }
  if (future.memoKey !== null) {
    cache.reports.get(future.memoKey);
  }
  return { ...future, report: plan.moved[i]!, start };
}

/** The last analysis' records of the other fns, moved, with the analysed fns' fresh ones. */
function movedRecords(plan: Plan, fresh: FutureRecord[]): FutureRecord[] {
  const { last, byId } = plan;
  const analysed = [...plan.focused].map((fn) => last.fns[fn]);
  const movedReport = new Map<FutureReport, FutureReport>();
  for (const future of last.futures) {
    const now = byId.get(future.id);
    if (now && now !== future.report) {
      movedReport.set(future.report, now);
    }
  }
  const records: FutureRecord[] = [];
  for (const record of last.records) {
    if (analysed.some((span) => record.start >= span.start && record.start < span.end)) {
      continue;
    }
    if (record.start < plan.edit.oldEnd) {
      records.push(record);
      continue;
    }
    const start = record.start + plan.move.delta;
    const anchor = plan.move.anchor(record.start, record.anchor);
    records.push({
      ...record,
      start,
      anchor,
      reports: record.reports.map((r) => movedReport.get(r) ?? r),
    });
  }
  // In the order of their fns' text, as an analysis of the whole file lists them.
  return [...records, ...fresh].sort((a, b) => a.start - b.start);
}

/** Where the fns' text and positions go after an edit (outside the edited place). */
interface Mover {
  delta: number;
  /** Where a position at `offset` of the last text, at `was`, is now. */
  anchor(offset: number, was: Place): Place;
  span(span: FnSpan): FnSpan;
}

function moverFor(edit: KeptEdit, text: string): Mover {
  const delta = edit.newEnd - edit.oldEnd;
  const rows =
    newlines(text, edit.start, edit.newEnd) - newlines(edit.previous, edit.start, edit.oldEnd);
  const columns = columnOf(text, edit.newEnd) - columnOf(edit.previous, edit.oldEnd);
  // Only what follows the edit on its last row moves sideways.
  const rowEnd = edit.previous.indexOf('\n', edit.oldEnd);
  const anchor = (offset: number, was: Place): Place => {
    if (offset < edit.oldEnd) {
      return was;
    }
    const sameRow = rowEnd < 0 || offset <= rowEnd;
    if (rows === 0 && (!sameRow || columns === 0)) {
      return was;
    }
    return { row: was.row + rows, column: sameRow ? was.column + columns : was.column };
  };
  return {
    delta,
    anchor,
    span: (span) =>
      span.start < edit.oldEnd
        ? span
        : {
            start: span.start + delta,
            end: span.end + delta,
            anchor: anchor(span.start, span.anchor),
          },
  };
}

function columnOf(text: string, offset: number): number {
  return offset === 0 ? 0 : offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

function newlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let at = text.indexOf('\n', from); at !== -1 && at < to; at = text.indexOf('\n', at + 1)) {
    n++;
  }
  return n;
}

/** The fn (by position in `fns`, sorted and disjoint) whose text holds `offset`; -1 if none. */
function fnHolding(fns: readonly FnSpan[], offset: number): number {
  let low = 0;
  let high = fns.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (fns[mid].end <= offset) {
      low = mid + 1;
    } else if (fns[mid].start > offset) {
      high = mid - 1;
    } else {
      return mid;
    }
  }
  return -1;
}
