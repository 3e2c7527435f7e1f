/**
 * What a crate's analysis keeps of a file once its tree is gone: its items, the layouts of its
 * futures as other files read them, and what its own reports read of other files. A crate session
 * (`crateSession.ts`) walks again only the files whose text changed or whose reads changed, and
 * answers the others' questions from these summaries.
 */
import type { FnInfo, ItemIndex, ParamInfo } from '../items/items';
import { fnSummary } from '../items/itemDependencies';
import type { FileReport, FutureKind, FutureReport } from '../report';
import type { ModuleDeclaration } from '../syntax/gatedModules';
import { hashText } from '../types/calibration';
import type { Layout } from '../types/layout';

/** A future of a file this round does not walk, as other files see it. */
export interface FutureSummary {
  kind: FutureKind;
  /** Its fn (for an async fn): its path, generics and declared output. */
  fn?: FnInfo;
  /** Its layout as an awaiting future reads it; null when it is skipped or unsized. */
  layout: Layout | null;
  /** The file it is written in. */
  file: string;
}

/** What the crate knows of one file without its tree. */
export interface FileSummary {
  /** Its items as the crate's index holds them; null when it lends none (gated out, skipped). */
  index: ItemIndex | null;
  /** Its futures by key. */
  futures: Map<string, FutureSummary>;
  /** The keys of its fns, by their info (what other files' awaits name them by). */
  fnKeys: Map<FnInfo, string>;
}

/** What one round of a crate's analysis found for one file it walked. */
export interface FileOutcome {
  report: FileReport;
  summary: FileSummary;
  /**
   * A fingerprint of what the file lends the crate: its items and `mod` declarations; null when
   * it lends nothing (not parsed).
   */
  itemsKey: string | null;
  /** Per future, the futures whose layouts its report read (an instance by its fn's key). */
  reads: Map<string, string[]>;
  /** Other files whose walks or positions its reports read (generic instances, block labels). */
  bodiesRead: Set<string>;
  /** Whether an analysis step failed in it (a notice instead of its futures). */
  failed: boolean;
}

/**
 * Thrown when a round needs a file's tree (a generic fn's walk, an async block's position) that it
 * has only a summary of: the round is done again with that file walked too.
 */
export class NeedsFile extends Error {
  constructor(readonly file: string) {
    super(`the analysis needs ${file} walked`);
  }
}

/** A future's layout as an awaiting future reads it from its report. */
export function reportLayout(report: FutureReport): Layout | null {
  if (report.size === null || report.skipped) {
    return null;
  }
  const sources = [...(report.sources ?? [])].sort();
  return {
    size: report.size,
    align: report.align,
    exact: report.exact,
    unknown: report.unknown,
    drop: true,
    copy: false,
    niche: null,
    ...(sources.length > 0 ? { sources } : {}),
  };
}

/** All a reader's report takes from a layout (sources too, unlike the walk cache's signature). */
export function layoutKey(layout: Layout | null): string {
  return layout
    ? `${layout.size}/${layout.align}/${layout.exact}/${layout.unknown.join(',')}/` +
        (layout.sources ?? []).join(',')
    : 'none';
}

/** A fn as other files can read it, with what `fnSummary` leaves to its text. */
function fnContent(fn: FnInfo): unknown[] {
  // A `-> impl Future` fn lends its body to callers (they follow it to the async block it ends in).
  const lendsBody = fn.ret.k === 'unknown' && /\bFuture\b/.test(fn.ret.text);
  return [
    fn.name,
    fn.inBody ?? false,
    [...fn.onceCallables],
    fnSummary(fn),
    lendsBody && fn.body?.text,
  ];
}

/**
 * A fingerprint of what a file lends its crate, read from its index (before the crate qualifies
 * shared type names) and its `mod` declarations: equal fingerprints mean the other files' walks
 * read the same items, whatever changed in the file's bodies.
 */
export function itemsKeyOf(index: ItemIndex, declarations: ModuleDeclaration[]): string {
  const fnLists = (map: Map<string, FnInfo[]>) =>
    [...map].map(([name, fns]) => [name, fns.map(fnContent)]);
  const content = [
    [...index.types],
    [...index.typeModules],
    [...index.consts],
    [...index.constTypes],
    fnLists(index.fns),
    fnLists(index.methods),
    fnLists(index.methodsByName),
    [...index.byNode.values()].map(fnContent),
    [...index.uses],
    index.globImports,
    [...index.ambiguousTypes],
    [...index.assocTypes],
    [...(index.inlineUses ?? [])].map(([module, uses]) => [module, [...uses]]),
    declarations,
  ];
  // Every part is arrays of plain data (maps and sets spread above): no replacer to call per value.
  return hashText(JSON.stringify(content));
}

/**
 * A fn of a summary whose file's tree is gone: the fn's items as they were, and a node, a body and
 * parameter patterns that say, when a walk reads them (`-> impl Future` fns' bodies), that the
 * file must be walked again. It keeps no syntax node: a node would keep its deleted tree, the
 * tree its text and the parser runtime it came from, which could then never be let go. One class
 * for every such fn, so they share one shape and one getter (a getter defined on each fn made
 * every fn a dictionary of its properties: a third of a summary's memory).
 */
class SealedFn implements FnInfo {
  name: string;
  path: string;
  isAsync: boolean;
  selfTy: FnInfo['selfTy'];
  selfKind: FnInfo['selfKind'];
  params: FnInfo['params'];
  ret: FnInfo['ret'];
  generics: string[];
  callableOutputs: FnInfo['callableOutputs'];
  callableParams: FnInfo['callableParams'];
  futureOutputs: FnInfo['futureOutputs'];
  onceCallables: Set<string>;
  maybeUnsized: FnInfo['maybeUnsized'];
  inBody: FnInfo['inBody'];
  boxedFuture: FnInfo['boxedFuture'];
  rewrittenBy: FnInfo['rewrittenBy'];
  module: FnInfo['module'];

  constructor(
    fn: FnInfo,
    private readonly sealedIn: string,
  ) {
    this.name = fn.name;
    this.path = fn.path;
    this.isAsync = fn.isAsync;
    this.selfTy = fn.selfTy;
    this.selfKind = fn.selfKind;
    this.params =
      fn.params.length > 0
        ? fn.params.map((p) => new SealedParam(p.ty, p.isSelf, p.patternText, sealedIn))
        : NO_PARAMS;
    this.ret = fn.ret;
    this.generics = fn.generics;
    this.callableOutputs = fn.callableOutputs.size > 0 ? fn.callableOutputs : NO_OUTPUTS;
    this.callableParams = fn.callableParams;
    this.futureOutputs = fn.futureOutputs.size > 0 ? fn.futureOutputs : NO_FUTURE_OUTPUTS;
    this.onceCallables = fn.onceCallables.size > 0 ? fn.onceCallables : NO_NAMES;
    this.maybeUnsized = fn.maybeUnsized;
    this.inBody = fn.inBody;
    this.boxedFuture = fn.boxedFuture;
    this.rewrittenBy = fn.rewrittenBy;
    this.module = fn.module;
  }

  get node(): FnInfo['node'] {
    throw new NeedsFile(this.sealedIn);
  }

  get body(): FnInfo['body'] {
    throw new NeedsFile(this.sealedIn);
  }
}

/** A parameter of a sealed fn: its type and text, and a pattern node that asks for the file. */
class SealedParam implements ParamInfo {
  constructor(
    readonly ty: ParamInfo['ty'],
    readonly isSelf: boolean,
    readonly patternText: string,
    private readonly sealedIn: string,
  ) {}

  get pattern(): ParamInfo['pattern'] {
    throw new NeedsFile(this.sealedIn);
  }
}

/** An empty map no one may fill: most fns' bounds, shared by their sealed copies. */
class EmptyMap<K, V> extends Map<K, V> {
  override set(): this {
    throw new Error('a sealed fn summary is read-only');
  }
}

class EmptySet<T> extends Set<T> {
  override add(): this {
    throw new Error('a sealed fn summary is read-only');
  }
}

const NO_OUTPUTS: FnInfo['callableOutputs'] = new EmptyMap();
const NO_FUTURE_OUTPUTS: FnInfo['futureOutputs'] = new EmptyMap();
const NO_NAMES: Set<string> = new EmptySet();
const NO_PARAMS: ParamInfo[] = Object.freeze([]) as unknown as ParamInfo[];

/**
 * Puts sealed copies (`SealedFn`) of a summary's fns in place of its fns, everywhere the summary
 * names one (its index's lists, its futures, its fn keys), once the file's tree is gone: a walk
 * that follows one's body learns that the file must be walked again. Idempotent.
 */
export function sealBodies(summary: FileSummary, file: string): void {
  const index = summary.index;
  if (!index) {
    return;
  }
  const sealed = new Map<FnInfo, FnInfo>();
  index.byNode.forEach((fn, id) => {
    if (!(fn instanceof SealedFn)) {
      const copy = new SealedFn(fn, file);
      sealed.set(fn, copy);
      index.byNode.set(id, copy);
    }
  });
  if (sealed.size === 0) {
    return;
  }
  const sealedOf = (fn: FnInfo) => sealed.get(fn) ?? fn;
  for (const lists of [index.fns, index.methods, index.methodsByName]) {
    lists.forEach((fns) => fns.forEach((fn, i) => (fns[i] = sealedOf(fn))));
  }
  summary.futures.forEach((future) => {
    if (future.fn) {
      future.fn = sealedOf(future.fn);
    }
  });
  summary.fnKeys = new Map([...summary.fnKeys].map(([fn, key]) => [sealedOf(fn), key]));
}
