/**
 * The item index of a document's last analysis, kept so that a keystroke does not read every item
 * of the file again. When the text changed only inside one fn's body that declares no items
 * before or after, or only inside one line comment, and the re-parse changed no syntax outside
 * that place (`treeChanges.ts`), the file's items are the ones the last index read: only the fns'
 * nodes move (`relocatedIndex`). Any other edit builds the index afresh.
 */
import { DECLARES_ITEMS, FnInfo, FnNodes, ItemIndex, relocatedIndex } from '../items/items';
import { followsBody } from '../items/itemDependencies';
import { parserGeneration, SyntaxNode, Tree } from '../syntax/parser';
import { endOf, Point, startOf } from '../syntax/positions';
import { reparseOf, treeNumber } from './treeChanges';
import type { WalkCache } from './walkCache';

/** Where a fn of the analysed file is: the offsets of its item and of its body. */
interface FnPlace {
  start: number;
  end: number;
  bodyStart: number;
  bodyEnd: number;
}

interface KeptIndex {
  /** The tree it was read from (`treeNumber`), its text, and what else the index read. */
  tree: number;
  text: string;
  settings: string;
  generation: number;
  index: ItemIndex;
  /** Each fn of the file by place; a fn of an item-level macro by its nodes (in a kept tree). */
  places: Map<FnInfo, FnPlace | FnNodes>;
  macroRoots: SyntaxNode[];
  /** The kept trees of item-level macros the analysis used, and the row each starts on. */
  macroKeys: string[];
  macroRows: number[];
  /** What the analysis learned besides the index, with each fn's text hash by its place's fn. */
  facts: KeptFacts;
}

/** An index read from a new tree without reading its items, and the item macros' roots. */
export interface ReusedIndex {
  index: ItemIndex;
  macroRoots: SyntaxNode[];
  /** Read by the last analysis and left as they were by the edit (given by `reusedIndex`). */
  facts?: KeptFacts;
  /** The edit since the last analysis (given by `reusedIndex`). */
  edit?: KeptEdit;
}

/** An edit `reusedIndex` kept the index through: what it changed, in which fn. */
export interface KeptEdit {
  /** The last analysis' text. */
  previous: string;
  /** Offsets: `[start, oldEnd)` of the last analysis' text became `[start, newEnd)`. */
  start: number;
  oldEnd: number;
  newEnd: number;
  /**
   * The fn whose text the edit is inside, as the new index has it, and where it starts; null
   * when the edit is in a comment outside the fns or changed no text.
   */
  fn: { info: FnInfo; start: number } | null;
  /**
   * No fn's walk but the edited fn's can read what changed: the edited fn is not one whose body
   * its callers follow (`-> impl Future`), and the index's items are the same.
   */
  othersUnchanged: boolean;
}

/** A node discovery found in a fn's body, by its offsets from the body's start. */
export interface NestedPlace {
  start: number;
  end: number;
  type: string;
  /** No fn declared in the body holds it: the body's fn is its enclosing fn. */
  ownFn: boolean;
}

/**
 * What an analysis read of the file outside the fn bodies besides the index, which the next one
 * takes as it is when the edit since cannot have changed it: each pass over the whole tree costs
 * a node read per item, on every keystroke.
 */
export interface KeptFacts {
  /** The text hash of each fn (by its info in the index), for the fns the edit left alone. */
  fnHashes: Map<FnInfo, string>;
  /** Where discovery found the async blocks, closures and macros in each such fn's body. */
  nested: Map<FnInfo, NestedPlace[]>;
  /** The index's source key (`indexSourceKey`): the text outside the fn bodies. */
  sourceKey?: string;
  /** What the file's inner attributes gate it by (`fileCfgdOutBy`). */
  fileGate?: string | null;
  /** Whether discovery's search outside the fns (consts, statics, item macros) found nothing. */
  nothingOutsideFns?: boolean;
}

const kept = new WeakMap<WalkCache, KeptIndex>();

/**
 * Since the process started (for tests): analyses whose index was kept from the last one, and
 * fns whose async blocks and closures were found again by place instead of searched for.
 */
export const keptIndexCounts = { reused: 0, nestedKept: 0 };

/**
 * Keeps the index an analysis of `tree` (whose text is `text`) read, with `settings` (what else
 * it depends on: the cfg), for the document's next analysis.
 */
export function keepIndex(
  cache: WalkCache,
  tree: Tree,
  text: string,
  settings: string,
  read: ReusedIndex,
): void {
  const last = kept.get(cache);
  if (last && last.index === read.index && last.tree === treeNumber(tree) && last.text === text) {
    // The analysis used the index `reusedIndex` gave for this very tree: its places are known.
    kept.set(cache, { ...last, facts: read.facts ?? last.facts });
    return;
  }
  const places = new Map<FnInfo, FnPlace | FnNodes>();
  for (const fn of read.index.byNode.values()) {
    if (fn.node.tree !== tree) {
      places.set(fn, { node: fn.node, body: fn.body });
    } else if (fn.body) {
      const { node, body } = fn;
      places.set(fn, {
        start: node.startIndex,
        end: node.endIndex,
        bodyStart: body.startIndex,
        bodyEnd: body.endIndex,
      });
    } else {
      kept.delete(cache);
      return;
    }
  }
  kept.set(cache, {
    tree: treeNumber(tree),
    text,
    settings,
    generation: parserGeneration(),
    index: read.index,
    places,
    macroRoots: [...read.macroRoots],
    macroKeys: cache.macroItemTrees.keysInUse(),
    macroRows: read.macroRoots.map((root) => startOf(root).row),
    facts: read.facts ?? { fnHashes: new Map(), nested: new Map() },
  });
}

/** The text that changed between two versions: `[start, oldEnd)` became `[start, newEnd)`. */
interface TextEdit {
  start: number;
  oldEnd: number;
  newEnd: number;
}

const CHUNK = 512;

function textEdit(before: string, after: string): TextEdit {
  const shorter = Math.min(before.length, after.length);
  let start = 0;
  while (
    start + CHUNK <= shorter &&
    before.substring(start, start + CHUNK) === after.substring(start, start + CHUNK)
  ) {
    start += CHUNK;
  }
  while (start < shorter && before.charCodeAt(start) === after.charCodeAt(start)) {
    start++;
  }
  let same = 0;
  const most = shorter - start;
  while (
    same + CHUNK <= most &&
    before.substring(before.length - same - CHUNK, before.length - same) ===
      after.substring(after.length - same - CHUNK, after.length - same)
  ) {
    same += CHUNK;
  }
  while (
    same < most &&
    before.charCodeAt(before.length - same - 1) === after.charCodeAt(after.length - same - 1)
  ) {
    same++;
  }
  return { start, oldEnd: before.length - same, newEnd: after.length - same };
}

const isPlace = (p: FnPlace | FnNodes): p is FnPlace => 'start' in p;

/**
 * The index of `tree` (text `text`), read from the last one kept for the document without reading
 * the file's items, when the edit since allows it (see above); null otherwise.
 */
export function reusedIndex(
  cache: WalkCache,
  tree: Tree,
  text: string,
  settings: string,
): ReusedIndex | null {
  const last = kept.get(cache);
  const reparse = reparseOf(tree);
  if (
    !last ||
    !reparse ||
    reparse.from !== last.tree ||
    last.settings !== settings ||
    last.generation !== parserGeneration()
  ) {
    return null;
  }
  const edit = textEdit(last.text, text);
  const delta = edit.newEnd - edit.oldEnd;
  const root = tree.rootNode;
  const scope = bodyEdit(last, edit, text) ?? commentEdit(last, edit, text, root);
  if (
    !scope ||
    !reparse.changed.every((r) => r.start >= scope.within.start && r.end <= scope.within.end) ||
    !cache.macroItemTrees.use(last.macroKeys)
  ) {
    return null;
  }
  const edited = scope.fn;
  const placeNow = (p: FnPlace): FnPlace => {
    if (p === edited) {
      return { ...p, end: p.end + delta, bodyEnd: p.bodyEnd + delta };
    }
    return p.start >= edit.oldEnd
      ? {
          start: p.start + delta,
          end: p.end + delta,
          bodyStart: p.bodyStart + delta,
          bodyEnd: p.bodyEnd + delta,
        }
      : p;
  };
  const places = new Map<FnInfo, FnPlace | FnNodes>();
  const index = relocatedIndex(last.index, (fn) => {
    const was = last.places.get(fn);
    if (!was) {
      return null;
    }
    const now = isPlace(was) ? placeNow(was) : was;
    const found = isPlace(now) ? fnAt(root, now) : now;
    if (found) {
      places.set(fn, now);
    }
    return found;
  });
  if (!index) {
    return null;
  }
  // The same fns in the same order: each new entry takes its old one's place.
  const olds = [...last.index.byNode.values()];
  const moved = new Map<FnInfo, FnPlace | FnNodes>();
  const carried: KeptFacts = { fnHashes: new Map(), nested: new Map() };
  let editedFn: FnInfo | undefined;
  let editedNow: FnInfo | undefined;
  [...index.byNode.values()].forEach((fn, i) => {
    const was = last.places.get(olds[i]);
    moved.set(fn, places.get(olds[i])!);
    // Every fn but the edited one has the text and syntax it had (the edit is inside that fn or
    // a comment, and the changed ranges are inside the edited place).
    if (was !== edited) {
      carryFn(last.facts, olds[i], carried, fn);
    } else {
      editedFn = olds[i];
      editedNow = fn;
    }
  });
  if (moved.size !== olds.length) {
    return null;
  }
  // The body of a fn its callers follow (`-> impl Future`) is part of the index's source.
  const sameSource = scope.inBody && !(editedFn && followsBody(editedFn));
  const facts = factsAfter(last.facts, carried, sameSource);
  kept.set(cache, {
    ...last,
    tree: treeNumber(tree),
    text,
    index,
    places: moved,
    generation: parserGeneration(),
    facts,
  });
  keptIndexCounts.reused++;
  const keptEdit: KeptEdit = {
    previous: last.text,
    ...edit,
    fn: editedNow && edited ? { info: editedNow, start: edited.start } : null,
    othersUnchanged: !(editedFn && followsBody(editedFn)) && (editedNow !== undefined) === !!edited,
  };
  return { index, macroRoots: last.macroRoots, facts, edit: keptEdit };
}

/**
 * The facts of the last analysis that hold after the edit. The syntax outside the edited place is
 * the same (its changed ranges say so), so the inner attributes are. `sameSource`: the edit was
 * inside the body of a fn no caller follows, which leaves the text the index's source key reads
 * (outside such bodies, comments included) and what discovery finds outside the fns as they were.
 */
function factsAfter(last: KeptFacts, carried: KeptFacts, sameSource: boolean): KeptFacts {
  return {
    ...carried,
    fileGate: last.fileGate,
    ...(sameSource ? { sourceKey: last.sourceKey, nothingOutsideFns: last.nothingOutsideFns } : {}),
  };
}

/** Carries what the last analysis read of fn `from` over to `to`, the same fn in the new index. */
function carryFn(last: KeptFacts, from: FnInfo, carried: KeptFacts, to: FnInfo): void {
  const hash = last.fnHashes.get(from);
  if (hash !== undefined) {
    carried.fnHashes.set(to, hash);
  }
  const nested = last.nested.get(from);
  if (nested) {
    carried.nested.set(to, nested);
  }
}

/** What an edit may have changed: one fn's body (or none), and where the syntax may differ. */
interface EditScope {
  fn: FnPlace | null;
  /** In the new text. */
  within: { start: number; end: number };
  /** The edit is inside a fn's body (or changed no text): the text outside it is the same. */
  inBody: boolean;
}

/**
 * An edit inside one fn's body, when no other fn is touched, the body declares no items before or
 * after, and the item macros' trees stay where they were; an edit that changed no text.
 */
function bodyEdit(last: KeptIndex, edit: TextEdit, text: string): EditScope | null {
  if (edit.start === edit.oldEnd && edit.start === edit.newEnd) {
    return { fn: null, within: { start: 0, end: -1 }, inBody: true };
  }
  const touched = fnsTouched(last, edit);
  const fn = touched.length === 1 ? touched[0] : null;
  if (!fn || !(fn.bodyStart < edit.start && edit.oldEnd < fn.bodyEnd)) {
    return null;
  }
  const delta = edit.newEnd - edit.oldEnd;
  const bodyBefore = last.text.slice(fn.bodyStart, fn.bodyEnd);
  const bodyAfter = text.slice(fn.bodyStart, fn.bodyEnd + delta);
  if (
    DECLARES_ITEMS.test(bodyBefore) ||
    DECLARES_ITEMS.test(bodyAfter) ||
    !macrosStay(last, edit, text)
  ) {
    return null;
  }
  return { fn, within: { start: fn.bodyStart, end: fn.bodyEnd + delta }, inBody: true };
}

/**
 * An edit inside one line comment (after its `//`, adding and removing no line), outside any fn's
 * signature and any fn of an item macro. The text before the comment is the same, so it was the
 * same comment before; a comment is read by no item, and nothing but the comment follows the edit
 * on its row, so every item and every item macro's tree stays where it was.
 */
function commentEdit(
  last: KeptIndex,
  edit: TextEdit,
  text: string,
  root: SyntaxNode,
): EditScope | null {
  const changed = last.text.slice(edit.start, edit.oldEnd) + text.slice(edit.start, edit.newEnd);
  if (changed.includes('\n') || changed.includes('\r')) {
    return null;
  }
  let comment: SyntaxNode | null = root.descendantForIndex(
    edit.start,
    Math.max(edit.start, edit.newEnd - 1),
  );
  while (comment && comment.type !== 'line_comment') {
    comment = comment.type === 'doc_comment' || comment.type === '//' ? comment.parent : null;
  }
  const lineStart = text.lastIndexOf('\n', edit.start - 1) + 1;
  if (
    !comment ||
    comment.startIndex + 2 > edit.start ||
    comment.startIndex < lineStart ||
    comment.endIndex < edit.newEnd ||
    text.slice(comment.startIndex, edit.newEnd).includes('\n')
  ) {
    return null;
  }
  const touched = fnsTouched(last, edit);
  const fn = touched.length === 1 ? touched[0] : null;
  const inBody = fn && fn.bodyStart < edit.start && edit.oldEnd < fn.bodyEnd;
  if (touched.length > 1 || (fn && !inBody)) {
    return null;
  }
  if (fn) {
    const delta = edit.newEnd - edit.oldEnd;
    if (
      DECLARES_ITEMS.test(last.text.slice(fn.bodyStart, fn.bodyEnd)) ||
      DECLARES_ITEMS.test(text.slice(fn.bodyStart, fn.bodyEnd + delta))
    ) {
      return null;
    }
  }
  const at = { row: newlines(text, 0, edit.start), column: edit.start - lineStart };
  for (const place of last.places.values()) {
    if (!isPlace(place) && covers(startOf(place.node), endOf(place.node), at)) {
      return null;
    }
  }
  return { fn, within: { start: comment.startIndex, end: comment.endIndex }, inBody: false };
}

/** The fns of the file (not of its item macros) whose text overlaps or touches the edit. */
function fnsTouched(last: KeptIndex, edit: TextEdit): FnPlace[] {
  const touched: FnPlace[] = [];
  for (const place of last.places.values()) {
    if (isPlace(place) && place.start <= edit.oldEnd && place.end >= edit.start) {
      touched.push(place);
    }
  }
  return touched;
}

const covers = (start: Point, end: Point, at: Point) =>
  (start.row < at.row || (start.row === at.row && start.column <= at.column)) &&
  (at.row < end.row || (at.row === end.row && at.column <= end.column));

/**
 * Whether the item-level macros' trees stay where they were: they are kept under their place, so
 * one on the edit's row, or below it when the edit adds or removes lines, is read afresh.
 */
function macrosStay(last: KeptIndex, edit: TextEdit, text: string): boolean {
  if (last.macroRows.length === 0) {
    return true;
  }
  const startRow = newlines(last.text, 0, edit.start);
  const removed = newlines(last.text, edit.start, edit.oldEnd);
  const added = newlines(text, edit.start, edit.newEnd);
  return last.macroRows.every(
    (row) => row < startRow || (row > startRow + removed && removed === added),
  );
}

function newlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let at = text.indexOf('\n', from); at !== -1 && at < to; at = text.indexOf('\n', at + 1)) {
    n++;
  }
  return n;
}

/** The fn item and its body at exactly these places in the new tree, if they are there. */
function fnAt(root: SyntaxNode, place: FnPlace): FnNodes | null {
  const node = root.descendantForIndex(place.start, place.end - 1);
  if (
    !node ||
    node.type !== 'function_item' ||
    node.startIndex !== place.start ||
    node.endIndex !== place.end
  ) {
    return null;
  }
  const body = node.childForFieldName('body');
  return body && body.startIndex === place.bodyStart && body.endIndex === place.bodyEnd
    ? { node, body }
    : null;
}
