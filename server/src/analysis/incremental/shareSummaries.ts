/**
 * What one share of a crate (the files a worker parses) tells the others before any walk: each
 * file's items without their syntax nodes, its `mod` declarations, and whether its fns are keyed.
 * Plain data, so it crosses `worker_threads` by structured clone (no class instance, no node).
 *
 * On the other side the items stand in for the file's own in the crate's index. A walk that reads
 * more than the items (a fn's node or body, a parameter's pattern, one of its futures) opens the
 * file there and then (`PendingFiles`), and its own items take the summary's place, so every
 * answer is the one a run with every file parsed gives.
 */
import type { FnInfo, ItemIndex, ParamInfo } from '../items/items';
import type { SyntaxNode } from '../syntax/parser';
import type { DeclaringFile } from '../syntax/gatedModules';

/** One file of a share, as the other shares read it. */
export interface ShareFileSummary {
  /** Its position in the crate's files, and its path (each share reads the crate's layout). */
  position: number;
  file: string;
  /** Its items, unqualified (`stripIndex`); null when it lends none (skipped, failed). */
  index: ItemIndex | null;
  /** Its `mod` declarations; null when it was not parsed. */
  declaring: DeclaringFile | null;
  /** Whether a walk of the crate keys its fns (it has futures to find and is not gated out). */
  keyed: boolean;
}

/** A fn's future key: its file and path, and a counter for same-named fns (e.g. under cfg). */
export function fnKey(file: string, path: string, duplicate: number): string {
  const base = `${file}:${path}`;
  return duplicate === 0 ? base : `${base}#${duplicate}`;
}

/**
 * Every fn of an index once, in an order that depends only on the file's text: the same fn of two
 * parses of one file is at the same place in both lists.
 */
export function fnsOf(index: ItemIndex): FnInfo[] {
  const seen = new Set<FnInfo>();
  const add = (fn: FnInfo) => seen.add(fn);
  index.byNode.forEach(add);
  for (const lists of [index.fns, index.methods, index.methodsByName]) {
    lists.forEach((fns) => fns.forEach(add));
  }
  return [...seen];
}

/** A copy of an index whose fns have no nodes: what `structuredClone` can carry. */
export function stripIndex(index: ItemIndex): ItemIndex {
  const copies = new Map<FnInfo, FnInfo>();
  for (const fn of fnsOf(index)) {
    const params = fn.params.map(
      (p): ParamInfo => ({ patternText: p.patternText, ty: p.ty, isSelf: p.isSelf }) as ParamInfo,
    );
    copies.set(fn, { ...fn, node: null as unknown as SyntaxNode, body: null, params });
  }
  const copyLists = (lists: Map<string, FnInfo[]>) =>
    new Map([...lists].map(([name, fns]) => [name, fns.map((fn) => copies.get(fn)!)]));
  return {
    ...index,
    fns: copyLists(index.fns),
    methods: copyLists(index.methods),
    methodsByName: copyLists(index.methodsByName),
    byNode: new Map([...index.byNode].map(([id, fn]) => [id, copies.get(fn)!])),
  };
}

/** Summaries' byNode keys: below zero, so no node id of this thread's trees can equal one. */
let nextSummaryId = -1;

/**
 * Makes a received index stand in for its file: its fns' nodes, bodies and parameter patterns are
 * the file's own, read by opening it (`open` gives its fns in `fnsOf` order) when first asked for.
 */
export function hydrateIndex(index: ItemIndex, open: () => FnInfo[]): void {
  // Node ids of another thread's trees: re-keyed, in the same order.
  const byNode = [...index.byNode.values()];
  index.byNode.clear();
  byNode.forEach((fn) => index.byNode.set(nextSummaryId--, fn));
  fnsOf(index).forEach((fn, i) => {
    const live = () => open()[i];
    Object.defineProperty(fn, 'node', { get: () => live().node, configurable: true });
    Object.defineProperty(fn, 'body', { get: () => live().body, configurable: true });
    fn.params.forEach((param, p) =>
      Object.defineProperty(param, 'pattern', {
        get: () => live().params[p].pattern,
        configurable: true,
      }),
    );
  });
}

/**
 * The keys a walk gives a file's fns (`assignFnKey` in the engine, which every fn gets, in
 * `byNode` order, as its file's futures are found).
 */
export function fnKeysOf(file: string, index: ItemIndex): Map<FnInfo, string> {
  const keys = new Map<FnInfo, string>();
  const duplicates = new Map<string, number>();
  for (const fn of index.byNode.values()) {
    const duplicate = duplicates.get(fn.path) ?? 0;
    duplicates.set(fn.path, duplicate + 1);
    keys.set(fn, fnKey(file, fn.path, duplicate));
  }
  return keys;
}

/**
 * Puts a file's own fns in the crate's index in place of its summary's, so the crate's lists hold
 * the same objects a run with every file parsed has (a file's own lists and the crate's are told
 * apart by identity: `mergeIndexes`).
 */
export function replaceSummaryFns(crate: ItemIndex, summary: ItemIndex, own: ItemIndex): void {
  const ownFns = fnsOf(own);
  const replacement = new Map(fnsOf(summary).map((fn, i) => [fn, ownFns[i]]));
  for (const key of ['fns', 'methods', 'methodsByName'] as const) {
    for (const name of own[key].keys()) {
      const list = crate[key].get(name);
      list?.forEach((fn, i) => {
        const replaced = replacement.get(fn);
        if (replaced) {
          list[i] = replaced;
        }
      });
    }
  }
}

/**
 * The files of the crate this share knows only from summaries: which one a future's key names
 * (keys start with their file's path and a colon), opened at most once.
 */
export class PendingFiles {
  private readonly byFile = new Map<string, number>();
  private readonly opened = new Set<number>();

  constructor(
    files: readonly { file: string }[],
    pending: Iterable<number>,
    private readonly open: (position: number) => void,
  ) {
    for (const position of pending) {
      this.byFile.set(files[position].file, position);
    }
  }

  /** Opens the file a key names, if it is pending and not open yet. */
  openFor(key: string): void {
    if (this.byFile.size === 0) {
      return;
    }
    // A file's path may hold colons itself: each prefix that ends before one is a candidate.
    for (let at = key.indexOf(':'); at > 0; at = key.indexOf(':', at + 1)) {
      const position = this.byFile.get(key.slice(0, at));
      if (position !== undefined) {
        this.openAt(position);
        return;
      }
    }
  }

  /** Opens the file at `position` once. */
  openAt(position: number): void {
    if (!this.opened.has(position)) {
      this.opened.add(position);
      this.open(position);
    }
  }
}
