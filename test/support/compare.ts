/**
 * Accuracy of the engine's reports against rustc's real layouts.
 *
 * Pairs each engine future with rustc's future for the same code, then scores two things: the
 * named values held at each await (precision/recall over multisets of names) and the size.
 * Everything here is pure data in, data out, so the accuracy script and the unit tests share it.
 */
import type { FileReport, FutureReport, HeldValue } from '../../server/src/analysis/report';
import type { RustcFuture } from '../../server/src/measure/printTypeSizes';

/** An engine future and the rustc future it describes. */
export type { FuturePair, FutureMatch } from '../../server/src/measure/matchFutures';
import { loadServerModule } from './repoPaths';

const matcher =
  loadServerModule<typeof import('../../server/src/measure/matchFutures')>('measure/matchFutures');
export const matchFutures = matcher.matchFutures;
export const normaliseFnPath = matcher.normaliseFnPath;

export type SizeClass = 'exact' | 'within10' | 'within2x' | 'off' | 'unknown';

export interface SizeComparison {
  engine: number | null;
  rustc: number;
  /** The engine's size is a lower bound (`exact: false`); it is still compared as a number. */
  lowerBound: boolean;
  class: SizeClass;
}

/** Named held values at one await; names are listed once per occurrence. */
export interface AwaitScore {
  index: number;
  truePositives: string[];
  /** Held according to the engine only (`extra`). */
  falsePositives: string[];
  /** Saved by rustc only (`missing`). */
  falseNegatives: string[];
}

export interface FutureScore {
  file: string;
  /** rustc's future is one instantiation of a generic async fn. */
  generic: boolean;
  /** The engine's name and line, which are what a reader looks up. */
  name: string;
  line: number;
  size: SizeComparison;
  /** Why the engine's size is a lower bound (`FutureReport.unknown`): what `--gaps` counts. */
  unknown: string[];
  awaits: AwaitScore[];
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

/** rustc names that are not user bindings: the sub-future being awaited. */
const RUSTC_UNNAMED = new Set(['<temp>', '__awaitee']);
/** Bindings a macro renames: `#[async_trait]` binds the receiver as `__self`; the engine says `self`. */
const RUSTC_RENAMED = new Map([['__self', 'self']]);
const ENGINE_NAMED_KINDS = new Set<HeldValue['kind']>(['binding', 'argument']);

/**
 * Compares one engine future with its rustc future: per await index, the multisets of named held
 * locals (rustc's `SuspendN` locals minus `<temp>` and `__awaitee`; the engine's `binding` and
 * `argument` entries), and the total size.
 */
export function scoreFuture(engine: FutureReport, rustc: RustcFuture): FutureScore {
  const engineHeld = engineHeldByAwait(engine);
  const rustcHeld = rustcHeldByAwait(rustc);
  const indices = [...new Set([...engineHeld.keys(), ...rustcHeld.keys()])].sort((a, b) => a - b);
  const awaits = indices.map((index) =>
    scoreAwait(index, engineHeld.get(index) ?? [], rustcHeld.get(index) ?? []),
  );
  return {
    file: engine.file,
    generic:
      rustc.kind === 'fn' && normaliseFnPath(rustc.name) !== rustc.name.replace(/\s+/g, ' ').trim(),
    // An instance is scored under its generic fn's name, as when the generic fn paired with
    // each of rustc's instantiations: the ratchets' keys stay those futures'.
    name: engine.instanceOf?.name ?? engine.name,
    line: engine.line,
    size: compareSizes(engine, rustc),
    unknown: engine.unknown,
    awaits,
    truePositives: sum(awaits.map((a) => a.truePositives.length)),
    falsePositives: sum(awaits.map((a) => a.falsePositives.length)),
    falseNegatives: sum(awaits.map((a) => a.falseNegatives.length)),
  };
}

function engineHeldByAwait(engine: FutureReport): Map<number, string[]> {
  const held = new Map<number, string[]>();
  for (const point of engine.awaits) {
    const names = point.held
      .filter((value) => value.name !== null && ENGINE_NAMED_KINDS.has(value.kind))
      .map((value) => value.name as string);
    held.set(point.index, [...(held.get(point.index) ?? []), ...names]);
  }
  return held;
}

function rustcHeldByAwait(rustc: RustcFuture): Map<number, string[]> {
  const held = new Map<number, string[]>();
  for (const variant of rustc.variants) {
    const suspend = /^Suspend(\d+)$/.exec(variant.name);
    if (suspend) {
      held.set(
        Number(suspend[1]),
        variant.locals
          .filter((local) => !RUSTC_UNNAMED.has(local.name))
          .map((local) => RUSTC_RENAMED.get(local.name) ?? local.name),
      );
    }
  }
  return held;
}

function scoreAwait(index: number, engineNames: string[], rustcNames: string[]): AwaitScore {
  const unclaimed = [...rustcNames];
  const truePositives: string[] = [];
  const falsePositives: string[] = [];
  for (const name of engineNames) {
    const at = unclaimed.indexOf(name);
    if (at >= 0) {
      unclaimed.splice(at, 1);
      truePositives.push(name);
    } else {
      falsePositives.push(name);
    }
  }
  return { index, truePositives, falsePositives, falseNegatives: unclaimed };
}

function compareSizes(engine: FutureReport, rustc: RustcFuture): SizeComparison {
  return {
    engine: engine.size,
    rustc: rustc.size,
    lowerBound: !engine.exact,
    class: sizeClass(engine.size, rustc.size),
  };
}

function sizeClass(engine: number | null, rustc: number): SizeClass {
  if (engine === null) {
    return 'unknown';
  }
  if (engine === rustc) {
    return 'exact';
  }
  if (Math.abs(engine - rustc) <= 0.1 * rustc) {
    return 'within10';
  }
  if (engine <= 2 * rustc && 2 * engine >= rustc) {
    return 'within2x';
  }
  return 'off';
}

/**
 * One line describing what differs, e.g.
 * `src/a.rs:12 read: size engine 1027 vs rustc 1030; await 0: missing [buffer], extra [n]`;
 * null when size and held names agree.
 */
export function describeMismatch(score: FutureScore): string | null {
  const problems: string[] = [];
  if (score.size.class !== 'exact') {
    problems.push(`size engine ${formatEngineSize(score.size)} vs rustc ${score.size.rustc}`);
  }
  for (const point of score.awaits) {
    const parts: string[] = [];
    if (point.falseNegatives.length > 0) {
      parts.push(`missing [${point.falseNegatives.join(', ')}]`);
    }
    if (point.falsePositives.length > 0) {
      parts.push(`extra [${point.falsePositives.join(', ')}]`);
    }
    if (parts.length > 0) {
      problems.push(`await ${point.index}: ${parts.join(', ')}`);
    }
  }
  return problems.length === 0
    ? null
    : `${score.file}:${score.line} ${score.name}: ${problems.join('; ')}`;
}

function formatEngineSize(size: SizeComparison): string {
  if (size.engine === null) {
    return 'unknown';
  }
  return size.lowerBound ? `${size.engine} (lower bound)` : String(size.engine);
}

/** Everything compared for one source file. */
export interface FileComparison {
  file: string;
  scores: FutureScore[];
  unmatchedEngine: FutureReport[];
  unmatchedRustc: RustcFuture[];
}

/**
 * A report's futures and the instances of its generic fns (`FileReport.instances`): rustc prints
 * one future per instantiation, which pairs with the engine's instance of the same arguments.
 */
export function withInstances(report: FileReport): FutureReport[] {
  return [...report.futures, ...(report.instances ?? [])];
}

/** Matches and scores the futures of one source file. */
export function compareFile(
  file: string,
  engine: FutureReport[],
  rustc: RustcFuture[],
): FileComparison {
  const match = matchFutures(engine, rustc);
  return {
    file,
    scores: match.pairs.map((pair) => scoreFuture(pair.engine, pair.rustc)),
    unmatchedEngine: match.unmatchedEngine,
    unmatchedRustc: match.unmatchedRustc,
  };
}

export interface AccuracySummary {
  /** Matched (scored) futures; the denominator of the shares. */
  futures: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** 1 when nothing was claimed / nothing was expected. */
  precision: number;
  recall: number;
  f1: number;
  exactShare: number;
  /** Within ±10% of rustc, exact ones included. */
  within10Share: number;
  /** Between half and twice rustc's size, closer ones included. */
  within2xShare: number;
  /** Futures whose size is shown as exact (not `≥`, not unknown). */
  exactClaims: number;
  /** Of the sizes shown as exact, the share equal to rustc's (1 when none is claimed). */
  exactClaimPrecision: number;
  /** Futures whose size is shown as a lower bound. */
  lowerBounds: number;
  /** Of the lower bounds, the share not above rustc's size (1 when there is none). */
  boundValidity: number;
  unmatchedEngine: number;
  unmatchedRustc: number;
  /** One human-readable line per imperfect or unmatched future. */
  mismatches: string[];
}

/** Totals over files: held-name precision/recall/F1, size-class shares, unmatched counts. */
export function aggregate(files: FileComparison[]): AccuracySummary {
  const scores = files.flatMap((file) => file.scores);
  const truePositives = sum(scores.map((s) => s.truePositives));
  const falsePositives = sum(scores.map((s) => s.falsePositives));
  const falseNegatives = sum(scores.map((s) => s.falseNegatives));
  const precision = ratio(truePositives, truePositives + falsePositives, 1);
  const recall = ratio(truePositives, truePositives + falseNegatives, 1);
  const classes = scores.map((s) => s.size.class);
  const share = (accepted: SizeClass[]): number =>
    ratio(classes.filter((c) => accepted.includes(c)).length, classes.length, 0);
  const claimedExact = scores.filter((s) => !s.size.lowerBound && s.size.engine !== null);
  const bounds = scores.filter((s) => s.size.lowerBound && s.size.engine !== null);
  return {
    futures: scores.length,
    truePositives,
    falsePositives,
    falseNegatives,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    exactShare: share(['exact']),
    within10Share: share(['exact', 'within10']),
    within2xShare: share(['exact', 'within10', 'within2x']),
    exactClaims: claimedExact.length,
    exactClaimPrecision: ratio(
      claimedExact.filter((s) => s.size.class === 'exact').length,
      claimedExact.length,
      1,
    ),
    lowerBounds: bounds.length,
    boundValidity: ratio(
      bounds.filter((s) => (s.size.engine as number) <= s.size.rustc).length,
      bounds.length,
      1,
    ),
    unmatchedEngine: sum(files.map((f) => f.unmatchedEngine.length)),
    unmatchedRustc: sum(files.map((f) => f.unmatchedRustc.length)),
    mismatches: files.flatMap(describeFile),
  };
}

function describeFile(file: FileComparison): string[] {
  const lines = file.scores.map(describeMismatch).filter((line): line is string => line !== null);
  for (const future of file.unmatchedEngine) {
    const why =
      future.skipped !== undefined ? `skipped (${future.skipped})` : 'no matching rustc future';
    lines.push(`${future.file}:${future.line} ${future.name}: ${why}`);
  }
  for (const future of file.unmatchedRustc) {
    lines.push(
      `${file.file}:${future.line ?? '?'} ${future.name}: not reported by the engine (rustc size ${future.size})`,
    );
  }
  return lines;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function ratio(numerator: number, denominator: number, whenEmpty: number): number {
  return denominator === 0 ? whenEmpty : numerator / denominator;
}
