/**
 * The analysis entry point: Rust source text in, one FutureReport per async fn / block / closure out.
 */
import { traitInScope } from './deps/traitImplMethods';
import type { CrateFile, Edition } from './crateFile';
import { CfgdOutRanges } from './syntax/cfgdOutRanges';
import { EnclosingFunctions } from './syntax/enclosingFunctions';
import {
  AsyncMentions,
  compiledItemsMentioningAsync,
  nodesMentioningAsync,
} from './syntax/asyncCandidates';
import { AwaitPoint, CallSite, FileReport, FutureKind, FutureReport, HeldValue } from './report';
import {
  attachInstances,
  InstanceArguments,
  instanceName,
  instanceReport,
  UNKNOWN_ARGUMENT,
} from './coroutine/instanceReports';
import {
  ParseTimeout,
  SyntaxNode,
  Tree,
  initParser,
  noteRuntimeFailure,
  parseRust,
  WasmPaths,
} from './syntax/parser';
import {
  FnInfo,
  ItemIndex,
  TypeScope,
  combineIndexes,
  indexItems,
  mergeIndexes,
  qualifySharedTypeNames,
  resolveWrittenPath,
  typeFromNode,
} from './items/items';
import { ForeignType, Layout, LayoutComputer, TypeEnv, UserType } from './types/layout';
import { CrateReexports, crateTypeAt, noteCrateReexports, stdTypeAt } from './items/crateReexports';
import {
  BodyContext,
  BodyResult,
  Capture,
  Local,
  NestingTooDeep,
  SourceSpan,
  capturedPlaces,
  isAsyncClosure,
} from './liveness/held';
import { BodyWalker } from './liveness/bodyWalker';
import { SavedInfo, computeSaved } from './liveness/savedLocals';
import { MacroTrees } from './syntax/macros';
import { CrateCfgMacros } from './items/cfgMacros';
import {
  Projection,
  STD_ROOTS,
  Ty,
  TypeOrigin,
  UNKNOWN,
  hasUnknown,
  peelRefs,
  ref,
  showTy,
  substitute,
  boxedDynFuture,
} from './types/types';
import { hasProjection, resolveProjection } from './types/projections';
import { BoundMethod, boundTraitMethod } from './types/boundTraitMethods';
import { conversionResults } from './types/conversionBounds';
import {
  BoundEnv,
  normalizeByBounds,
  parameterBounds,
  traitDeclarations,
} from './types/boundProjections';
import { SavedLocal, layoutCoroutine } from './coroutine/coroutine';
import { guardOfLocal } from './types/knownTypes';
import { endOf, startOf } from './syntax/positions';
import { entryBlockPosition, hasTokioEntryAttribute } from './syntax/entryMacros';
import { Calibration, explainWithMeasurement, hashText } from './types/calibration';
import { ItemDependencies, indexSourceKey } from './items/itemDependencies';
import { WalkCache } from './incremental/walkCache';
import {
  KeptFacts,
  keepIndex,
  keptIndexCounts,
  NestedPlace,
  ReusedIndex,
  reusedIndex,
} from './incremental/keptIndex';
import { Instances, Place, WalkUnits } from './incremental/walkUnits';
import { LayoutRead, ReportMemo } from './incremental/reportMemo';
import {
  completeFocus,
  dropReports,
  FnSpan,
  FocusPlan,
  KeptFuture,
  keepReports,
  planFocus,
} from './incremental/keptReports';
import {
  CfgEnv,
  cfgKey,
  compiledIn,
  currentCfg,
  fileCfgdOutBy,
  isCfgdOut,
  withCfg,
} from './syntax/cfg';
import { FutureRecord, hiddenFutures } from './incremental/hiddenByParseErrors';
import { DeclaringFile, gatedOutFiles, moduleDeclarations } from './syntax/gatedModules';
import { plural } from './words';
import { DependencyTypes, ForeignFn } from './deps/dependencyTypes';
import type { InstanceRequest } from './deps/packageFutures';
import {
  FileOutcome,
  FileSummary,
  FutureSummary,
  NeedsFile,
  itemsKeyOf,
  reportLayout,
  sealBodies,
} from './incremental/crateSummary';
import { awaitsCycle, roundsOf } from './incremental/crateRounds';
import {
  PendingFiles,
  ShareFileSummary,
  fnKey,
  fnKeysOf,
  fnsOf,
  hydrateIndex,
  replaceSummaryFns,
  stripIndex,
} from './incremental/shareSummaries';

export { WalkCache };
export type { CrateFile, Edition };

/** Whether a size is exact so far, and what made it a lower bound. */
interface Precision {
  exact: boolean;
  unknown: Set<string>;
  /** Packages whose sources a size was read from (see `Layout.sources`). */
  sources: Set<string>;
}

/** A report's `sources` field: set only when some size came from another crate's sources. */
function sourcesOf(from: { sources?: Iterable<string> }): { sources?: string[] } {
  const sources = [...(from.sources ?? [])].sort();
  return sources.length > 0 ? { sources } : {};
}

/** Where a fn's name is, for hints placed on it. */
function nameSpanOf(entry: { kind: string; node: SyntaxNode }) {
  const nameNode = entry.kind === 'fn' ? entry.node.childForFieldName('name') : null;
  return nameNode
    ? {
        line: startOf(nameNode).row + 1,
        column: startOf(nameNode).column + 1,
        endLine: endOf(nameNode).row + 1,
        endColumn: endOf(nameNode).column + 1,
      }
    : undefined;
}

/** Parents climbed before asking a per-tree range index instead (see enclosingFunction). */
const CLIMB_BUDGET = 24;

/**
 * Instances of instances (`outer<Vec<T>>` calling itself with `Vec<Vec<T>>`) are not composed
 * past ids this long: their callee stays as sized for the known arguments.
 */
const MAX_INSTANCE_ID = 400;

/** How many nested futures may be walked one inside another's walk (each adds stack frames). */
const MAX_NESTED_FUTURE_CHAIN = 64;

export interface AnalysisOptions {
  /** Path shown in reports (as the user gave it). */
  file: string;
  edition: Edition;
  /** Parse time budget; a file that takes longer is reported as skipped. */
  parseBudgetMs?: number;
  /** Sizes measured by rustc in a calibration run, used where the source is unchanged. */
  calibration?: Calibration;
  /**
   * Walks of unchanged fns from earlier analyses of this file (an editor keeps one per document), so a
   * keystroke re-walks only the fn it touched. Callers sweep it after each analysis.
   */
  walkCache?: WalkCache;
  /**
   * An up-to-date tree of `text` (an editor re-parses incrementally from the previous one); the
   * caller keeps ownership and deletes it. Without it the text is parsed here.
   */
  tree?: Tree;
  /** The crates this one depends on, whose types are sized from their sources. */
  dependencies?: DependencyTypes;
  /**
   * What `#[cfg]`s are evaluated in: the package's features. Default: the cfg in force around the
   * call (`withCfg`), else `HOST_CFG` (every feature on).
   */
  cfg?: CfgEnv;
}

export function initAnalysis(paths?: WasmPaths): Promise<unknown> {
  return initParser(paths);
}

interface FutureEntry {
  id: string;
  kind: FutureKind;
  node: SyntaxNode;
  fn?: FnInfo;
  /** Set once the enclosing body has been walked (blocks and closures). */
  captures?: Capture[];
  scope: TypeScope;
  body?: BodyResult;
  report?: FutureReport;
  layout?: Layout | null;
  inProgress?: boolean;
  /** The walk-cache unit (enclosing fn) this future's walk belongs to, and where that fn starts now. */
  unitKey?: string;
  anchor?: { row: number; column: number };
  /** The module its body's paths are read in (a block's or closure's: its enclosing fn's). */
  module?: readonly string[];
  /** Reports built while a callee was in progress (a cycle); bounded so cycles cannot blow up. */
  cycleBuilds?: number;
}

function emptyBody(): BodyResult {
  return {
    locals: [],
    awaits: [],
    unwindPoints: [],
    loops: [],
    nested: [],
    regionGroups: new Map(),
    divergingRegions: new Set(),
    returningRegions: new Set(),
    breakingRegions: new Map(),
    approximations: [],
  };
}

const MAX_AWAITS = 2000;
const MAX_LOCALS = 20000;
/** Larger files are skipped with a notice (a 5 MB source is far beyond any hand-written module). */
export const MAX_SOURCE_CHARS = 5 * 1024 * 1024;

/**
 * Items discovery's item search passes by: fns are searched from the index, outer attributes are
 * skipped, comments hold no nodes. (An inner attribute can hold a macro: `#![doc = m!(..)]`.)
 */
const SKIPPED_ITEMS = new Set(['function_item', 'attribute_item', 'line_comment', 'block_comment']);

/**
 * Whether every `async` written in an item list sits in an item that discovery's item search skips,
 * so the search can pass the list by: a documented impl has thousands of comment lines, each a
 * node to read, while finding the item around each `async` is one call.
 */
function onlyInSkippedItems(container: SyntaxNode, mentions: AsyncMentions): boolean {
  let passed = -1;
  for (const at of mentions.within(container)) {
    if (at <= passed) {
      // Inside the item just looked at: its other mentions ask the same question.
      continue;
    }
    const item = container.firstNamedChildForIndex(at);
    if (!item || item.startIndex > at || !SKIPPED_ITEMS.has(item.type)) {
      return false;
    }
    passed = item.endIndex - 1;
  }
  return true;
}

/** A macro in item position (its arguments are items, expanded by the index, not expressions). */
function isItemLevel(macro: SyntaxNode): boolean {
  const parent = macro.parent?.type;
  return parent === 'source_file' || parent === 'declaration_list';
}

/** Analyses one file. Never throws for bad input: problems become notices or skipped futures. */
export function analyzeSource(text: string, options: AnalysisOptions): FileReport {
  const report = withCfg(options.cfg, () => analyzeSourceText(text, options));
  return report.instances ? attachInstances([report])[0] : report;
}

function analyzeSourceText(text: string, options: AnalysisOptions): FileReport {
  if (text.length > MAX_SOURCE_CHARS) {
    return {
      file: options.file,
      futures: [],
      notices: [`skipped: file is larger than ${MAX_SOURCE_CHARS / 1024 / 1024} MB`],
    };
  }
  if (!/\basync\b/.test(text)) {
    // No async fn, block or closure can exist: nothing to parse for.
    return { file: options.file, futures: [], notices: [] };
  }
  let tree = options.tree;
  const ownsTree = !tree;
  if (!tree) {
    try {
      tree = parseRust(text, options.parseBudgetMs ?? 2000);
    } catch (e) {
      if (e instanceof ParseTimeout) {
        return { file: options.file, futures: [], notices: [`skipped: ${e.message}`] };
      }
      throw e;
    }
  }
  const macros = new MacroTrees(options.walkCache?.macroItemTrees, options.parseBudgetMs);
  try {
    // A keystroke inside a body leaves the file's items as they were: their index is kept.
    const indexSettings = cfgKey(currentCfg());
    const cache = options.walkCache;
    const reused = cache && !ownsTree ? reusedIndex(cache, tree, text, indexSettings) : null;
    // A keystroke inside one fn's body: that fn alone is sized when the others' reports hold.
    const edited =
      reused && cache ? analyzeEditedFn(tree, text, options, cache, macros, reused) : null;
    if (edited) {
      return edited;
    }
    const analysis = new FileAnalysis(tree.rootNode, options, macros, [], undefined, reused);
    analysis.walk();
    const report = analysis.reports();
    if (!cache) {
      return report;
    }
    if (!ownsTree) {
      keepIndex(cache, tree, text, indexSettings, analysis.itemsRead());
    }
    const records = analysis.records(report.futures);
    const result = withHiddenFutures(cache, report, records, text, tree.rootNode);
    const fns = ownsTree || result !== report || options.dependencies ? null : analysis.fnSpans();
    if (fns) {
      keepReports(cache, {
        text,
        settings: reportSettings(options),
        calibration: options.calibration,
        fns,
        futures: analysis.keptFutures(report.futures),
        records,
        notices: report.notices,
        noticesAt: analysis.noticesAt(),
      });
    } else {
      dropReports(cache);
    }
    return result;
  } catch (e) {
    // A macro's input that did not parse in time (`MacroParseTimeout`): skipped like the file.
    if (e instanceof ParseTimeout) {
      return { file: options.file, futures: [], notices: [`skipped: ${e.message}`] };
    }
    throw e;
  } finally {
    macros.dispose();
    if (ownsTree) {
      tree.delete();
    }
  }
}

/**
 * The report of a keystroke inside one fn's body (or a comment) from the edited fn's analysis
 * and the other fns' kept reports (`keptReports.ts`); null when the whole file must be analysed.
 * When the edited fn's layout changed, the fns whose reports read it are sized again with it, in
 * a second analysis (their walks come from the walk cache, the edited fn's from the first).
 */
function analyzeEditedFn(
  tree: Tree,
  text: string,
  options: AnalysisOptions,
  cache: WalkCache,
  macros: MacroTrees,
  reused: ReusedIndex,
): FileReport | null {
  if (!reused.edit || options.dependencies) {
    return null;
  }
  let resized: ReadonlySet<number> = new Set();
  for (let round = 0; round < 2; round++) {
    const plan = planFocus(
      cache,
      reused.edit,
      reportSettings(options),
      options.calibration,
      options.file,
      text,
      resized,
    );
    if (!plan) {
      return null;
    }
    const analysis = new FileAnalysis(tree.rootNode, options, macros, [], undefined, reused, plan);
    analysis.walk();
    const own = analysis.reports();
    // Instances are listed from every fn's walk (`FileReport.instances`): not from kept reports.
    if (analysis.leftFocus || own.instances) {
      return null;
    }
    const fresh = {
      futures: analysis.keptFutures(own.futures),
      records: analysis.records(own.futures),
      notices: own.notices,
      noticesAt: analysis.noticesAt(),
    };
    const done = completeFocus(cache, plan, fresh, text, (r) => layoutSignature(reportLayout(r)));
    if (!done) {
      return null;
    }
    if ('resize' in done) {
      resized = done.resize;
      continue;
    }
    keepIndex(cache, tree, text, cfgKey(currentCfg()), analysis.itemsRead());
    const report = { file: options.file, futures: done.futures, notices: own.notices };
    const result = withHiddenFutures(cache, report, done.records, text, tree.rootNode);
    if (result !== report) {
      dropReports(cache);
    }
    return result;
  }
  return null;
}

/** What a file's reports depend on besides its text and calibration (`keptReports.ts`). */
function reportSettings(options: AnalysisOptions): string {
  return `${cfgKey(currentCfg())}|${options.edition}|${options.file}`;
}

/**
 * The report with the futures of the last analysis that a parse error hides now, kept until the
 * file parses again (`hiddenByParseErrors.ts`); `records`: this analysis' fns.
 */
function withHiddenFutures(
  cache: WalkCache,
  report: FileReport,
  records: FutureRecord[],
  text: string,
  root: SyntaxNode,
): FileReport {
  const kept = hiddenFutures(
    cache.lastFutures,
    cache.lastLength,
    report,
    new Set(records.map((r) => r.start)),
    text,
    root,
  );
  cache.lastFutures = [...records, ...kept];
  cache.lastLength = text.length;
  if (kept.length === 0) {
    return report;
  }
  const keptReports = kept.flatMap((k) => k.reports);
  const futures = [...report.futures, ...keptReports].sort(
    (a, b) => a.line - b.line || a.column - b.column,
  );
  const notice = `${plural(keptReports.length, 'future')} below a parse error kept from the last analysis until the file parses again`;
  return { ...report, futures, notices: [...report.notices, notice] };
}

/** A crate file's tree while the crate is analysed (null once deleted), or why it has none. */
type CrateTree = { tree: Tree | null; notice?: string };

/** One round of a crate's analysis: which files it walks, and what it knows of the others. */
export interface CrateRound {
  files: CrateFile[];
  /** Positions in `files` of the files to walk; all of them when undefined. */
  live?: Set<number>;
  /** The summaries of the files not walked, by position (see `crateSummary.ts`). */
  summaries?: (FileSummary | null)[];
  /** Files no build compiles and why, by path: computed when every file is walked, else given. */
  gatedOut?: Map<string, string>;
  /** Told each walked file's items fingerprint before any walk (it may stop the round). */
  checkItems?: (position: number, itemsKey: string | null) => void;
  /**
   * Only the reports are wanted (`analyzeCrate`): no later round compares the files' items, so
   * their fingerprints (a hash of every item's JSON) are not made; outcomes' `itemsKey` is null.
   */
  reportsOnly?: boolean;
}

export interface CrateRoundResult {
  /** By position in the round's files: what each walked file found; null for the others. */
  outcomes: (FileOutcome | null)[];
  gatedOut: Map<string, string>;
  /** How a crate analysed in rounds went (`analyzeInRounds`); absent for one round. */
  rounds?: RoundsTrace;
}

/** The rounds a whole crate took, rounds done again, and why it was analysed at once, if it was. */
export interface RoundsTrace {
  planned: number;
  run: number;
  redone: number;
  atOnce?: 'a failure' | 'a cycle of awaits' | 'too many files needed';
}

export interface CrateAnalysisOptions extends Omit<AnalysisOptions, 'file'> {
  /**
   * Only these files (by `CrateFile.file`) are walked and reported, in input order; the others
   * are indexed, and walked only when a reported future awaits one of theirs. Their reports are
   * the ones a run without this option gives, so workers can each take a share of one crate.
   * Default: every file.
   */
  reportFiles?: ReadonlySet<string>;
  /**
   * Generic async fns to size for given type arguments too (a dependency's fns, as its callers
   * instantiate them): each request's `report` is set when exactly one fn has its path.
   */
  instances?: InstanceRequest[];
  /**
   * Characters of text of files with `async` whose trees one round of a whole crate's analysis
   * keeps alive (default `CRATE_ROUND_CHARS`; tests lower it to cut small crates into rounds).
   */
  roundChars?: number;
  /**
   * A crate analysed in rounds hands each walked file's report to it as the file's round ends,
   * and keeps what it returns in its place (the CLI writes the futures to disk and keeps a
   * stand-in): the reports of a large crate need not all be in memory at once. Not called for a
   * crate analysed at once, whose reports are returned as they are.
   */
  holdReport?: (report: FileReport) => FileReport;
}

/**
 * A whole crate's analysis above this much text of files with `async` goes in rounds of files of
 * about this size (`analyzeInRounds`): each walked file's tree and walk state take tens of times
 * its text, and tree-sitter's WebAssembly memory never shrinks, so the rounds bound the peak.
 */
export const CRATE_ROUND_CHARS = 2 * 1024 * 1024;

/**
 * Analyses the files of one crate together: types, consts and async fns defined in one file are
 * known in all the others, so awaiting a function two modules away gets its future's real size.
 */
export function analyzeCrate(files: CrateFile[], options: CrateAnalysisOptions): FileReport[] {
  const round = { files, reportsOnly: true };
  return analyzeCrateRound(round, options).outcomes.flatMap((o) => (o ? [o.report] : []));
}

/**
 * One round of a crate's analysis (`analyzeCrate` walks every file; a crate session walks the files
 * an edit reached, and answers for the others from their summaries).
 */
export function analyzeCrateRound(
  round: CrateRound,
  options: CrateAnalysisOptions,
): CrateRoundResult {
  return withCfg(options.cfg, () => analyzeCrateFiles(round, options));
}

/** A file the round walks: its tree (or why it has none) and its analysis. */
interface LiveFile {
  position: number;
  file: CrateFile;
  tree: CrateTree;
  analysis: FileAnalysis | null;
  itemsKey: string | null;
}

/** Parses and indexes a file of the round: its tree, analysis and module declarations. */
function openCrateFile(
  position: number,
  file: CrateFile,
  options: Omit<AnalysisOptions, 'file'>,
  macros: MacroTrees,
  crate: CrateContext,
  keyItems: boolean,
): { live: LiveFile; declaring: DeclaringFile | null } {
  const live: LiveFile = { position, file, tree: { tree: null }, analysis: null, itemsKey: null };
  if (file.text.length > MAX_SOURCE_CHARS) {
    live.tree.notice = `skipped: file is larger than ${MAX_SOURCE_CHARS / 1024 / 1024} MB`;
    return { live, declaring: null };
  }
  let tree: Tree;
  try {
    tree = parseRust(file.text, options.parseBudgetMs ?? 2000);
  } catch (e) {
    if (!(e instanceof ParseTimeout)) {
      throw e;
    }
    live.tree.notice = `skipped: ${e.message}`;
    return { live, declaring: null };
  }
  // One root node for both: its children (and their types) are read once.
  const root = tree.rootNode;
  const declarations = /\bmod\b/.test(file.text) ? moduleDeclarations(root, file.file) : [];
  const declaring = { file: file.file, declarations, root: file.modulePath.length === 0 };
  try {
    live.analysis = new FileAnalysis(
      root,
      { ...options, file: file.file },
      macros,
      file.modulePath,
      crate,
    );
  } catch (e) {
    // One file that cannot be indexed costs its own items, not the crate's analysis.
    noteRuntimeFailure(e);
    tree.delete();
    live.tree.notice = `analysis failed: ${e instanceof Error ? e.message : String(e)}`;
    return { live, declaring };
  }
  live.itemsKey = keyItems ? itemsKeyOf(live.analysis.localIndex, declarations) : null;
  if (/\basync\b/.test(file.text)) {
    live.tree.tree = tree;
  } else {
    // A file without `async` only lends its items (already indexed, as plain data) to the others:
    // its tree goes now, so the crate's trees are never all in tree-sitter's memory at once.
    tree.delete();
  }
  return { live, declaring };
}

function analyzeCrateFiles(round: CrateRound, options: CrateAnalysisOptions): CrateRoundResult {
  // A share of a crate (`reportFiles`) walks other files on demand only, and requested instances
  // are sized from the files one round holds: both are analysed at once.
  const shared = round.files.some((f) => options.reportFiles && !options.reportFiles.has(f.file));
  const rounds =
    round.live || shared || (options.instances?.length ?? 0) > 0
      ? []
      : roundsOf(round.files, options.roundChars ?? CRATE_ROUND_CHARS);
  return rounds.length > 1
    ? analyzeInRounds(round.files, options, rounds)
    : analyzeRound(round, options, null);
}

/**
 * What the first round of a crate analysed in rounds walks, and what it leaves to the others: the
 * items of the files it sets aside (filled once every file is indexed, before any walk) and the
 * files no build compiles.
 */
interface FirstRound {
  walks: Set<number>;
  setAside: Map<number, PendingSummary>;
  gatedOut: Map<string, string>;
}

/**
 * A file with `async` a round has not walked yet: its items (qualified as the crate's other files
 * see them) and the file to walk when a round needs one of its futures (`NeedsFile`).
 */
interface PendingSummary extends FileSummary {
  index: ItemIndex;
  pendingFile: string;
  module: string;
  qualified: boolean;
}

/**
 * A whole crate in rounds (`roundsOf`): the first indexes every file and walks the first round's
 * files; each next one parses again and walks its own files, knowing the walked files by their
 * summaries and the others by their items. A walk that needs an unwalked file's future has the
 * round done again with that file (`NeedsFile`). The answers are the ones of one round over the
 * whole crate; where they could differ (a failure, a cycle of awaits, a round that keeps growing)
 * the crate is analysed at once.
 */
function analyzeInRounds(
  files: CrateFile[],
  options: CrateAnalysisOptions,
  rounds: Set<number>[],
): CrateRoundResult {
  const first: FirstRound = { walks: rounds[0], setAside: new Map(), gatedOut: new Map() };
  const trace: RoundsTrace = { planned: rounds.length, run: 1, redone: 0 };
  const outcomes: (FileOutcome | null)[] = files.map(() => null);
  const record = (result: CrateRoundResult) =>
    result.outcomes.forEach((outcome, i) => {
      if (outcome) {
        outcomes[i] = outcome;
        // Its items as set aside are no one's to read now: its summary stands for it.
        first.setAside.delete(i);
        if (options.holdReport) {
          outcome.report = options.holdReport(outcome.report);
        }
        sealBodies(outcome.summary, files[i].file);
      }
    });
  const next: Set<number>[] = rounds.slice(1);
  try {
    record(analyzeRound({ files }, options, first));
  } catch (e) {
    if (!(e instanceof NeedsFile)) {
      throw e;
    }
    trace.redone++;
    next.unshift(new Set(files.map((_, i) => i).filter((i) => !first.setAside.has(i))));
  }
  const atOnce = (why: RoundsTrace['atOnce']): CrateRoundResult => ({
    ...analyzeRound({ files }, options, null),
    rounds: { ...trace, atOnce: why },
  });
  const state = { files, options, outcomes, first, trace };
  for (const walks of next) {
    const live = new Set([...walks].filter((i) => !outcomes[i]));
    if (live.size === 0) {
      continue;
    }
    trace.run++;
    const result = roundWithNeededFiles(state, live);
    if (!result) {
      return atOnce('too many files needed');
    }
    record(result);
  }
  if (outcomes.some((o) => !o || o.failed)) {
    return atOnce('a failure');
  }
  if (awaitsCycle(outcomes)) {
    return atOnce('a cycle of awaits');
  }
  return { outcomes, gatedOut: first.gatedOut, rounds: trace };
}

/** Files a round may add to itself (`NeedsFile`) before the crate is analysed at once instead. */
const MAX_NEEDED_FILES = 64;

/**
 * One later round of `analyzeInRounds`, done again with each file a walk turns out to need; null
 * when that does not settle (then the crate is analysed at once).
 */
function roundWithNeededFiles(
  state: {
    files: CrateFile[];
    options: CrateAnalysisOptions;
    outcomes: (FileOutcome | null)[];
    first: FirstRound;
    trace: RoundsTrace;
  },
  live: Set<number>,
): CrateRoundResult | null {
  const { files, options, outcomes, first } = state;
  for (let added = 0; added <= MAX_NEEDED_FILES; added++) {
    const summaries = files.map((_, i) =>
      live.has(i) ? null : (outcomes[i]?.summary ?? first.setAside.get(i) ?? null),
    );
    try {
      return analyzeRound({ files, live, summaries, gatedOut: first.gatedOut }, options, null);
    } catch (e) {
      if (!(e instanceof NeedsFile)) {
        throw e;
      }
      const needed = files.findIndex((f) => f.file === e.file);
      if (needed < 0 || live.has(needed)) {
        return null;
      }
      state.trace.redone++;
      live.add(needed);
    }
  }
  return null;
}

/**
 * One round: parses and indexes its files, walks those with `async` and reports them. The first
 * round of a crate analysed in rounds (`first`) indexes every file and sets aside, tree deleted,
 * the files with `async` it does not walk.
 */
function analyzeRound(
  round: CrateRound,
  options: CrateAnalysisOptions,
  first: FirstRound | null,
): CrateRoundResult {
  const macros = new MacroTrees(undefined, options.parseBudgetMs);
  // In a first round, each file's macro trees go with its tree (a shared store keeps them all).
  const fileMacros = new Map<number, MacroTrees>();
  const crate = new CrateContext(round.files);
  const reportFiles = options.reportFiles;
  crate.walkOnDemand = reportFiles !== undefined;
  const reported = (live: LiveFile) => reportFiles?.has(live.file.file) ?? true;
  let lives: LiveFile[] = [];
  const declaring: DeclaringFile[] = [];
  const unwalked = new Set<number>();
  try {
    round.files.forEach((file, position) => {
      if (round.live && !round.live.has(position)) {
        return;
      }
      const own = first ? new MacroTrees(undefined, options.parseBudgetMs) : macros;
      if (first) {
        fileMacros.set(position, own);
      }
      const opened = openCrateFile(position, file, options, own, crate, !round.reportsOnly);
      if (first && opened.live.tree.tree && !first.walks.has(position)) {
        // Set aside as soon as it is indexed: no two set-aside trees are ever alive together.
        opened.live.tree.tree.delete();
        opened.live.tree.tree = null;
        own.dispose();
        fileMacros.delete(position);
        unwalked.add(position);
      }
      lives.push(opened.live);
      if (opened.declaring) {
        declaring.push(opened.declaring);
      }
      round.checkItems?.(position, opened.live.itemsKey);
    });
    const gatedOut = round.live ? (round.gatedOut ?? new Map()) : gatedOutFiles(declaring);
    leaveOutGatedModules(gatedOut, lives);
    if (first) {
      first.gatedOut = gatedOut;
      lives = setAside(lives, first, unwalked);
    }
    const byPosition = new Map(lives.map((l) => [l.position, l]));
    crate.attach(
      round.files.map((_, position) => {
        const live = byPosition.get(position);
        return live
          ? live.analysis
          : (first?.setAside.get(position) ?? round.summaries?.[position] ?? null);
      }),
      round.files.map((f) => f.modulePath),
    );
    const failed = walkCrateFiles(lives, reported);
    sizeRequestedInstances(options.instances, lives);
    const outcomes: (FileOutcome | null)[] = round.files.map(() => null);
    for (const live of lives.filter(reported)) {
      outcomes[live.position] = outcomeOf(live, failed.get(live));
    }
    return { outcomes, gatedOut };
  } finally {
    macros.dispose();
    fileMacros.forEach((m) => m.dispose());
    for (const live of lives) {
      live.tree.tree?.delete();
    }
  }
}

/**
 * Keeps the items of the files with `async` a first round does not walk (`unwalked`, their trees
 * already deleted) as `PendingSummary`s, unless no build compiles them. Returns the files it walks.
 */
function setAside(lives: LiveFile[], first: FirstRound, unwalked: Set<number>): LiveFile[] {
  return lives.filter((live) => {
    const { analysis } = live;
    if (!unwalked.has(live.position)) {
      return true;
    }
    if (!analysis) {
      // Gated out (`leaveOutGatedModules`): reported now, with its notice.
      return true;
    }
    const pending: PendingSummary = {
      index: analysis.localIndex,
      futures: new Map(),
      fnKeys: new Map(),
      pendingFile: live.file.file,
      module: analysis.module,
      qualified: false,
    };
    sealBodies(pending, live.file.file);
    first.setAside.set(live.position, pending);
    return false;
  });
}

/**
 * Finds and walks the futures of the walked files that have `async`. A file whose analysis throws
 * gets a notice of its own (returned); the other files keep their reports.
 */
function walkCrateFiles(
  lives: LiveFile[],
  reported: (live: LiveFile) => boolean,
): Map<LiveFile, string> {
  const failed = new Map<LiveFile, string>();
  // Files without `async` still define types and fns for the others, but have no futures to find.
  const withAsync = lives.filter((l) => l.analysis && l.tree.tree);
  const guarded = (step: (a: FileAnalysis) => void, only: (live: LiveFile) => boolean) =>
    withAsync.forEach((live) => {
      if (!failed.has(live) && only(live)) {
        try {
          step(live.analysis!);
        } catch (e) {
          if (e instanceof NeedsFile) {
            throw e;
          }
          noteRuntimeFailure(e);
          failed.set(live, `analysis failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    });
  guarded(
    (a) => a.discoverFutures(),
    () => true,
  );
  // A reported file another one needed was walked on demand already (see `walkOnDemand`).
  guarded((a) => a.hasWalked || a.walk(), reported);
  return failed;
}

/** Sizes the instances a caller asked for (`CrateAnalysisOptions.instances`), each on its own. */
function sizeRequestedInstances(requests: InstanceRequest[] | undefined, lives: LiveFile[]): void {
  for (const request of requests ?? []) {
    const subst = new Map(request.subst);
    try {
      const reports = lives.flatMap((l) => l.analysis?.instanceReports(request.path, subst) ?? []);
      // Two fns of one path (per cfg, per impl): which one the caller meant is not known here.
      if (reports.length === 1) {
        request.report = reports[0];
      }
    } catch (e) {
      if (e instanceof NeedsFile) {
        throw e;
      }
      noteRuntimeFailure(e);
    }
  }
}

/** What a walked file found: its report, and its summary for later rounds. */
function outcomeOf(live: LiveFile, failure: string | undefined): FileOutcome {
  const { file, analysis, itemsKey } = live;
  const why = failure ?? live.tree.notice;
  const index = analysis && !live.tree.notice ? analysis.localIndex : null;
  const empty = (notices: string[]): FileOutcome => ({
    report: { file: file.file, futures: [], notices },
    summary: { index, futures: new Map(), fnKeys: new Map() },
    itemsKey,
    reads: new Map(),
    bodiesRead: new Set(),
    failed: why !== undefined && why.startsWith('analysis failed'),
  });
  if (why !== undefined || !analysis) {
    return empty(why ? [why] : []);
  }
  try {
    return analysis.outcome(itemsKey);
  } catch (e) {
    if (e instanceof NeedsFile) {
      throw e;
    }
    noteRuntimeFailure(e);
    return empty([`analysis failed: ${e instanceof Error ? e.message : String(e)}`]);
  }
}

/**
 * Files that only `mod` declarations gated off name are not compiled: no futures, and none of
 * their items in the crate's index.
 */
function leaveOutGatedModules(gatedOut: Map<string, string>, lives: LiveFile[]): void {
  for (const live of lives) {
    const why = gatedOut.get(live.file.file);
    if (why !== undefined && live.analysis) {
      live.tree.tree?.delete();
      live.tree = { tree: null, notice: `no futures: ${why}` };
      live.analysis = null;
    }
  }
}

/**
 * One share of a crate split between workers, between its two phases: the files it parsed (their
 * trees and analyses), and what it needs to open the crate's other files when a walk asks.
 */
export interface CrateShare {
  files: CrateFile[];
  options: CrateAnalysisOptions;
  macros: MacroTrees;
  crate: CrateContext;
  /** The share's files, in crate order. */
  lives: LiveFile[];
  /** The share's files' `mod` declarations, by position. */
  declaring: Map<number, DeclaringFile>;
  /** Other files opened in phase two because a walk needed them (freed with the share). */
  opened: LiveFile[];
}

/**
 * Phase one of a share: parses and indexes the files at the positions in `share` (and no other),
 * keeps their trees, and summarises what the other shares need of them before any walk.
 * `walkCrateShare` or `closeCrateShare` must follow: they free the trees.
 */
export function openCrateShare(
  files: CrateFile[],
  share: ReadonlySet<number>,
  options: CrateAnalysisOptions,
): { share: CrateShare; summaries: ShareFileSummary[] } {
  const state: CrateShare = {
    files,
    options,
    macros: new MacroTrees(undefined, options.parseBudgetMs),
    crate: new CrateContext(files),
    lives: [],
    declaring: new Map(),
    opened: [],
  };
  try {
    const positions = [...share].sort((a, b) => a - b);
    const summaries = withCfg(options.cfg, () =>
      positions.map((position): ShareFileSummary => {
        const opened = openCrateFile(
          position,
          files[position],
          options,
          state.macros,
          state.crate,
          false,
        );
        const { live, declaring } = opened;
        state.lives.push(live);
        if (declaring) {
          state.declaring.set(position, declaring);
        }
        const tree = live.tree.tree;
        return {
          position,
          file: files[position].file,
          index: live.analysis ? stripIndex(live.analysis.localIndex) : null,
          declaring,
          keyed: tree !== null && live.analysis !== null && fileCfgdOutBy(tree.rootNode) === null,
        };
      }),
    );
    return { share: state, summaries };
  } catch (e) {
    closeCrateShare(state);
    throw e;
  }
}

/** Frees what a share holds (its trees and macro trees). */
export function closeCrateShare(share: CrateShare): void {
  share.macros.dispose();
  for (const live of [...share.lives, ...share.opened]) {
    live.tree.tree?.delete();
    live.tree.tree = null;
  }
}

/**
 * Phase two of a share: with the other shares' summaries (by position; null for the share's own
 * files), walks and reports the share's files, each report the one `analyzeCrate` gives. Another
 * file is parsed only when a walk reads more of it than its items. Frees the share.
 */
export function walkCrateShare(
  share: CrateShare,
  summaries: readonly (ShareFileSummary | null)[],
): FileReport[] {
  try {
    return withCfg(share.options.cfg, () => walkShare(share, summaries));
  } finally {
    closeCrateShare(share);
  }
}

function walkShare(
  share: CrateShare,
  summaries: readonly (ShareFileSummary | null)[],
): FileReport[] {
  const { files, crate } = share;
  const own = new Map(share.lives.map((live) => [live.position, live]));
  if (summaries.some((s, p) => s && s.file !== files[p]?.file)) {
    throw new Error('the shares of the crate read different files');
  }
  const declaring = files.flatMap((_, p) => {
    const declared = own.has(p) ? share.declaring.get(p) : summaries[p]?.declaring;
    return declared ? [declared] : [];
  });
  const gatedOut = gatedOutFiles(declaring);
  leaveOutGatedModules(gatedOut, share.lives);
  const opened = new Map<number, FnInfo[]>();
  const standIns = files.map((file, p): FileSummary | null => {
    const summary = own.has(p) ? null : summaries[p];
    if (!summary?.index || gatedOut.has(file.file)) {
      return null;
    }
    hydrateIndex(summary.index, () => {
      pending.openAt(p);
      const fns = opened.get(p);
      if (!fns) {
        throw new Error(`${file.file} could not be analysed again in this share`);
      }
      return fns;
    });
    const fnKeys = summary.keyed ? fnKeysOf(file.file, summary.index) : new Map<FnInfo, string>();
    return { index: summary.index, futures: new Map(), fnKeys };
  });
  const indexes = files.map((_, p) => own.get(p)?.analysis?.localIndex ?? standIns[p]?.index);
  // As `attach` qualifies a walked file's items (summaries from another thread are not yet).
  const qualify = sharedTypeNameQualifier(indexes);
  standIns.forEach((s, p) => s?.index && qualify(s.index, files[p].modulePath));
  crate.attach(
    files.map((_, p) => (own.has(p) ? own.get(p)!.analysis : standIns[p])),
    files.map((f) => f.modulePath),
  );
  const pending = new PendingFiles(
    files,
    standIns.flatMap((s, p) => (s && s.fnKeys.size > 0 ? [p] : [])),
    (p) => {
      const { live } = openCrateFile(p, files[p], share.options, share.macros, crate, false);
      share.opened.push(live);
      const analysis = live.analysis;
      const standIn = standIns[p];
      if (!analysis || !standIn?.index || !crate.index) {
        return;
      }
      qualify(analysis.localIndex, files[p].modulePath);
      replaceSummaryFns(crate.index, standIn.index, analysis.localIndex);
      analysis.useCrateIndex(mergeIndexes(analysis.localIndex, crate.index));
      opened.set(p, fnsOf(analysis.localIndex));
      if (live.tree.tree) {
        try {
          analysis.discoverFutures();
        } catch (e) {
          // As a run over every file: the file is then never walked (see `walkOnDemand`).
          noteRuntimeFailure(e);
        }
      }
    },
  );
  crate.walkOnDemand = true;
  crate.openOnDemand = (key) => pending.openFor(key);
  const failed = walkCrateFiles(share.lives, () => true);
  return share.lives.map((live) => outcomeOf(live, failed.get(live)).report);
}

function isPendingSummary(f: FileAnalysis | FileSummary | null): f is PendingSummary {
  return !!f && 'pendingFile' in f;
}

/**
 * Qualifies a file's type names that other files define too (`qualifySharedTypeNames`), from
 * how many times the crate's files define each name, and each name in a module of each last name.
 */
function sharedTypeNameQualifier(
  indexes: readonly (ItemIndex | null | undefined)[],
): (index: ItemIndex, modulePath: readonly string[]) => void {
  const definitions = new Map<string, number>();
  const count = (key: string, n: number) => definitions.set(key, (definitions.get(key) ?? 0) + n);
  for (const index of indexes) {
    index?.typeModules.forEach((modules, name) => {
      count(name, modules.length);
      modules.forEach((module) => count(`${module}::${name}`, 1));
    });
  }
  return (index, modulePath) => {
    const own = index.typeModules;
    const module = modulePath[modulePath.length - 1] ?? '';
    qualifySharedTypeNames(
      index,
      modulePath,
      (name) => (definitions.get(name) ?? 0) > (own.get(name)?.length ?? 0),
      (name) =>
        (definitions.get(`${module}::${name}`) ?? 0) >
        (own.get(name) ?? []).filter((m) => m === module).length,
    );
  };
}

/** What the files of one crate share: the combined index and who owns which future. */
class CrateContext {
  index: ItemIndex | null = null;
  /**
   * The crate's cfg macros, read from all its files' texts: an item macro whose cfg the build
   * leaves out (`cfg_not_test_util! { .. }` with `test-util` on) lends no items.
   */
  readonly cfgMacros: CrateCfgMacros;

  constructor(files: readonly CrateFile[]) {
    this.cfgMacros = CrateCfgMacros.of(files.map((f) => f.text));
  }
  /** What the crate's modules re-export from other crates. */
  reexports: CrateReexports | null = null;
  /** Only some files are reported (`reportFiles`): another file is walked when a report needs it. */
  walkOnDemand = false;
  /**
   * Who owns each future key, and the key of each node any file has keyed: filled as files find
   * their futures (after `attach`), so a cross-file lookup is one map read instead of a scan of
   * every file. The first file to claim a key or node keeps it, as the scan in file order did.
   */
  private readonly owners = new Map<string, FileAnalysis>();
  private readonly nodeKeys = new Map<number, string>();
  /**
   * The keys of fns by their info: a callee from another file is named by it, not by its node's
   * id (an id is a memory address that a tree parsed after the callee's was freed may reuse).
   */
  private readonly fnKeys = new Map<FnInfo, string>();
  /**
   * The fns of files with `async` no round has walked yet (a crate analysed in rounds): their
   * futures are not known until their file is walked.
   */
  private readonly unwalkedFns = new Map<FnInfo, string>();
  /** The futures of files this round does not walk (a crate session's summaries). */
  private readonly summaries = new Map<string, FutureSummary>();

  /**
   * Combines the files' items, in file order: a walked file's analysis or another's summary (null:
   * a file that lends no items).
   */
  attach(
    files: (FileAnalysis | FileSummary | null)[],
    modulePaths: readonly (readonly string[])[],
  ): void {
    const analyses = files.filter((f): f is FileAnalysis => f instanceof FileAnalysis);
    const pending = files.filter(isPendingSummary);
    const indexes = files.map((f) => (f instanceof FileAnalysis ? f.localIndex : f?.index));
    // Before any file's types are qualified: how many times the crate defines each type name.
    const qualify = sharedTypeNameQualifier(indexes);
    // Summaries were qualified in the round that walked them (or, unwalked, set them aside).
    files.forEach((f, p) => {
      if (f instanceof FileAnalysis) {
        qualify(f.localIndex, modulePaths[p] ?? []);
      } else if (isPendingSummary(f) && !f.qualified) {
        qualify(f.index, modulePaths[p] ?? []);
      }
    });
    for (const p of pending) {
      p.qualified = true;
      p.index.byNode.forEach((fn) => this.unwalkedFns.set(fn, p.pendingFile));
    }
    this.index = combineIndexes(indexes.filter((i): i is ItemIndex => !!i));
    this.reexports = new CrateReexports(
      indexes.map((index, i) => ({ modulePath: modulePaths[i], index: index ?? null })),
    );
    noteCrateReexports(this.index, this.reexports);
    for (const a of analyses) {
      a.useCrateIndex(mergeIndexes(a.localIndex, this.index));
    }
    for (const f of files) {
      if (f && !(f instanceof FileAnalysis)) {
        f.futures.forEach((summary, key) => this.summaries.set(key, summary));
        f.fnKeys.forEach((key, fn) => this.fnKeys.set(fn, key));
      }
    }
  }

  /** A file of the crate found a future. */
  noteFuture(key: string, owner: FileAnalysis): void {
    if (!this.owners.has(key)) {
      this.owners.set(key, owner);
    }
  }

  /** A file of the crate gave one of its nodes a key. */
  noteKey(nodeId: number, key: string): void {
    if (!this.nodeKeys.has(nodeId)) {
      this.nodeKeys.set(nodeId, key);
    }
  }

  /** A file of the crate gave one of its fns a key. */
  noteFnKey(fn: FnInfo, key: string): void {
    if (!this.fnKeys.has(fn)) {
      this.fnKeys.set(fn, key);
    }
  }

  /** Opens a file this share knows only from its summary when a key of it is asked for. */
  openOnDemand?: (key: string) => void;

  /** The analysis that owns the future with this key, if any file does. */
  ownerOf(key: string): FileAnalysis | undefined {
    const owner = this.owners.get(key);
    if (owner === undefined && this.openOnDemand) {
      this.openOnDemand(key);
      return this.owners.get(key);
    }
    return owner;
  }

  /**
   * The instances of generic fns any file made, by id: a walk read from another file names them
   * (`inner<S, T>` in `outer<S, T>`, composed by an instance of `outer` sized elsewhere).
   */
  private readonly instances = new Map<string, { entry: FutureEntry; subst: Map<string, Ty> }>();

  noteInstance(id: string, entry: FutureEntry, subst: Map<string, Ty>): void {
    if (!this.instances.has(id)) {
      this.instances.set(id, { entry, subst });
    }
  }

  instanceOf(id: string): { entry: FutureEntry; subst: Map<string, Ty> } | undefined {
    return this.instances.get(id);
  }

  /** A future of a file this round knows only from its summary. */
  summaryOf(key: string): FutureSummary | undefined {
    return this.owners.has(key) ? undefined : this.summaries.get(key);
  }

  keyOf(node: SyntaxNode): string | undefined {
    return this.nodeKeys.get(node.id);
  }

  keyOfFn(fn: FnInfo): string | undefined {
    const unwalked = this.unwalkedFns.get(fn);
    if (unwalked !== undefined) {
      throw new NeedsFile(unwalked);
    }
    return this.fnKeys.get(fn);
  }
}

class FileAnalysis {
  private readonly futures = new Map<string, FutureEntry>();
  private readonly order: FutureEntry[] = [];
  private readonly instances = new Map<
    string,
    { entry: FutureEntry; subst: Map<string, Ty>; report?: FutureReport; inProgress?: boolean }
  >();
  /** The fns (or instances) whose walks made each instance, by instance id (`madeInstances`). */
  private readonly instanceCallers = new Map<string, CallSite[]>();
  /** The fn (or instance) whose walk or report is under way: who makes the instances met now. */
  private caller: CallSite | null = null;
  private readonly notices: string[] = [];
  /** Where the future of each notice of a skipped future starts (`noticesAt`). */
  private readonly skipNoticesAt: number[] = [];
  /** The keys this file gave its fns, by their info (what other files' awaits name them by). */
  private readonly fnKeys = new Map<FnInfo, string>();
  /** For each future, the futures whose layouts its report read (see `FileOutcome.reads`). */
  private readonly readsOf = new Map<string, string[]>();
  /** Other files whose walks or positions this file's reports read. */
  private readonly bodiesRead = new Set<string>();
  /** Phase A answers Copy/drop questions without sizing futures (they may not be analysed yet). */
  private readonly traitLayouts: LayoutComputer;
  /** The crate's type a path names, as layouts read it (`TypeEnv.userType`). */
  private readonly userTypeOf: TypeEnv['userType'];
  private readonly sizeLayouts: LayoutComputer;

  readonly localIndex: ItemIndex;
  /** The module this file is (the last segment of its path in the crate; empty for the crate root). */
  readonly module: string;
  /** The file's module path in the crate (`[]` for the root). */
  private readonly modulePath: readonly string[];
  /** Roots of the items found inside item-level macros (`cfg_rt! { .. }`), searched like the file itself. */
  private readonly macroItemRoots: SyntaxNode[] = [];
  private index: ItemIndex;
  /** What each fn's walk can read of the index: part of its walk-cache key. */
  private itemDependencies: ItemDependencies;
  /** The walk cache's units of this analysis; null without a walk cache. */
  private readonly walkUnits: WalkUnits | null;
  /** What each report read, and the walk cache's reports. */
  private readonly reportMemo: ReportMemo;
  /** What the last analysis read outside the bodies that the edit left as it was. */
  private readonly keptFacts: KeptFacts | undefined;
  /** What this analysis read outside the bodies, for the next one (`itemsRead`). */
  private readonly facts: KeptFacts;
  /** The layouts each future's report read (`keptFutures`), and whether a cycle cut one short. */
  private readonly depsOf = new Map<string, LayoutRead[] | null>();
  private sawCycle = false;
  /** With a `FocusPlan`: the entries of the fns whose kept reports this analysis takes. */
  private readonly keptEntries = new Set<FutureEntry>();
  /** With a `FocusPlan`: the fns analysed (the edited one and those re-sized), in index order. */
  private readonly focusedFns: FnInfo[] = [];
  /**
   * With a `FocusPlan`: the edited fn's analysis read what the kept entries do not give (a kept
   * fn's block, a generic instance of a kept fn): its answer is not used.
   */
  leftFocus = false;

  constructor(
    private readonly root: SyntaxNode,
    private readonly options: AnalysisOptions,
    private readonly macros: MacroTrees,
    modulePath: string[] = [],
    private readonly crate?: CrateContext,
    /** The file's index kept from its last analysis, when the edit since changed no item. */
    reused?: ReusedIndex | null,
    /** Only the edited fn is analysed; the other fns' reports are kept (`keptReports.ts`). */
    private readonly focus: FocusPlan | null = null,
  ) {
    this.module = modulePath[modulePath.length - 1] ?? '';
    this.modulePath = modulePath;
    this.keptFacts = reused?.facts;
    // What the other fns' analyses read stays for the next analysis, as they are not read again.
    this.facts =
      focus && reused?.facts
        ? {
            ...reused.facts,
            fnHashes: new Map(reused.facts.fnHashes),
            nested: new Map(reused.facts.nested),
          }
        : { fnHashes: new Map(), nested: new Map() };
    if (reused) {
      this.macroItemRoots.push(...reused.macroRoots);
    }
    this.localIndex =
      reused?.index ??
      indexItems(
        root,
        modulePath,
        (m) => {
          if (this.crate?.cfgMacros.keeps(m, currentCfg()) === false) {
            return null;
          }
          const items = this.macros.items(m);
          if (items) {
            this.macroItemRoots.push(items);
          }
          return items;
        },
        options.walkCache?.signatures,
        currentCfg(),
      );
    this.index = this.localIndex;
    this.itemDependencies = new ItemDependencies(this.index);
    const resultIsIo = (this.index.uses.get('Result') ?? []).includes('io');
    this.walkUnits = options.walkCache ? this.walkUnitsOf(options.walkCache, resultIsIo) : null;
    this.reportMemo = new ReportMemo(options.walkCache, options.calibration?.data.createdAt ?? '');
    const typeEnv = (sized: boolean): TypeEnv => ({
      userType: (segments, origin) =>
        this.crateTypeThroughUses(segments) ?? this.ownUserType(segments, origin),
      futureLayout: (id) =>
        sized
          ? this.futureLayout(id)
          : { size: 0, align: 1, exact: false, unknown: [], drop: true, copy: false, niche: null },
      learnedType: (segments, args) => this.options.calibration?.type(segments, args) ?? null,
      foreignType: (segments, scope) =>
        this.options.dependencies?.foreignType(segments, scope, this.index.globImports) ?? null,
      reexportedType: (segments) => this.reexportedType(segments),
      projection: (proj) => this.projection(proj),
    });
    this.userTypeOf = typeEnv(false).userType;
    this.traitLayouts = new LayoutComputer(typeEnv(false));
    this.sizeLayouts = new LayoutComputer(typeEnv(true));
    this.traitLayouts.resultIsIo = resultIsIo;
    this.sizeLayouts.resultIsIo = resultIsIo;
  }

  private walkUnitsOf(cache: WalkCache, resultIsIo: boolean): WalkUnits {
    return new WalkUnits(cache, {
      resultIsIo,
      edition: this.options.edition,
      cfg: cfgKey(currentCfg()),
      // A crate's index spans files: its fingerprints are computed afresh.
      environments: () => (this.crate ? new Map() : cache.environmentsFor(this.indexSourceKey())),
    });
  }

  /** The text the file's index is read from, outside the fn bodies (`indexSourceKey`). */
  private indexSourceKey(): string {
    this.facts.sourceKey = this.keptFacts?.sourceKey ?? indexSourceKey(this.root, this.localIndex);
    return this.facts.sourceKey;
  }

  /**
   * What awaiting an async fn's future yields, from its declared result alone (no body is
   * walked while a type is laid out); null for a block's or closure's future.
   */
  private declaredFutureOutput(id: string): Ty | null {
    const instance = this.instances.get(id);
    if (instance?.entry.fn) {
      return substitute(instance.entry.fn.ret, instance.subst);
    }
    const found = this.findFuture(id);
    if (found) {
      return found.entry.fn?.ret ?? null;
    }
    return this.summaryOf(id, false)?.fn?.ret ?? this.options.dependencies?.asyncOutput(id) ?? null;
  }

  /** An associated type through the crate's trait impls (`TypeEnv.projection`). */
  private projection(proj: Projection): Ty | null {
    const trait = proj.trait?.[proj.trait.length - 1];
    if (proj.self.k === 'future' && proj.name === 'Output' && (!trait || trait === 'Future')) {
      // A future's `F::Output` (`with_timeout<F: Future>`'s result): an async fn's declared one.
      return this.declaredFutureOutput(proj.self.id);
    }
    const typeOf = (ty: Ty & { k: 'adt' }) =>
      ty.scope === undefined && !STD_ROOTS.has(ty.segments[0])
        ? this.userTypeOf(ty.segments, ty.origin)
        : null;
    const expandAlias = (ty: Ty & { k: 'adt' }) => {
      const alias = typeOf(ty);
      if (alias === null || alias === 'ambiguous' || alias.kind !== 'alias') {
        return null;
      }
      const args = new Map(alias.params.map((p, i) => [p, ty.args[i] ?? UNKNOWN]));
      return substitute(alias.ty, args);
    };
    return resolveProjection(proj, {
      impls: this.index.assocTypes,
      isOwnType: (ty) => typeOf(ty) !== null,
      isAlias: (ty) => {
        const found = typeOf(ty);
        // A name defined more than once may be an alias only if one of its definitions is.
        return found === 'ambiguous'
          ? this.aliasNames().has(ty.segments[ty.segments.length - 1])
          : found?.kind === 'alias';
      },
      expandAlias,
    });
  }

  private aliases: { index: ItemIndex; names: Set<string> } | null = null;

  /** The names the crate's aliases have (some qualified by their module: the last segment). */
  private aliasNames(): Set<string> {
    if (this.aliases?.index !== this.index) {
      const names = new Set<string>();
      // By its keys: a file's view of the crate's index is layered (`mergeIndexes`).
      for (const key of this.index.types.keys()) {
        if (this.index.types.get(key)?.kind === 'alias') {
          names.add(key.split('::').pop()!);
        }
      }
      this.aliases = { index: this.index, names };
    }
    return this.aliases.names;
  }

  /**
   * The crate's type these segments name, read from their last segments (`TypeEnv.userType`);
   * `ambiguous` when the crate defines several of that name and the path does not say which.
   */
  private ownUserType(segments: string[], origin?: TypeOrigin): UserType | null | 'ambiguous' {
    const name = segments[segments.length - 1];
    if (this.index.ambiguousTypes.has(name)) {
      return 'ambiguous';
    }
    if (segments.length > 1) {
      // Two modules of one name define it (`#[cfg(unix)] mod imp;` and `#[cfg(windows)] mod imp;`):
      // which one the build has is not known here.
      if (
        (this.index.typeModules.get(name) ?? []).filter((m) => m === segments[segments.length - 2])
          .length > 1
      ) {
        return 'ambiguous';
      }
      const qualified = this.index.types.get(`${segments[segments.length - 2]}::${name}`);
      if (qualified) {
        return qualified;
      }
    }
    const t = this.index.types.get(name);
    if (!t || segments.length === 1) {
      // Types in signatures from other files come unqualified (`Notified`, defined in that file's
      // module): when several files of the crate define that name and this file does not, which one
      // is meant is not known here (tokio has `sync::notify::Notified` and `runtime::task::Notified`).
      if (
        t &&
        this.crate &&
        !this.localIndex.types.has(name) &&
        (this.index.typeModules.get(name)?.length ?? 0) > 1
      ) {
        return 'ambiguous';
      }
      return t ?? null;
    }
    // `std::io::Error` or `io::Error` is std's unless this crate has its own module of that name defining it.
    if (['std', 'core', 'alloc'].includes(segments[0])) {
      return null;
    }
    const qualifier = segments[segments.length - 2];
    const definedIn = this.index.typeModules.get(name) ?? [];
    if (definedIn.includes(qualifier)) {
      return t;
    }
    // Written through a module no file of that name defines it in (a `#[path]` module, a
    // re-export): with several candidates, which one is meant is not known here.
    if (definedIn.length > 1) {
      return 'ambiguous';
    }
    if (origin === 'crate') {
      return t;
    }
    return [
      'io',
      'fmt',
      'sync',
      'mpsc',
      'collections',
      'time',
      'net',
      'fs',
      'rc',
      'cell',
      'thread',
    ].includes(qualifier)
      ? null
      : t;
  }

  /** The crate's type a `crate::` path names through the `use`s of its modules, if one. */
  private crateTypeThroughUses(segments: string[]): UserType | null {
    return this.crate?.reexports ? crateTypeAt(this.index, this.crate.reexports, segments) : null;
  }

  /** Another crate's type a `use` in one of this crate's modules brings in (`TypeEnv`). */
  private reexportedType(segments: string[]): ForeignType | null {
    const std = this.crate?.reexports && stdTypeAt(this.crate.reexports, segments);
    if (std) {
      return std;
    }
    const dependencies = this.options.dependencies;
    const paths = dependencies
      ? this.crate?.reexports?.externalPaths(segments, this.modulePath)
      : [];
    const found = (paths ?? [])
      .map((path) => dependencies!.foreignType(path, undefined, []))
      .filter((t): t is ForeignType => t !== null);
    if (found.length > 1 && found.some((t) => JSON.stringify(t) !== JSON.stringify(found[0]))) {
      // Two glob imports bring the name: rustc refuses such a path, so nothing is claimed.
      return { kind: 'unknown', reason: `${segments.join('::')} (several glob imports bring it)` };
    }
    return found[0] ?? null;
  }

  /**
   * Another crate's fn a path into this crate names through its modules' `use`s
   * (`crate::types::Field::new` after `pub use postgres_types::*;` in `types`), when exactly one
   * path out of the crate fits.
   */
  private reexportedFn(segments: string[]): ForeignFn | null {
    const paths = this.crate?.reexports?.externalPaths(segments, this.modulePath) ?? [];
    const found = new Map<string, ForeignFn>();
    for (const path of paths) {
      const fn = this.options.dependencies!.foreignFn(path);
      if (fn) {
        found.set(`${fn.scope}|${fn.fn.path}`, fn);
      }
    }
    return found.size === 1 ? [...found.values()][0] : null;
  }

  useCrateIndex(index: ItemIndex): void {
    this.index = index;
    this.itemDependencies = new ItemDependencies(index);
  }

  /** This file's future with that key, or another file's of the same crate. */
  private findFuture(key: string): { entry: FutureEntry; owner: FileAnalysis } | undefined {
    const local = this.futures.get(key);
    if (local) {
      return { entry: local, owner: this };
    }
    if (this.focus && (key.startsWith('node:') || this.focus.isKept(key))) {
      // A kept fn's block or closure (no entry here), or a node discovery did not key.
      this.leftFocus = true;
    }
    const owner = this.crate?.ownerOf(key);
    const entry = owner?.futures.get(key);
    return owner && entry ? { entry, owner } : undefined;
  }

  /**
   * A future of another file of the crate that this round has no tree of, when reading it needs
   * no tree (its fn's declared output, its layout). Reading more needs its file: `NeedsFile`.
   */
  private summaryOf(key: string, needsTree: boolean): FutureSummary | undefined {
    const summary = this.crate?.summaryOf(key);
    if (summary && needsTree) {
      throw new NeedsFile(summary.file);
    }
    return summary;
  }

  /** Notes that this file's reports read the walk or positions of the future's file, if another. */
  private readBodyOf(owner: FileAnalysis): void {
    if (owner !== this) {
      this.bodiesRead.add(owner.options.file);
    }
  }

  /** The owner of an entry found by key (instances keep their generic fn's entry). */
  private ownerOfEntry(entry: FutureEntry): FileAnalysis {
    return this.findFuture(entry.id)?.owner ?? this;
  }

  private discovered = false;

  /** Set while discovery runs: still set after it threw, so the file is then never walked. */
  private discoveryFailed = false;

  /** Finds this file's futures; in a crate, every file does this before any body is walked. */
  discoverFutures(): void {
    if (!this.discovered) {
      this.discovered = true;
      this.discoveryFailed = true;
      this.discover(this.root, { generics: new Set(), selfTy: null });
      this.discoveryFailed = false;
    }
  }

  private walked = false;

  get hasWalked(): boolean {
    return this.walked;
  }

  /**
   * Another file's report needs this file's futures, and this file was left out of `reportFiles`:
   * walked now, as a run over every file would have. A walk that throws is reported by the run
   * that reports this file; here the futures keep what the walk got to, as they would there.
   */
  walkOnDemand(): void {
    // A crate run over every file does not walk a file whose discovery failed either.
    if (!this.walked && !this.discoveryFailed) {
      try {
        this.walk();
      } catch (e) {
        noteRuntimeFailure(e);
      }
    }
  }

  /** The file's item index and its item macros' roots, as the next keystroke may keep them. */
  itemsRead(): ReusedIndex {
    return { index: this.localIndex, macroRoots: this.macroItemRoots, facts: this.facts };
  }

  /** Phase A: walks every body (nested futures get their captures from it). */
  walk(): void {
    this.walked = true;
    this.discoverFutures();
    const fns = this.focus ? this.focusedFns : this.localIndex.byNode.values();
    for (const fn of fns) {
      const entry = this.futures.get(this.keyOf(fn.node));
      if (!entry && !this.fnsWithNested.has(fn.node.id)) {
        continue;
      }
      const parseProblem = fn.node.hasError ? seriousParseError(fn.node) : null;
      if (parseProblem) {
        if (entry) {
          entry.report = this.skipped(entry, parseProblem);
        }
        continue;
      }
      this.walkFn(fn, entry);
    }
    // Futures outside any fn (consts, statics) have no captures; neither have those of fns walked
    // on their own. One inside a fn or future whose walk failed has unknown captures: skipped.
    for (const entry of this.order) {
      if (!entry.body && !entry.report) {
        if (this.insideSkipped(entry)) {
          this.skipWithin(entry, 'the future or fn around it could not be analysed');
        } else {
          this.walkFuture(entry, []);
        }
      }
    }
  }

  /** Walks a fn's body, or takes its walk from the walk cache when the fn's unit is there. */
  private walkFn(fn: FnInfo, entry: FutureEntry | undefined): void {
    const units = this.walkUnits;
    const anchor = startOf(fn.node);
    const unitKey = units ? this.unitKeyOf(units, fn, anchor) : '';
    const restored = units?.restore(unitKey, anchor, entry, (id) => this.futures.get(id));
    const caller = this.caller;
    this.caller = { name: fn.path, file: this.options.file, line: anchor.row + 1 };
    try {
      if (restored) {
        this.restoreInstances(restored.instances);
        this.markUnit(unitKey, anchor, entry, restored.nestedIds);
        return;
      }
      this.walkFnBody(fn, entry, unitKey, anchor);
    } finally {
      this.caller = caller;
    }
  }

  private walkFnBody(
    fn: FnInfo,
    entry: FutureEntry | undefined,
    unitKey: string,
    anchor: { row: number; column: number },
  ): void {
    const units = this.walkUnits;
    units?.startRecording();
    const walker = this.walkerFor(
      { generics: new Set(fn.generics), selfTy: fn.selfTy },
      fn.ret,
      fn,
    );
    for (const p of fn.params) {
      walker.declareParamPattern(p.pattern, p.ty);
    }
    let result: BodyResult;
    try {
      result = fn.body ? walker.run(fn.body) : emptyBody();
    } catch (e) {
      units?.abandonRecording();
      if (!(e instanceof NestingTooDeep)) {
        throw e;
      }
      if (entry) {
        entry.report = this.skipped(entry, e.message);
      }
      return;
    }
    if (entry) {
      entry.body = result;
    }
    if (units) {
      const walk = { body: result, isFuture: entry !== undefined };
      const nestedIds = units.store(unitKey, anchor, walk, detachBody);
      this.markUnit(unitKey, anchor, entry, nestedIds);
    }
  }

  /** The walk-cache key of a fn: its text, and what the names in it resolve to. */
  private unitKeyOf(units: WalkUnits, fn: FnInfo, anchor: Place): string {
    const inThisFile = fn.node.tree === this.root.tree;
    const text = fn.node.text;
    const hash = this.keptFacts?.fnHashes.get(fn) ?? hashText(text);
    this.facts.fnHashes.set(fn, hash);
    return units.keyOf(
      {
        text,
        hash,
        path: fn.path,
        owner: this.keyOf(fn.node),
        source: inThisFile ? { start: fn.node.startIndex, anchor } : null,
      },
      (identifiers) => this.itemDependencies.environmentOf(identifiers, fn),
    );
  }

  /** Future types name their block by position: take the name from the future as it is now. */
  private relabel(ty: Ty): Ty {
    switch (ty.k) {
      case 'future': {
        const entry = this.instances.get(ty.id)?.entry ?? this.findFuture(ty.id)?.entry;
        if (!entry) {
          const summary = this.summaryOf(ty.id, false);
          this.summaryOf(ty.id, summary !== undefined && summary.kind !== 'fn');
          return ty;
        }
        if (entry.kind === 'fn') {
          return ty;
        }
        this.readBodyOf(this.ownerOfEntry(entry));
        return { ...ty, label: (this.futureType(entry) as { label: string }).label };
      }
      case 'adt':
        return ty.args.length ? { ...ty, args: ty.args.map((a) => this.relabel(a)) } : ty;
      case 'tuple':
        return { ...ty, elems: ty.elems.map((e) => this.relabel(e)) };
      case 'ref':
      case 'ptr':
        return { ...ty, inner: this.relabel(ty.inner) };
      case 'array':
      case 'slice':
        return { ...ty, elem: this.relabel(ty.elem) };
      default:
        return ty;
    }
  }

  /** Records which walk-cache unit the fn's futures belong to, for the report cache. */
  private markUnit(
    unitKey: string,
    anchor: { row: number; column: number },
    entry: FutureEntry | undefined,
    nestedIds: string[],
  ): void {
    for (const e of [entry, ...nestedIds.map((id) => this.futures.get(id))]) {
      if (e) {
        e.unitKey = unitKey;
        e.anchor = anchor;
      }
    }
  }

  private restoreInstances(instances: Instances): void {
    for (const [id, entryId, subst] of instances) {
      const owner = this.findFuture(entryId)?.entry;
      if (owner && this.keptEntries.has(owner)) {
        // Sized from the walk of a fn this analysis keeps the report of, and did not walk.
        this.leftFocus = true;
      }
      if (owner) {
        this.noteCaller(id);
      }
      if (owner && !this.instances.has(id)) {
        this.instances.set(id, { entry: owner, subst: new Map(subst) });
        // As a fresh walk would: other files' instances may read this walk (`noteInstance`).
        this.crate?.noteInstance(id, owner, new Map(subst));
      }
    }
  }

  /** This file's fns with the reports of their futures (theirs and their blocks' and closures'), and their source text. */
  records(reports: readonly FutureReport[]): FutureRecord[] {
    const byUnit = new Map<string, FutureReport[]>();
    this.order.forEach((entry, i) => {
      const report = reports[i];
      if (report && !report.skipped && entry.unitKey && this.walkUnits?.sourceOf(entry.unitKey)) {
        const unitReports = byUnit.get(entry.unitKey);
        if (unitReports) {
          unitReports.push(report);
        } else {
          byUnit.set(entry.unitKey, [report]);
        }
      }
    });
    return [...byUnit].map(([unitKey, unitReports]) => ({
      ...this.walkUnits!.sourceOf(unitKey)!,
      reports: unitReports,
    }));
  }

  /**
   * The futures of the report (in its order) as the next keystroke may keep them: where each
   * starts, and the layouts its report read (null when not known: a cycle cut a report short).
   */
  keptFutures(reports: readonly FutureReport[]): KeptFuture[] {
    return this.order.map((entry, i) => {
      const read = this.depsOf.has(entry.id)
        ? this.depsOf.get(entry.id)!
        : entry.report?.skipped !== undefined
          ? []
          : null;
      return {
        id: entry.id,
        report: reports[i],
        start: entry.node.tree === this.root.tree ? entry.node.startIndex : -1,
        deps: this.sawCycle ? null : read,
        unitKey: entry.unitKey,
        memoKey: this.reportMemo.keyOf(entry.id, entry.unitKey),
      };
    });
  }

  /** Where the future of each notice starts; null when a notice is not a skipped future's. */
  noticesAt(): number[] | null {
    return this.skipNoticesAt.length === this.notices.length ? this.skipNoticesAt : null;
  }

  /** Where each fn of the file is, in the order of their text; null when one is a macro's. */
  fnSpans(): FnSpan[] | null {
    const spans: FnSpan[] = [];
    for (const fn of this.localIndex.byNode.values()) {
      if (fn.node.tree !== this.root.tree) {
        return null;
      }
      spans.push({ start: fn.node.startIndex, end: fn.node.endIndex, anchor: startOf(fn.node) });
    }
    return spans.sort((a, b) => a.start - b.start);
  }

  /** Phase B in a crate round: the report, and what later rounds need to know of this file. */
  outcome(itemsKey: string | null): FileOutcome {
    const report = this.reports();
    const futures = new Map<string, FutureSummary>();
    this.order.forEach((entry, i) =>
      futures.set(entry.id, {
        kind: entry.kind,
        fn: entry.fn,
        layout: reportLayout(report.futures[i]),
        file: this.options.file,
      }),
    );
    return {
      report,
      summary: { index: this.localIndex, futures, fnKeys: this.fnKeys },
      itemsKey,
      reads: this.readsOf,
      bodiesRead: this.bodiesRead,
      failed: false,
    };
  }

  /** Phase B: sizes every future (callees first, through futureLayout). */
  reports(): FileReport {
    const futures = this.order.map((e) => this.reportOf(e));
    const instances = this.madeInstances();
    return {
      file: this.options.file,
      futures,
      notices: this.notices,
      ...(instances.length > 0 ? { instances } : {}),
    };
  }

  /**
   * The instances of generic async fns this file's reports sized with every type parameter
   * given (known or not), each as its own report (`instanceReports.ts`).
   */
  private madeInstances(): FutureReport[] {
    const made: FutureReport[] = [];
    for (const [id, instance] of this.instances) {
      const { entry, subst, report } = instance;
      if (!report || report.skipped !== undefined || !entry.fn || isParametric(subst)) {
        continue;
      }
      const owner = this.ownerOfEntry(entry);
      const at = owner.positionOf(entry);
      made.push(
        instanceReport(
          report,
          { path: entry.fn.path, file: owner.options.file, line: at.line, column: at.column },
          typeArgumentsOf(entry.fn, subst),
          this.instanceCallers.get(id) ?? [],
        ),
      );
    }
    return made;
  }

  /** Notes that the fn or instance under way (`caller`) made this instance. */
  private noteCaller(id: string): void {
    const caller = this.caller;
    if (!caller) {
      return;
    }
    const callers = this.instanceCallers.get(id) ?? [];
    if (!callers.some((c) => c.name === caller.name && c.line === caller.line)) {
      callers.push(caller);
      this.instanceCallers.set(id, callers);
    }
  }

  /** An instance as the maker of the instances its report sizes. */
  private instanceSite(entry: FutureEntry, subst: Map<string, Ty>): CallSite | null {
    if (!entry.fn || isParametric(subst)) {
      return this.caller;
    }
    const owner = this.ownerOfEntry(entry);
    return {
      name: instanceName(entry.fn.path, typeArgumentsOf(entry.fn, subst)),
      file: owner.options.file,
      line: owner.positionOf(entry).line,
    };
  }

  /** Function items (by node id) whose bodies contain async blocks or closures. */
  private readonly fnsWithNested = new Set<number>();

  /**
   * Finds every future of the file. Function items come from the index; async blocks and closures
   * are searched for only in the bodies and items whose text mentions `async`, from each place the
   * word is written (`nodesMentioningAsync`): this runs on every keystroke, and most bodies of a
   * large file have none.
   */
  private discover(root: SyntaxNode, scope: TypeScope): void {
    if (this.focus) {
      this.discoverEditedFn(this.focus, root, scope);
      return;
    }
    const gate = root.type === 'source_file' ? this.fileGate(root) : null;
    if (gate) {
      this.notices.push(`no futures: \`${gate}\` leaves this file out of a Linux x86_64 build`);
      return;
    }
    const nestedKinds = ['async_block', 'closure_expression', 'macro_invocation'];
    // Most files gate nothing: then no found node needs its ancestors' attributes read.
    const rootText = root.text;
    const mayGate = /#\s*\[\s*cfg\s*\(/.test(rootText);
    const mentions = new AsyncMentions(root, rootText);
    const found: (SyntaxNode | null)[] = [];
    const searched = new Set<number>();
    /** Found nodes known to be in no fn but the one whose body they were found in. */
    const ownFn = new Map<number, SyntaxNode>();
    for (const info of this.localIndex.byNode.values()) {
      this.assignFnKey(info.node, info);
      if (info.isAsync && info.body) {
        this.addFuture({
          id: this.keyOf(info.node),
          kind: 'fn',
          node: info.node,
          fn: info,
          scope: { generics: new Set(info.generics), selfTy: info.selfTy },
        });
      }
      if (
        info.body &&
        mentions.in(info.body) &&
        !(info.inBody && this.insideSearched(info.node, searched))
      ) {
        searched.add(info.body.id);
        found.push(...this.nestedNodesIn(info, info.body, nestedKinds, ownFn));
      }
    }
    // Async blocks outside fn bodies: const and static initialisers, expression macros in items.
    const visitItems = (container: SyntaxNode) => {
      if (onlyInSkippedItems(container, mentions)) {
        return;
      }
      const items =
        compiledItemsMentioningAsync(container, mentions) ?? compiledIn(container.namedChildren);
      for (const item of items) {
        if (item.type === 'function_item' || item.type === 'attribute_item' || !mentions.in(item)) {
          continue;
        }
        if (item.type === 'mod_item' || item.type === 'impl_item' || item.type === 'trait_item') {
          const body = item.childForFieldName('body');
          if (body) {
            visitItems(body);
          }
        } else if (item.type === 'macro_invocation' && isItemLevel(item)) {
          // Its items are among the macro item roots, visited below.
        } else {
          found.push(...nodesMentioningAsync(item, nestedKinds));
        }
      }
    };
    const foundInFns = found.length;
    if (!this.keptFacts?.nothingOutsideFns) {
      for (const container of [root, ...this.macroItemRoots]) {
        visitItems(container);
      }
    }
    this.facts.nothingOutsideFns = found.length === foundInFns;
    this.addFoundFutures(found, ownFn, scope, mayGate);
  }

  /**
   * Discovery after an edit inside one fn (`FocusPlan`): every fn gets its key, as `discover`
   * gives them; the other async fns get an entry holding their kept report, and only the bodies
   * of the edited fn and of the fns sized again with it are searched for blocks and closures (no
   * future was outside the fns last time).
   */
  private discoverEditedFn(focus: FocusPlan, root: SyntaxNode, scope: TypeScope): void {
    if (this.fileGate(root)) {
      this.leftFocus = true;
      return;
    }
    for (const info of this.localIndex.byNode.values()) {
      const id = this.assignFnKey(info.node, info);
      if (info === focus.fn || focus.resizes(info.node.startIndex)) {
        this.focusedFns.push(info);
        continue;
      }
      if (!info.isAsync || !info.body) {
        continue;
      }
      const report = focus.reportOf(id);
      if (!report) {
        this.leftFocus = true;
        continue;
      }
      const entry: FutureEntry = { id, kind: 'fn', node: info.node, fn: info, scope, report };
      this.futures.set(id, entry);
      this.keptEntries.add(entry);
    }
    this.facts.nothingOutsideFns = true;
    const found: SyntaxNode[] = [];
    const ownFn = new Map<number, SyntaxNode>();
    let mayGate = false;
    for (const fn of this.focusedFns) {
      if (!fn.body) {
        continue;
      }
      if (fn.isAsync) {
        this.addFuture({
          id: this.keyOf(fn.node),
          kind: 'fn',
          node: fn.node,
          fn,
          scope: { generics: new Set(fn.generics), selfTy: fn.selfTy },
        });
      }
      if (fn.body.text.includes('async')) {
        found.push(
          ...this.nestedNodesIn(
            fn,
            fn.body,
            ['async_block', 'closure_expression', 'macro_invocation'],
            ownFn,
          ),
        );
      }
      // Read from the analysed fns' text alone, not the file's: what discovery asks of them is
      // about their nodes (a `#[cfg]` inside one can leave one of them out).
      mayGate ||= /#\s*\[\s*cfg\s*\(/.test(fn.node.text);
    }
    this.addFoundFutures(found, ownFn, scope, mayGate);
  }

  /**
   * Adds the async blocks and closures discovery found (`ownFn`: those whose enclosing fn it
   * knows), searches the macros among them, and puts the futures in source order.
   */
  private addFoundFutures(
    found: (SyntaxNode | null)[],
    ownFn: Map<number, SyntaxNode>,
    scope: TypeScope,
    mayGate: boolean,
  ): void {
    const macroRoots: SyntaxNode[] = [];
    for (const n of found) {
      if (!n || (mayGate && this.insideCfgdOut(n))) {
        continue;
      }
      if (n.type === 'async_block' || isAsyncClosure(n)) {
        this.addNested(n, scope, undefined, ownFn.get(n.id));
      } else if (n.type === 'macro_invocation' && !isItemLevel(n) && n.text.includes('async')) {
        macroRoots.push(n);
      }
    }
    // Macro arguments are separate trees: search them the same way (they may nest further macros).
    // descendantsOfType includes the node itself, so an argument that is a macro was queued twice,
    // doubling at each level of `vec![vec![..]]` until the 10,000 cap: each node is visited once.
    const visited = new Set<number>();
    for (let i = 0; i < macroRoots.length && i < 10_000; i++) {
      for (const arg of this.macros.arguments(macroRoots[i])) {
        for (const n of [
          arg,
          ...arg.descendantsOfType(['async_block', 'closure_expression', 'macro_invocation']),
        ]) {
          if (!n || visited.has(n.id) || (mayGate && this.insideCfgdOut(n))) {
            continue;
          }
          visited.add(n.id);
          if (n.type === 'async_block' || isAsyncClosure(n)) {
            this.addNested(n, scope, macroRoots[i]);
          } else if (n.type === 'macro_invocation' && n.text.includes('async')) {
            macroRoots.push(n);
          }
        }
      }
    }
    this.noteUnreadMacroFutures(
      found.filter(
        (n): n is SyntaxNode =>
          n?.type === 'macro_invocation' && !isItemLevel(n) && n.text.includes('async'),
      ),
    );
    // Discovery order is source order; keep it stable for reports.
    // Each position is read from the tree once (the comparator runs n log n times).
    const starts = new Map(this.order.map((e) => [e, startOf(e.node)]));
    this.order.sort(
      (a, b) =>
        starts.get(a)!.row - starts.get(b)!.row || starts.get(a)!.column - starts.get(b)!.column,
    );
  }

  /**
   * The nodes of `kinds` mentioning `async` in a fn's body (`nodesMentioningAsync`). A fn the
   * edit left alone has them where the last analysis found them, relative to its body: each is
   * found again by its place, and searched for only when one is not there. Those the last search
   * found directly in the fn (in no fn declared in its body) go into `ownFn`.
   */
  private nestedNodesIn(
    info: FnInfo,
    body: SyntaxNode,
    kinds: readonly string[],
    ownFn: Map<number, SyntaxNode>,
  ): SyntaxNode[] {
    if (!this.options.walkCache) {
      // Nothing is kept for a next analysis: a crate's file is analysed once.
      return nodesMentioningAsync(body, kinds);
    }
    const base = body.startIndex;
    const kept = this.keptFacts?.nested.get(info);
    const again = kept && nodesAt(body, base, kept);
    if (again) {
      keptIndexCounts.nestedKept++;
      this.facts.nested.set(info, kept);
      again.forEach((n, i) => {
        if (kept[i].ownFn) {
          ownFn.set(n.id, info.node);
        }
      });
      return again;
    }
    const nodes = nodesMentioningAsync(body, kinds);
    const places = nodes.map((n): NestedPlace => {
      const own = this.enclosingFunction(n)?.id === info.node.id;
      if (own) {
        ownFn.set(n.id, info.node);
      }
      return { start: n.startIndex - base, end: n.endIndex - base, type: n.type, ownFn: own };
    });
    this.facts.nested.set(info, places);
    return nodes;
  }

  /** What the file's inner attributes gate it by, read once while the edits leave them alone. */
  private fileGate(root: SyntaxNode): string | null {
    const kept = this.keptFacts?.fileGate;
    this.facts.fileGate = kept !== undefined ? kept : fileCfgdOutBy(root);
    return this.facts.fileGate;
  }

  /**
   * Every async block or closure written in a macro's input is reported, or named in a notice: one
   * whose input does not parse as Rust expressions (a macro with its own syntax) is not analysed.
   */
  private noteUnreadMacroFutures(macros: SyntaxNode[]): void {
    if (macros.length === 0) {
      return;
    }
    const found = new Set(
      this.order.map((e) => `${startOf(e.node).row}:${startOf(e.node).column}`),
    );
    for (const macro of macros) {
      const start = macro.startPosition;
      const name = macro.childForFieldName('macro')?.text ?? 'macro';
      for (const hit of macro.text.matchAll(/\basync\s*(?:move\s*)?[{|]/g)) {
        const before = macro.text.slice(0, hit.index);
        const newlines = before.split('\n').length - 1;
        const row = start.row + newlines;
        const column =
          newlines === 0 ? start.column + hit.index! : hit.index! - before.lastIndexOf('\n') - 1;
        if (!found.has(`${row}:${column}`)) {
          const what = hit[0].endsWith('|') ? 'async closure' : 'async block';
          this.notices.push(
            `${what} at line ${row + 1}:${column + 1} inside \`${name}!\` not analysed: the macro's input does not parse as Rust expressions`,
          );
        }
      }
    }
  }

  /** Whether a fn sits inside a body already searched (a fn declared in another fn's body). */
  private insideSearched(node: SyntaxNode, searched: Set<number>): boolean {
    if (searched.size === 0 || node.parent?.type !== 'block') {
      return false;
    }
    for (let p: SyntaxNode | null = node.parent; p; p = p.parent) {
      if (searched.has(p.id)) {
        return true;
      }
    }
    return false;
  }

  /** An async block or closure: its scope is its enclosing fn's, and that fn must be walked for captures. */
  private addNested(
    node: SyntaxNode,
    fileScope: TypeScope,
    viaMacro?: SyntaxNode,
    /** Its enclosing fn, when discovery knows it already. */
    enclosing?: SyntaxNode,
  ): void {
    if (this.nodeKeys.has(node.id)) {
      return;
    }
    let scope = fileScope;
    let owner = `${this.options.file}:top`;
    const fn = enclosing ?? this.enclosingFunction(viaMacro ?? node);
    // The file's own fns: a node id of another file's freed tree may equal one of this tree's.
    const info = fn ? this.localIndex.byNode.get(fn.id) : undefined;
    if (fn && info) {
      scope = { generics: new Set(info.generics), selfTy: info.selfTy };
      this.fnsWithNested.add(fn.id);
      owner = this.assignFnKey(fn, info);
    }
    // Numbered within the enclosing fn: the id survives edits elsewhere in the file.
    const ordinal = this.nestedCount.get(owner) ?? 0;
    this.nestedCount.set(owner, ordinal + 1);
    this.setNodeKey(node.id, `${owner}/${ordinal}`);
    this.addFuture({
      id: this.keyOf(node),
      kind: node.type === 'async_block' ? 'block' : 'closure',
      node,
      scope,
    });
  }

  /** Range indexes of each tree met (the file's, macro inputs'): found once, asked per node. */
  private readonly treeIndexes = new Map<
    unknown,
    { fns: EnclosingFunctions; cfgdOut: CfgdOutRanges }
  >();

  private treeIndex(node: SyntaxNode) {
    let index = this.treeIndexes.get(node.tree);
    if (!index) {
      const root = node.tree === this.root.tree ? this.root : node.tree.rootNode;
      index = { fns: new EnclosingFunctions(root), cfgdOut: new CfgdOutRanges(root) };
      this.treeIndexes.set(node.tree, index);
    }
    return index;
  }

  /**
   * The nearest `fn` item around a node, in its own tree. Climbing `parent` costs the depth per step
   * (tree-sitter finds a parent by descending from the root), so past a few levels the answer comes
   * from byte ranges, found once per tree; shallow code never pays for that index.
   */
  private enclosingFunction(start: SyntaxNode): SyntaxNode | null {
    const indexed = this.treeIndexes.get(start.tree);
    if (indexed) {
      return indexed.fns.innermost(start);
    }
    let steps = 0;
    for (let p: SyntaxNode | null = start.parent; p; p = p.parent) {
      if (p.type === 'function_item') {
        return p;
      }
      if (++steps > CLIMB_BUDGET) {
        return this.treeIndex(start).fns.innermost(start);
      }
    }
    return null;
  }

  /** Whether a `#[cfg]` on the node or around it, inside its fn (or anywhere, outside fns), leaves it out. */
  private insideCfgdOut(node: SyntaxNode): boolean {
    const indexed = this.treeIndexes.get(node.tree);
    if (indexed) {
      return indexed.cfgdOut.covers(node, indexed.fns.innermost(node));
    }
    let steps = 0;
    for (let p: SyntaxNode | null = node; p && p.type !== 'function_item'; p = p.parent) {
      if (isCfgdOut(p)) {
        return true;
      }
      if (++steps > CLIMB_BUDGET) {
        const index = this.treeIndex(node);
        return index.cfgdOut.covers(node, index.fns.innermost(node));
      }
    }
    return false;
  }

  /** A fn's stable key: its file and path (plus a counter for same-named fns, e.g. under cfg). */
  private assignFnKey(node: SyntaxNode, info: FnInfo): string {
    const existing = this.nodeKeys.get(node.id);
    if (existing) {
      return existing;
    }
    const base = `${this.options.file}:${info.path}`;
    const dup = this.nestedCount.get(`dup:${base}`) ?? 0;
    this.nestedCount.set(`dup:${base}`, dup + 1);
    const key = fnKey(this.options.file, info.path, dup);
    this.setNodeKey(node.id, key);
    this.fnKeys.set(info, key);
    this.crate?.noteFnKey(info, key);
    return key;
  }

  /** The stable key of a future's node (this file's or, in a crate, another file's). */
  keyOf(node: SyntaxNode): string {
    return this.nodeKeys.get(node.id) ?? this.crate?.keyOf(node) ?? `node:${node.id}`;
  }

  private setNodeKey(nodeId: number, key: string): void {
    this.nodeKeys.set(nodeId, key);
    this.crate?.noteKey(nodeId, key);
  }

  private readonly nodeKeys = new Map<number, string>();
  private readonly nestedCount = new Map<string, number>();

  private addFuture(entry: FutureEntry): void {
    if (!this.futures.has(entry.id)) {
      this.futures.set(entry.id, entry);
      this.crate?.noteFuture(entry.id, this);
      this.order.push(entry);
    }
  }

  private context(
    scope: TypeScope,
    returnTy?: Ty,
    fn?: FnInfo,
    module: readonly string[] | undefined = fn?.module,
  ): BodyContext {
    return {
      index: this.index,
      scope,
      module,
      returnTy,
      callableOutputs: fn?.callableOutputs,
      onceCallables: fn?.onceCallables,
      futureOutputs: fn?.futureOutputs,
      paramTraitMethod: fn && this.paramTraitMethods(fn),
      onNestedFuture: (nested) => {
        const entry = this.futures.get(this.keyOf(nested.node));
        if (!entry || entry.body || entry.report) {
          return;
        }
        if (this.nestedWalkDepth >= MAX_NESTED_FUTURE_CHAIN) {
          // Each nested future is walked inside its parent's walk: a chain this deep would
          // exhaust the stack. It and the futures inside it are reported as not analysed.
          this.skipWithin(
            entry,
            `nested more than ${MAX_NESTED_FUTURE_CHAIN} async blocks or closures deep`,
          );
          return;
        }
        entry.scope = scope;
        entry.module = module;
        this.nestedWalkDepth++;
        try {
          this.walkFuture(entry, nested.captures);
        } finally {
          this.nestedWalkDepth--;
        }
      },
      edition: this.options.edition,
      macros: this.macros,
      aliasedPrimitive: (ty) => this.traitLayouts.aliasedPrimitive(ty),
      traits: (ty) => {
        if (ty.k === 'future') {
          // rustc gives every async fn and async block future drop glue, even one that holds
          // nothing (measured: a tuple holding `tick()`, with `async fn tick() {}`, is kept
          // until its scope ends).
          return { copy: false, drop: true };
        }
        const l = this.traitLayouts.layout(ty);
        return { copy: l.copy, drop: l.drop };
      },
      futureOfNode: (n) => {
        const found = this.findFuture(this.keyOf(n));
        if (!found) {
          return null;
        }
        this.readBodyOf(found.owner);
        return this.futureType(found.entry);
      },
      dependencyFn: this.options.dependencies
        ? (path) => this.options.dependencies!.foreignFn(path) ?? this.reexportedFn(path)
        : undefined,
      dependencyMethod: this.options.dependencies
        ? (recv, method) => {
            // The crate's own type of that name answers to a bare name before any glob does.
            const found =
              recv.k === 'adt' &&
              (recv.scope !== undefined || !this.index.types.has(recv.segments[0]))
                ? this.options.dependencies!.foreignMethod(
                    recv.segments,
                    recv.scope,
                    this.index.globImports,
                    method,
                  )
                : null;
            // A trait impl's method (see `traitImplMethods.ts`) only when the file has the trait.
            return found && found !== 'unknown' && !traitInScope(found.fn.path, this.index.uses)
              ? 'unknown'
              : found;
          }
        : undefined,
      dependencyType: this.options.dependencies
        ? (path, inside) =>
            this.options.dependencies!.foreignType(path, inside, this.index.globImports)
        : undefined,
      dependencyConst: this.options.dependencies
        ? (path) => this.options.dependencies!.foreignConst(path)
        : undefined,
      futureOfFn: (fn, subst) => this.futureOfFn(fn, callerSubst(subst, scope.generics)),
      futureOutput: (id) => {
        const instance = this.instances.get(id);
        if (instance?.entry.fn) {
          return substitute(instance.entry.fn.ret, instance.subst);
        }
        const found = this.findFuture(id);
        const e = found?.entry;
        if (e?.fn) {
          return e.fn.ret;
        }
        if (e) {
          this.readBodyOf(found.owner);
          return e.body?.outputType ?? this.declaredOutput(e) ?? UNKNOWN;
        }
        const summary = this.summaryOf(id, false);
        if (summary) {
          return this.summaryOf(id, !summary.fn)?.fn?.ret ?? UNKNOWN;
        }
        // A dependency's async fn: its declared output (its body is walked in its own crate).
        return this.options.dependencies?.asyncOutput(id) ?? null;
      },
    };
  }

  /** The future a call of an async fn gives (an instance's, for a generic fn with known types). */
  private futureOfFn(fn: FnInfo, subst: Map<string, Ty> | undefined): Ty {
    if (fn.boxedFuture) {
      return boxedDynFuture(subst ? substitute(fn.ret, subst) : fn.ret);
    }
    // In a crate, a fn no file keyed has no future (its file has no `async`, or is gated out).
    const key = this.crate ? this.crate.keyOfFn(fn) : this.keyOf(fn.node);
    const e = key === undefined ? undefined : this.findFuture(key)?.entry;
    if (e) {
      return subst && subst.size ? this.instanceType(e, subst) : this.futureType(e);
    }
    const summary = key === undefined ? undefined : this.summaryOf(key, false);
    if (key !== undefined && summary?.fn) {
      // Sizing an instance walks the generic fn's body again: its file must be walked.
      this.summaryOf(key, subst !== undefined && relevantSubst(summary.fn, subst).size > 0);
      return { k: 'future', id: key, label: `{async fn body of ${summary.fn.path}()}` };
    }
    return { k: 'unknown', text: `{async fn body of ${fn.path}()}` };
  }

  private futureType(e: FutureEntry): Ty {
    const label =
      e.kind === 'fn'
        ? `{async fn body of ${e.fn!.path}()}`
        : e.kind === 'block'
          ? `{async block@${startOf(e.node).row + 1}:${startOf(e.node).column + 1}}`
          : `{async closure@${startOf(e.node).row + 1}}`;
    if (e.kind === 'closure') {
      // Calling an async closure yields its body future; the closure value itself is unknown here.
      return { k: 'future', id: e.id, label };
    }
    return { k: 'future', id: e.id, label };
  }

  /**
   * The future of a generic async fn called with known type arguments: walked once, generically,
   * but sized per instantiation, so callers get the exact size rustc gives that instantiation.
   */
  private instanceType(e: FutureEntry, subst: Map<string, Ty>): Ty {
    // Arguments written with the caller's own parameters (`inner(t)` in `outer<T>`) are kept:
    // an instance of the caller sizes the callee for its own arguments (`instantiated`).
    const relevant = new Map([...relevantSubst(e.fn, subst), ...parametricSubst(e.fn, subst)]);
    if (relevant.size === 0) {
      return this.futureType(e);
    }
    if (this.keptEntries.has(e)) {
      // Sized from the walk of a fn this analysis keeps the report of, and did not walk.
      this.leftFocus = true;
    }
    const args = [...relevant.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, v]) => showTy(v));
    const id = `${e.id}<${args.join(', ')}>`;
    if (!this.instances.has(id)) {
      this.instances.set(id, { entry: e, subst: relevant });
    }
    this.noteCaller(id);
    this.crate?.noteInstance(id, e, relevant);
    this.walkUnits?.recordInstance([id, e.id, [...relevant]]);
    return { k: 'future', id, label: `{async fn body of ${e.fn!.path}<${args.join(', ')}>()}` };
  }

  /**
   * The reports of this file's async fns of that path for those type arguments (a caller's
   * instance of a generic fn), sized from the fn's generic walk as callers in the crate get them.
   */
  instanceReports(path: string, subst: Map<string, Ty>): FutureReport[] {
    const reports: FutureReport[] = [];
    for (const e of this.order) {
      if (e.kind !== 'fn' || e.fn?.path !== path) {
        continue;
      }
      // Left out of `reportFiles`: walked now, as a run over every file would have.
      this.walkOnDemand();
      const ty = this.instanceType(e, subst);
      if (ty.k !== 'future' || ty.id === e.id) {
        reports.push(this.reportOf(e));
        continue;
      }
      this.futureLayout(ty.id);
      const report = this.instances.get(ty.id)?.report;
      if (report) {
        reports.push(report);
      }
    }
    return reports;
  }

  /**
   * A type of a generic fn's walk, in its instance for `subst`: the futures of generic callees
   * it called with its own parameters become their instances for the known arguments.
   */
  private instantiated(ty: Ty, subst: Map<string, Ty>): Ty {
    if (subst.size === 0) {
      return ty;
    }
    const inner = (t: Ty) => this.instantiated(t, subst);
    switch (ty.k) {
      case 'future': {
        // The walk that made it may be another file's (a callee's body read from there).
        const instance = this.instances.get(ty.id) ?? this.crate?.instanceOf(ty.id);
        if (!instance || !isParametric(instance.subst) || ty.id.length > MAX_INSTANCE_ID) {
          return ty;
        }
        const composed = new Map(
          [...instance.subst].map(([name, arg]): [string, Ty] => [name, substitute(arg, subst)]),
        );
        return this.instanceType(instance.entry, composed);
      }
      case 'adt':
        return { ...ty, args: ty.args.map(inner) };
      case 'tuple':
        return { ...ty, elems: ty.elems.map(inner) };
      case 'array':
      case 'slice':
        return { ...ty, elem: inner(ty.elem) };
      case 'ref':
      case 'ptr':
        return { ...ty, inner: inner(ty.inner) };
      default:
        return ty;
    }
  }

  private walkerFor(
    scope: TypeScope,
    returnTy?: Ty,
    fn?: FnInfo,
    module?: readonly string[],
  ): BodyWalker {
    return new BodyWalker(this.context(scope, returnTy, fn, module ?? fn?.module));
  }

  /** A closure's annotated return type. */
  private declaredOutput(e: FutureEntry): Ty | null {
    const ret = e.kind === 'closure' ? e.node.childForFieldName('return_type') : null;
    return ret ? typeFromNode(ret, this.index, e.scope) : null;
  }

  private walkFuture(entry: FutureEntry, captures: Capture[]): void {
    const parseProblem = entry.node.hasError ? seriousParseError(entry.node) : null;
    if (parseProblem) {
      entry.report = this.skipped(entry, parseProblem);
      return;
    }
    entry.captures = captures;
    this.walkUnits?.recordNested(entry);
    const walker = this.walkerFor(entry.scope, undefined, undefined, entry.module);
    for (const cap of captures) {
      walker.declareParam(cap.local.name, cap.local.ty, liveNode(cap.local), 'upvar');
    }
    let body: SyntaxNode | null;
    if (entry.kind === 'block') {
      body = entry.node.namedChildren.find((c) => c?.type === 'block') ?? null;
    } else {
      for (const p of entry.node.childForFieldName('parameters')?.namedChildren ?? []) {
        if (!p) {
          continue;
        }
        const pat = p.type === 'parameter' ? p.childForFieldName('pattern') : p;
        const tyNode = p.type === 'parameter' ? p.childForFieldName('type') : null;
        if (pat) {
          walker.declareParamPattern(
            pat,
            tyNode ? typeFromNode(tyNode, this.index, entry.scope) : UNKNOWN,
          );
        }
      }
      body = entry.node.childForFieldName('body');
    }
    try {
      entry.body = body ? walker.run(body) : emptyBody();
    } catch (e) {
      if (!(e instanceof NestingTooDeep)) {
        throw e;
      }
      entry.report = this.skipped(entry, e.message);
      return;
    }
  }

  /** Walks of nested futures running inside the walk of the future around them (onNestedFuture). */
  private nestedWalkDepth = 0;

  /**
   * Whether a future sits inside a fn or future of this file whose walk failed (skipped): that walk
   * would have handed it its captures, so without it they are unknown.
   */
  private insideSkipped(entry: FutureEntry): boolean {
    const { startIndex, endIndex } = entry.node;
    return this.order.some(
      (other) =>
        other !== entry &&
        other.report?.skipped !== undefined &&
        other.node.tree === entry.node.tree &&
        other.node.startIndex <= startIndex &&
        other.node.endIndex >= endIndex,
    );
  }

  /** Reports a future, and the not yet analysed futures written inside it, as skipped (one notice). */
  private skipWithin(entry: FutureEntry, reason: string): void {
    entry.report = this.skipped(entry, reason);
    const { startIndex, endIndex } = entry.node;
    for (const other of this.order) {
      if (
        other !== entry &&
        !other.body &&
        !other.report &&
        other.node.tree === entry.node.tree &&
        other.node.startIndex >= startIndex &&
        other.node.endIndex <= endIndex
      ) {
        other.report = this.skipped(
          other,
          `inside ${this.nameOf(entry)}, which was skipped`,
          false,
        );
      }
    }
  }

  private skipped(entry: FutureEntry, reason: string, notice = true): FutureReport {
    if (notice) {
      this.skipNoticesAt.push(entry.node.tree === this.root.tree ? entry.node.startIndex : -1);
      this.notices.push(
        `${this.nameOf(entry)} at line ${startOf(entry.node).row + 1}: skipped: ${reason}`,
      );
    }
    return {
      ...this.whereOf(entry),
      size: null,
      align: 1,
      exact: false,
      unknown: [],
      upvars: [],
      awaits: [],
      skipped: reason,
      hash: hashText(entry.node.text),
    };
  }

  /** The report fields that say which future this is and where it is. */
  private whereOf(entry: FutureEntry) {
    const pos = this.positionOf(entry);
    return {
      file: this.options.file,
      kind: entry.kind,
      name: this.nameOf(entry),
      line: pos.line,
      column: pos.column,
      endLine: endOf(entry.node).row + 1,
    };
  }

  private positionOf(entry: FutureEntry): { line: number; column: number } {
    if (entry.kind === 'fn') {
      const mods = entry.node.children.find((c) => c?.type === 'function_modifiers');
      const asyncTok = mods?.children.find((c) => c?.type === 'async') ?? entry.node;
      return { line: startOf(asyncTok).row + 1, column: startOf(asyncTok).column + 1 };
    }
    if (entry.kind === 'closure') {
      const body = entry.node.childForFieldName('body') ?? entry.node;
      return { line: startOf(body).row + 1, column: startOf(body).column + 1 };
    }
    return { line: startOf(entry.node).row + 1, column: startOf(entry.node).column + 1 };
  }

  private nameOf(entry: FutureEntry): string {
    if (entry.kind === 'fn') {
      return entry.fn!.path;
    }
    const pos = this.positionOf(entry);
    return `async ${entry.kind}@${pos.line}:${pos.column}`;
  }

  private futureLayout(id: string): Layout | null {
    const made = this.instances.has(id) ? undefined : this.crate?.instanceOf(id);
    if (made) {
      // Made by another file's walk that this file's report reads: sized here, as its own.
      this.instances.set(id, { entry: made.entry, subst: made.subst });
    }
    const inCycle = this.instances.get(id)?.inProgress || this.findFuture(id)?.entry.inProgress;
    const instance = this.instances.get(id);
    if (instance) {
      // Sized here from the generic fn's walk, wherever it is written.
      this.readBodyOf(this.ownerOfEntry(instance.entry));
    }
    const result = this.futureLayoutUncached(id);
    // A layout cut short by a cycle depends on the order reports are built in: never cache on it.
    this.reportMemo.noteRead([id, inCycle ? 'cycle' : layoutSignature(result)]);
    return result;
  }

  /** A future of another file of the crate is about to be sized: its file must be walked. */
  private walkOwnerOf(id: string): void {
    if (this.crate?.walkOnDemand && !this.futures.has(id)) {
      this.crate?.ownerOf(id)?.walkOnDemand();
    }
  }

  private futureLayoutUncached(id: string): Layout | null {
    const instance = this.instances.get(id);
    if (instance && isParametric(instance.subst)) {
      // Outside an instance of its caller, the caller's parameters are not known: sized for the
      // known arguments only, as the generic fn when there are none.
      const knownArgs = relevantSubst(instance.entry.fn, instance.subst);
      const known = this.instanceType(instance.entry, knownArgs);
      return known.k === 'future' ? this.futureLayout(known.id) : null;
    }
    if (instance) {
      this.walkOwnerOf(instance.entry.id);
      if (instance.inProgress || !instance.entry.body) {
        return null;
      }
      if (!instance.report) {
        instance.inProgress = true;
        const caller = this.caller;
        // The instances its own report sizes (`instantiated`) are made by this instance.
        this.caller = this.instanceSite(instance.entry, instance.subst);
        try {
          instance.report = this.buildReport(instance.entry, instance.subst);
        } finally {
          instance.inProgress = false;
          this.caller = caller;
        }
      }
      const r = instance.report;
      return r.size === null
        ? null
        : {
            size: r.size,
            align: r.align,
            exact: r.exact,
            unknown: r.unknown,
            drop: true,
            copy: false,
            niche: null,
            ...sourcesOf(r),
          };
    }
    const found = this.findFuture(id);
    if (!found) {
      const summary = this.summaryOf(id, false);
      if (summary) {
        return summary.layout ?? null;
      }
      // A dependency's async fn: sized by this same engine, in its own crate.
      const callerLayout = (ty: Ty) => this.sizeLayouts.layout(ty);
      return this.options.dependencies?.futureLayout(id, analyzeCrate, callerLayout) ?? null;
    }
    if (found.entry.inProgress) {
      return null;
    }
    this.walkOwnerOf(found.entry.id);
    return reportLayout(found.owner.reportOf(found.entry));
  }

  reportOf(entry: FutureEntry): FutureReport {
    if (entry.report) {
      return entry.report;
    }
    const memo = this.reportMemo;
    const key = memo.keyOf(entry.id, entry.unitKey);
    entry.inProgress = true;
    try {
      const kept = key
        ? memo.lookup(key, entry.anchor, this.options.file, (id) =>
            layoutSignature(this.futureLayout(id)),
          )
        : undefined;
      if (kept) {
        entry.report = kept;
        this.depsOf.set(entry.id, memo.readsOf(key!) ?? null);
        return kept;
      }
      const { value: report, deps } = memo.tracking(() => this.buildReport(entry));
      this.depsOf.set(entry.id, deps);
      this.readsOf.set(
        entry.id,
        deps.map(([id]) => this.instances.get(id)?.entry.id ?? id),
      );
      const cutByCycle = deps.some(([, layout]) => layout === 'cycle');
      this.sawCycle ||= cutByCycle;
      // A report built while a callee was still in progress (a cycle of awaits) depends on the order
      // of the requests: keep it only for this request, so the report of record is built outside any cycle.
      if (!cutByCycle || (entry.cycleBuilds = (entry.cycleBuilds ?? 0) + 1) > 2) {
        entry.report = report;
      }
      if (key && entry.anchor && !cutByCycle) {
        memo.store(key, report, deps, entry.anchor);
      }
      return report;
    } finally {
      entry.inProgress = false;
    }
  }

  private buildReport(entry: FutureEntry, subst: Map<string, Ty> = new Map()): FutureReport {
    const body = entry.body ?? emptyBody();
    if (body.awaits.length > MAX_AWAITS || body.locals.length > MAX_LOCALS) {
      // The layout algorithm is quadratic in saved locals; generated code this large is reported, not sized.
      const reason = `too large to analyse (${body.awaits.length} awaits, ${body.locals.length} values; limits ${MAX_AWAITS} and ${MAX_LOCALS})`;
      return this.skipped(entry, reason);
    }
    const precision: Precision = { exact: true, unknown: new Set(), sources: new Set() };
    // Unbound `T: ?Sized` parameters (the generic fn's own report): `&T` may be thin or fat.
    const unsized = new Map(
      (entry.fn?.maybeUnsized ?? [])
        .filter((name) => !subst.has(name))
        .map((name): [string, Ty] => [name, { k: 'param', name, maybeUnsized: true }]),
    );
    const sizeOf = (ty: Ty) => {
      const bound = substitute(substitute(ty, subst), unsized);
      const l = this.sizeLayouts.layout(this.instantiated(bound, subst));
      l.sources?.forEach((s) => precision.sources.add(s));
      if (!l.exact) {
        precision.exact = false;
        l.unknown.forEach((u) => precision.unknown.add(u));
      }
      return l;
    };
    const { upvars, upvarLayouts } = this.upvarValues(entry, body, sizeOf);
    this.noteApproximations(entry, body, precision);
    const saved = this.savedInInstance(body, subst, precision, entry.fn);
    const { awaits, shapeLocals, heldBySaved } = this.savedValues(body, sizeOf, saved);
    const co = layoutCoroutine({
      upvars: upvarLayouts,
      locals: shapeLocals,
      suspendCount: body.awaits.length,
    });
    if (co.size > Number.MAX_SAFE_INTEGER) {
      // Each value fits, the state machine does not: rustc rejects it (over isize::MAX) or it is
      // beyond what is counted exactly here.
      precision.exact = false;
      precision.unknown.add('the whole future (over 2^53 bytes)');
    }
    heldBySaved.forEach((entries, i) => entries.forEach((h) => (h.offset = co.localOffsets[i])));
    upvars.forEach((u, i) => (u.offset = co.upvarOffsets[i]));
    const hash = hashText(entry.node.text);
    const where = this.whereOf(entry);
    const layout = {
      tagOffset: co.tagOffset,
      tagSize: co.tagSize,
      prefixSize: co.prefixSize,
      variantEnds: co.variantEnds,
    };
    const nameSpan = nameSpanOf(entry);
    const measured =
      subst.size === 0 ? this.options.calibration?.future(entry.kind, where.name, hash) : undefined;
    if (measured) {
      // rustc's own number for this exact source; the held values are the engine's explanation
      // of it, with the sizes rustc printed for the fields it names the same way.
      if (measured.layout) {
        explainWithMeasurement(measured.layout, upvars, awaits);
      }
      const sized = { size: measured.size, align: measured.align, exact: true, unknown: [] };
      const measuredLayout = measured.layout ? { measuredLayout: measured.layout } : {};
      return {
        ...where,
        ...sized,
        upvars,
        awaits,
        hash,
        measured: true,
        nameSpan,
        layout,
        ...measuredLayout,
      };
    }
    const entryBlock = entry.kind === 'fn' && entry.fn?.body ? rustcBlockOf(entry.fn) : null;
    const rewrittenBy = entry.kind === 'fn' ? entry.fn?.rewrittenBy : undefined;
    if (rewrittenBy) {
      // Whatever the macro makes of the fn, the fn as written says nothing sure about it.
      precision.exact = false;
      precision.unknown.add(`the future \`#[${rewrittenBy}]\` makes of this fn`);
    }
    return {
      ...where,
      ...(entryBlock
        ? { rustcBlockAt: { line: entryBlock.row + 1, column: entryBlock.column + 1 } }
        : {}),
      size: co.size > Number.MAX_SAFE_INTEGER || rewrittenBy ? null : co.size,
      align: co.align,
      exact: precision.exact,
      unknown: [...precision.unknown].sort(),
      ...sourcesOf(precision),
      upvars,
      awaits,
      hash,
      nameSpan,
      layout,
    };
  }

  /** The captured inputs as held values, and their layouts for the state machine. */
  private upvarValues(entry: FutureEntry, body: BodyResult, sizeOf: (ty: Ty) => Layout) {
    const upvars: HeldValue[] = [];
    const upvarLayouts: { size: number; align: number }[] = [];
    for (const up of this.upvarsOf(entry, body)) {
      const layout = sizeOf(up.ty);
      upvarLayouts.push(layout);
      upvars.push({
        name: up.name,
        kind: 'upvar',
        line: up.span.start.row + 1,
        column: up.span.start.column + 1,
        endLine: up.span.end.row + 1,
        endColumn: up.span.end.column + 1,
        size: layout.exact ? layout.size : layout.size || null,
        align: layout.align,
        type: showTy(up.ty),
        exact: layout.exact,
        id: -1 - upvars.length,
        offset: 0,
        ...sourcesOf(layout),
      });
    }
    return { upvars, upvarLayouts };
  }

  /** What the walk could only approximate makes the size a lower bound. */
  private noteApproximations(entry: FutureEntry, body: BodyResult, precision: Precision): void {
    if (
      entry.kind === 'closure' &&
      entry.node.parent?.type === 'arguments' &&
      /^(static\s+)?async\b/.test(entry.node.text)
    ) {
      // Passed on, an async closure is called through `AsyncFn*`, which runs a by-reference body
      // with other saved values than a direct call's (fixture 50: 168 B where a direct call has 144 B).
      precision.exact = false;
      precision.unknown.add('the body an `AsyncFn*` call runs');
    }
    if (body.approximations.length > 0) {
      precision.exact = false;
      body.approximations.forEach((a) => precision.unknown.add(a));
    }
  }

  /** The values saved at each await, and each saved local's shape for the state machine. */
  /**
   * The values an instance saves. The generic walk decides by its own types' drop glue, as
   * rustc's generic MIR does; but rustc also normalizes a projection through the bounds
   * (`<A::Iter as Iterator>::Item` is `SocketAddr` when the trait says so), which the walk does
   * not. Where the decisions with the instance's types differ, those (the fewest values rustc
   * can save) are taken, and the size is a lower bound.
   */
  private savedInInstance(
    body: BodyResult,
    subst: Map<string, Ty>,
    precision: Precision,
    fn?: FnInfo,
  ): SavedInfo[] {
    if (subst.size === 0 || !body.locals.some((l) => hasProjection(l.ty))) {
      return computeSaved(body, (ty) => this.traitLayouts.layout(ty));
    }
    // As rustc's generic MIR, with the projections the declared bounds decide normalized.
    const bounds = fn ? this.boundEnv(fn) : null;
    const generic = computeSaved(body, (ty) =>
      this.traitLayouts.layout(bounds && hasProjection(ty) ? normalizeByBounds(ty, bounds) : ty),
    );
    // Parameters stay generic, as in rustc's generic MIR; projections take the instance's types.
    const instance = computeSaved(body, (ty) =>
      this.traitLayouts.layout(
        hasProjection(ty) ? this.instantiated(substitute(ty, subst), subst) : ty,
      ),
    );
    const key = (saved: SavedInfo[]) =>
      saved.map((s) => `${body.locals.indexOf(s.local)}:${[...s.variants].join(',')}`).join(';');
    if (key(generic) === key(instance)) {
      return generic;
    }
    precision.exact = false;
    precision.unknown.add('values whose drop glue the generic body cannot see (projections)');
    return instance;
  }

  /** A generic fn's parameters' methods through their bounds, the bounds read once per walk. */
  private paramTraitMethods(fn: FnInfo): (param: string, method: string) => BoundMethod | null {
    let bounds: BoundEnv | null = null;
    const conversions = new Map<string, Map<string, Ty>>();
    return (param, method) =>
      boundTraitMethod(param, method, (bounds ??= this.boundEnv(fn))) ??
      this.conversionMethod(fn, param, method, conversions);
  }

  /** `p.as_ref()` through a std `AsRef<X>` bound of the parameter (see `conversionBounds.ts`). */
  private conversionMethod(
    fn: FnInfo,
    param: string,
    method: string,
    read: Map<string, Map<string, Ty>>,
  ): BoundMethod | null {
    if (method !== 'as_ref' && method !== 'as_mut') {
      return null;
    }
    const scope: TypeScope = { generics: new Set(fn.generics), selfTy: fn.selfTy };
    const results =
      read.get(method) ??
      conversionResults(fn, method, (node) => typeFromNode(node, this.index, scope));
    read.set(method, results);
    const ret = results.get(param);
    return ret ? { selfKind: method === 'as_ref' ? 'ref' : 'mut', ret } : null;
  }

  /**
   * What normalizing a generic fn's projections needs: the crate's traits its parameters are
   * bounded by (another crate's or std's trait of the same name is not the crate's).
   */
  private boundEnv(fn: FnInfo): BoundEnv {
    const crateTrait = (path: string[]) => {
      const root = resolveWrittenPath(path, this.index)[0];
      return !STD_ROOTS.has(root) && !this.options.dependencies?.isExternCrate(root);
    };
    const paramBounds = new Map<string, string[]>();
    for (const [param, paths] of parameterBounds(fn.node)) {
      paramBounds.set(
        param,
        paths.filter(crateTrait).map((path) => path[path.length - 1]),
      );
    }
    return {
      paramBounds,
      traits: traitDeclarations(this.index.assocTypes),
      isStdTry: (ty) =>
        ['Result', 'Option'].includes(ty.segments[ty.segments.length - 1]) &&
        ty.scope === undefined &&
        ty.origin !== 'dependency' &&
        (STD_ROOTS.has(ty.segments[0]) || this.keepsFirstArgument(ty)),
    };
  }

  /**
   * Whether `?` on the type gives its first argument: std's `Result`/`Option`, or the crate's
   * alias of one that passes its first parameter on (`type Result<T> = std::result::Result<T,
   * JoinError>`, tokio's; `io::Result<T>` is read as a bare `Result` too).
   */
  private keepsFirstArgument(ty: Ty & { k: 'adt' }): boolean {
    const own = this.userTypeOf(ty.segments, ty.origin);
    if (own === null) {
      return true;
    }
    if (own === 'ambiguous' || own.kind !== 'alias' || own.ty.k !== 'adt') {
      return false;
    }
    const aliased = own.ty;
    const first = aliased.args[0];
    return (
      STD_ROOTS.has(aliased.segments[0]) &&
      aliased.segments[aliased.segments.length - 1] === ty.segments[ty.segments.length - 1] &&
      first?.k === 'param' &&
      first.name === own.params[0]
    );
  }

  private savedValues(body: BodyResult, sizeOf: (ty: Ty) => Layout, saved: SavedInfo[]) {
    const awaits: AwaitPoint[] = body.awaits.map((a) => ({
      index: a.index,
      line: a.line,
      column: a.column,
      held: [],
    }));
    const shapeLocals: SavedLocal[] = [];
    const heldBySaved: HeldValue[][] = [];
    for (const s of saved) {
      const layout =
        s.local.kind === 'drop-flag'
          ? { size: 1, align: 1, exact: true, unknown: [], drop: false, copy: true, niche: null }
          : sizeOf(labelUnknown(s.local));
      const entries: HeldValue[] = [];
      // One value held across many awaits: its name, place and type are read once, not per await.
      const held = s.variants.size > 0 ? this.heldValue(s.local, layout) : null;
      for (const v of s.variants) {
        const h = { ...held! };
        if (s.movedOutAt?.has(v)) {
          h.movedOut = true;
        }
        awaits[v].held.push(h);
        entries.push(h);
      }
      heldBySaved.push(entries);
      shapeLocals.push({
        size: layout.size,
        align: layout.align,
        variants: s.variants,
        start: s.start,
        end: s.end,
        order: s.local.order,
        forcePromote: s.local.kind === 'drop-flag',
        region: s.local.region,
        ...(s.freedAfter ? { freedAfter: s.freedAfter } : {}),
      });
    }
    return { awaits, shapeLocals, heldBySaved };
  }

  private heldValue(l: Local, layout: Layout, kind = l.kind): HeldValue {
    const span = spanOf(l);
    return {
      name: l.name,
      kind,
      line: span.start.row + 1,
      column: span.start.column + 1,
      endLine: span.end.row + 1,
      endColumn: span.end.column + 1,
      size: layout.exact ? layout.size : layout.size || null,
      align: layout.align,
      type: showTy(this.relabel(labelUnknown(l))),
      exact: layout.exact,
      id: l.id,
      offset: 0,
      ...sourcesOf(layout),
      ...guardOf(l),
    };
  }

  /** The captured inputs of a future, with the names rustc gives them. */
  private upvarsOf(
    entry: FutureEntry,
    body: BodyResult,
  ): { name: string | null; ty: Ty; span: SourceSpan }[] {
    if (entry.kind === 'fn') {
      return (entry.fn?.params ?? []).map((p) => ({
        name: p.isSelf ? 'self' : p.pattern.type === 'identifier' ? p.pattern.text : null,
        ty: p.ty,
        span: { start: startOf(p.pattern), end: endOf(p.pattern) },
      }));
    }
    const result: { name: string | null; ty: Ty; span: SourceSpan }[] = [];
    if (entry.kind === 'closure') {
      for (const l of body.locals) {
        if (l.kind === 'argument') {
          result.push({ name: l.name, ty: l.ty, span: spanOf(l) });
        }
      }
    }
    for (const cap of entry.captures ?? []) {
      const base = cap.local.name ?? '_';
      const paths = capturedPlaces(cap, this.options.edition);
      for (const path of paths) {
        const suffix = path ? '__' + path.split('.').join('__') : '';
        const byRef = entry.kind === 'closure' || !cap.byValue;
        const ty = byRef ? ref(UNKNOWN) : this.pathType(cap.local.ty, path);
        result.push({
          name: byRef ? `_ref__${base}${suffix}` : `${base}${suffix}`,
          ty,
          span: spanOf(cap.local),
        });
      }
    }
    return result;
  }

  private pathType(ty: Ty, path: string): Ty {
    if (!path) {
      return ty;
    }
    let t = ty;
    for (const field of path.split('.')) {
      t = fieldOf(this.index, t, field);
    }
    return t;
  }
}

/**
 * The type arguments of a call known but for the caller's own parameters (`Vec<T>` passed in
 * `outer<T>`): its instance is known once the caller's is.
 */
function parametricSubst(fn: FnInfo | undefined, subst: Map<string, Ty>): Map<string, Ty> {
  return new Map(
    [...subst].filter(([k, v]) => isGenericOf(fn, k) && knownButParams(v) === 'params'),
  );
}

/**
 * Whether a substitution key is one of the fn's generics or a projection of one (`F::Output`);
 * an anonymous `impl Trait` parameter's name may itself contain `::`
 * (`impl FnMut() -> io::Result<R>`).
 */
function isGenericOf(fn: FnInfo | undefined, key: string): boolean {
  return fn?.generics.some((g) => key === g || key.startsWith(`${g}::`)) ?? false;
}

/**
 * An instance's type arguments as rustc prints them: its impl's (the parameters of its self type,
 * `Slot<T>`), then the fn's own, each in declaration order (`_` for one not given).
 */
function typeArgumentsOf(fn: FnInfo, subst: Map<string, Ty>): InstanceArguments {
  const shown = (g: string) => {
    const arg = subst.get(g);
    return arg && !hasUnknown(arg) ? showTy(arg) : UNKNOWN_ARGUMENT;
  };
  const self = fn.selfTy;
  const implParams =
    self?.k === 'adt'
      ? self.args.flatMap((a) => (a.k === 'param' && fn.generics.includes(a.name) ? [a.name] : []))
      : [];
  const ownParams = fn.generics.filter((g) => !implParams.includes(g));
  return {
    fnName: fn.name,
    impl: implParams.map(shown),
    own: ownParams.map(shown),
    params: [...implParams, ...ownParams],
  };
}

function isParametric(subst: Map<string, Ty>): boolean {
  return [...subst.values()].some((v) => knownButParams(v) === 'params');
}

/**
 * A call's type arguments as its caller can give them: one written with a type parameter the
 * caller does not have (the callee's own, left unbound) says nothing and is left out.
 */
function callerSubst(
  subst: Map<string, Ty> | undefined,
  callerGenerics: ReadonlySet<string>,
): Map<string, Ty> | undefined {
  if (!subst) {
    return subst;
  }
  return new Map([...subst].filter(([, v]) => knownButParams(v, callerGenerics) !== 'unknown'));
}

/**
 * Whether a type is known, known but for type parameters, or not known; with `generics`, a
 * parameter not among them is not known.
 */
function knownButParams(ty: Ty, generics?: ReadonlySet<string>): 'known' | 'params' | 'unknown' {
  const worst = (parts: Ty[]) =>
    parts
      .map((part) => knownButParams(part, generics))
      .reduce<'known' | 'params' | 'unknown'>(
        (a, b) => (a === 'unknown' || b === 'unknown' ? 'unknown' : a === 'params' ? a : b),
        'known',
      );
  switch (ty.k) {
    case 'param':
      return generics && !generics.has(ty.name) ? 'unknown' : 'params';
    case 'unknown':
    case 'asyncClosure':
      return 'unknown';
    case 'adt':
      return worst(ty.args);
    case 'tuple':
      return worst(ty.elems);
    case 'array':
      return ty.len === null ? 'unknown' : worst([ty.elem]);
    case 'slice':
      return worst([ty.elem]);
    case 'ref':
    case 'ptr':
      return worst([ty.inner]);
    default:
      return 'known';
  }
}

/** The type arguments of a call that a generic async fn's future depends on (known ones only). */
function relevantSubst(fn: FnInfo | undefined, subst: Map<string, Ty>): Map<string, Ty> {
  return new Map([...subst].filter(([k, v]) => isGenericOf(fn, k) && !hasUnknown(v)));
}

/** The guard a local is, from the known types; kept before its node goes (`detachBody`). */
function guardOf(l: Local): { guard?: HeldValue['guard'] } {
  const guard = l.node ? guardOfLocal(l.ty, l.kind === 'binding' ? l.node : null) : l.guard;
  return guard ? { guard } : {};
}

/** Where a local is: its span once its walk is cached, its node's until then. */
function spanOf(local: Local): SourceSpan {
  if (local.span) {
    return local.span;
  }
  const node = liveNode(local);
  return { start: startOf(node), end: endOf(node) };
}

/** The node of a local from a walk whose tree is alive: a fresh walk's, never a cached one's. */
function liveNode(local: Local): SyntaxNode {
  if (!local.node) {
    throw new Error(`local \`${local.name}\` is from a cached walk: its tree is gone`);
  }
  return local.node;
}

/**
 * Makes a walked body independent of its tree (spans and unknown-type labels taken now), so it can be
 * cached across versions of the file; `rowDelta` moves it when the function itself moved.
 */
function detachBody(body: BodyResult): void {
  for (const l of body.locals) {
    if (!l.span) {
      l.guard = guardOf(l).guard;
      // Beside the type, not in it: a capture's type and a closure's argument are read as the
      // walk typed them (`_`), in a fresh analysis and a cached one alike.
      const label = labelUnknown(l);
      if (label !== l.ty) {
        l.unknownLabel = label;
      }
      l.span = spanOf(l);
      l.node = undefined;
    }
  }
  for (const a of body.awaits) {
    a.node = undefined;
  }
  body.nested = [];
}

/** What a report takes from a callee's layout: its size, alignment and what it could not size. */
function layoutSignature(layout: Layout | null): string | null {
  return layout
    ? `${layout.size}/${layout.align}/${layout.exact}/${layout.unknown.join(',')}`
    : null;
}

/**
 * An unknown type named after what has it (`type of \`req\``, `future of \`conn.read(..)\``), so a
 * lower bound says which value the syntax could not size.
 */
function labelUnknown(local: Local): Ty {
  if (local.ty.k !== 'unknown' || local.ty.text !== '_' || !local.node) {
    return local.unknownLabel ?? local.ty;
  }
  if (local.kind === 'awaitee') {
    const operand = local.node.namedChildren[0];
    const text = (operand?.text ?? local.node.text).replace(/\s+/g, ' ');
    const short = text.length > 40 ? text.replace(/\((.|\n)*\)$/, '(..)').slice(0, 40) : text;
    return { k: 'unknown', text: `future of \`${short}\`` };
  }
  if (local.name) {
    return { k: 'unknown', text: `type of \`${local.name}\`` };
  }
  const text = local.node.text.replace(/\s+/g, ' ');
  return {
    k: 'unknown',
    text: `type of \`${text.length > 40 ? text.slice(0, 37) + '...' : text}\``,
  };
}

/**
 * Why a body with parse errors cannot be analysed, or null when its errors are small grammar quirks
 * on otherwise valid code (tree-sitter-rust misreads e.g. `raw.0[..n]`) that do not affect the analysis.
 */
function seriousParseError(node: SyntaxNode): string | null {
  const errors = node.descendantsOfType('ERROR');
  for (const e of errors) {
    if (!e) {
      continue;
    }
    const text = e.text;
    const insideExpression = e.parent?.type.endsWith('_expression') ?? false;
    if (!insideExpression || text.length > 40 || /[{};=]|\bawait\b|\blet\b/.test(text)) {
      return `syntax error at line ${startOf(e).row + 1}`;
    }
  }
  const missing = findMissing(node);
  if (missing) {
    return `syntax error at line ${startOf(missing).row + 1} (missing \`${missing.type}\`)`;
  }
  return null;
}

/**
 * Whether a node sits in a statement, arm or item that a false `#[cfg]` compiles out. Up to its fn:
 * the fns of the index are compiled in already.
 */
function findMissing(root: SyntaxNode): SyntaxNode | null {
  const stack = [root];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.isMissing) {
      return node;
    }
    if (node.hasError) {
      for (const c of node.children) {
        if (c) {
          stack.push(c);
        }
      }
    }
  }
  return null;
}

function fieldOf(index: ItemIndex, ty: Ty, field: string): Ty {
  const t = peelRefs(ty);
  if (t.k === 'tuple') {
    return t.elems[Number(field)] ?? UNKNOWN;
  }
  if (t.k === 'adt') {
    const user = index.types.get(t.segments[t.segments.length - 1]);
    if (user?.kind === 'struct') {
      return user.fields.find((f) => f.name === field)?.ty ?? UNKNOWN;
    }
  }
  return UNKNOWN;
}

/**
 * Where rustc's async block for a fn's body is, when a macro made one of it: `#[tokio::main]`'s
 * (see `entryMacros.ts`) or `#[async_trait]`'s, which is the body's own braces.
 */
function rustcBlockOf(fn: FnInfo): { row: number; column: number } | null {
  if (!fn.body) {
    return null;
  }
  if (fn.boxedFuture) {
    return fn.body.startPosition;
  }
  return hasTokioEntryAttribute(fn.node) ? entryBlockPosition(fn.body) : null;
}

/**
 * The nodes at `places` (offsets from `base`, `body`'s start) in `body`'s tree, if each is there
 * with its kind and extent; null when one is not (the caller searches again).
 */
function nodesAt(body: SyntaxNode, base: number, places: NestedPlace[]): SyntaxNode[] | null {
  const nodes: SyntaxNode[] = [];
  for (const place of places) {
    const start = base + place.start;
    const end = base + place.end;
    const node = body.descendantForIndex(start, end - 1);
    if (!node || node.type !== place.type || node.startIndex !== start || node.endIndex !== end) {
      return null;
    }
    nodes.push(node);
  }
  return nodes;
}
