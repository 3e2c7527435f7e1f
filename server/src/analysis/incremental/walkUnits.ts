/**
 * The walk cache as the analysis sees it: a fn's walk unit is keyed by its text and everything
 * else its walk reads (its environment fingerprint, whether `Result` is `io::Result`, the edition),
 * so a cached walk of the same key is the walk the fn would get now, moved to where the fn is.
 */
import type { BodyResult, Capture, Local } from '../liveness/held';
import type { FutureReport } from '../report';
import { hashText } from '../types/calibration';
import type { CachedUnit, WalkCache } from './walkCache';

export interface Place {
  row: number;
  column: number;
}

/** Where a walked fn's text is in the analysed file: what a parse error can hide next time. */
export interface FnSource {
  text: string;
  start: number;
  anchor: Place;
}

/** A fn as its walk unit's key reads it. */
export interface UnitFn {
  text: string;
  /** `hashText(text)`, when the caller knows it already. */
  hash?: string;
  path: string;
  /**
   * The key its future is named by: its nested futures' ids (`owner/0`) are made from it, and a
   * walk names them. Two fns of one text (same-named fns under different cfgs) differ by it.
   */
  owner: string;
  /** Where its text starts, when it is in the analysed file (not another file of its crate). */
  source: { start: number; anchor: Place } | null;
}

/** What the analysis keeps of a future's walk (its `FutureEntry`). */
export interface WalkTarget {
  body?: BodyResult;
  captures?: Capture[];
}

/** A nested future (async block or closure) walked during a fn's walk. */
export interface RecordedFuture extends WalkTarget {
  id: string;
  report?: FutureReport;
}

/** Generic instantiations a walk registered: [instance id, future id, substitution]. */
export type Instances = CachedUnit['instances'];

interface Recording {
  nested: RecordedFuture[];
  instances: Instances;
}

/** What the walk-unit key reads besides a fn's text, fixed for one analysis. */
export interface UnitSettings {
  resultIsIo: boolean;
  edition: string;
  /** The cfg gates were evaluated in (`cfgKey`): the same text walks differently under another. */
  cfg: string;
  /**
   * Each fn's environment fingerprint, by its text and path. They hold as long as the text the
   * index is built from does (most keystrokes are inside a body), so the cache keeps them from one
   * analysis to the next; a crate's index spans files, so there they are computed afresh.
   */
  environments: () => Map<string, string>;
}

export class WalkUnits {
  /** What the walk of the current fn produced besides its own body. */
  private recording: Recording | null = null;
  /** Where each walked fn's text is (the analysed file only), by unit key. */
  private readonly sources = new Map<string, FnSource>();
  private environmentMemo: Map<string, string> | null = null;

  constructor(
    private readonly cache: WalkCache,
    private readonly settings: UnitSettings,
  ) {}

  /** The key of a fn's walk; `environmentOf` fingerprints what the names in its text resolve to. */
  keyOf(fn: UnitFn, environmentOf: (identifiers: Set<string>) => string): string {
    const textHash = fn.hash ?? hashText(fn.text);
    this.environmentMemo ??= this.settings.environments();
    const envKey = `${textHash}|${fn.path}`;
    let environment = this.environmentMemo.get(envKey);
    if (environment === undefined) {
      environment = environmentOf(this.cache.identifiersOf(textHash, fn.text));
      this.environmentMemo.set(envKey, environment);
    }
    const { resultIsIo, edition, cfg } = this.settings;
    const key = `${textHash}|${environment}|${resultIsIo}|${edition}|${cfg}|${fn.owner}`;
    if (fn.source) {
      this.sources.set(key, { text: fn.text, ...fn.source });
    }
    return key;
  }

  sourceOf(key: string): FnSource | undefined {
    return this.sources.get(key);
  }

  /**
   * Puts the cached walk of `key`, moved to `now`, into the fn's entry and its nested futures'
   * (found by id); undefined when there is none. Returns the walk's nested futures and instances.
   */
  restore(
    key: string,
    now: Place,
    entry: WalkTarget | undefined,
    nestedTarget: (id: string) => WalkTarget | undefined,
  ): { nestedIds: string[]; instances: Instances } | undefined {
    const unit = this.cache.units.get(key);
    if (!unit) {
      return undefined;
    }
    this.cache.counts.reused++;
    restoreUnit(unit, now, entry, nestedTarget);
    return { nestedIds: unit.nested.map((n) => n.id), instances: unit.instances };
  }

  /** Starts recording what a fn's walk produces besides its body. */
  startRecording(): void {
    this.recording = { nested: [], instances: [] };
  }

  /** Drops the recording of a walk that failed: there is nothing to cache. */
  abandonRecording(): void {
    this.recording = null;
  }

  recordNested(future: RecordedFuture): void {
    this.recording?.nested.push(future);
  }

  recordInstance(instance: Instances[number]): void {
    this.recording?.instances.push(instance);
  }

  /**
   * Caches the walk just recorded under `key`; `detach` first makes each body independent of its
   * tree, so it can serve later versions of the file. Returns the ids of its nested futures.
   */
  store(
    key: string,
    anchor: Place,
    walk: { body: BodyResult; isFuture: boolean },
    detach: (body: BodyResult) => void,
  ): string[] {
    const recorded = this.recording ?? { nested: [], instances: [] };
    this.recording = null;
    const nested = recorded.nested.filter((n) => n.body && !n.report);
    for (const body of [walk.body, ...nested.map((n) => n.body!)]) {
      detach(body);
    }
    this.cache.counts.walked++;
    this.cache.units.set(key, {
      fnStartRow: anchor.row,
      fnStartColumn: anchor.column,
      fnBody: walk.isFuture ? walk.body : undefined,
      nested: nested.map((n) => ({ id: n.id, body: n.body!, captures: n.captures ?? [] })),
      instances: recorded.instances,
    });
    return nested.map((n) => n.id);
  }
}

/** Puts a cached walk of an unchanged fn back in place, moved to where the fn is now. */
function restoreUnit(
  unit: CachedUnit,
  now: Place,
  entry: WalkTarget | undefined,
  nestedTarget: (id: string) => WalkTarget | undefined,
): void {
  const rowDelta = now.row - unit.fnStartRow;
  const colDelta = now.column - unit.fnStartColumn;
  if (rowDelta === 0 && colDelta === 0) {
    // Where it was: the cached walk serves as it is (nothing downstream changes it).
    if (entry && unit.fnBody) {
      entry.body = unit.fnBody;
    }
    for (const n of unit.nested) {
      const target = nestedTarget(n.id);
      if (target) {
        target.body = n.body;
        target.captures = n.captures;
      }
    }
    return;
  }
  const moved = new Map<Local, Local>();
  const shiftTracked = (body: BodyResult) => {
    const shifted = shiftBody(body, unit.fnStartRow, rowDelta, colDelta);
    body.locals.forEach((l, i) => moved.set(l, shifted.locals[i]));
    return shifted;
  };
  if (entry && unit.fnBody) {
    entry.body = shiftTracked(unit.fnBody);
  }
  for (const n of unit.nested) {
    const target = nestedTarget(n.id);
    if (target) {
      target.body = shiftTracked(n.body);
      target.captures = n.captures.map((c) => ({ ...c, local: moved.get(c.local) ?? c.local }));
    }
  }
}

/**
 * Moves a cached body with its fn: rows by `rowDelta`, and columns on the fn's first row by
 * `colDelta`.
 */
function shiftBody(
  body: BodyResult,
  fromRow: number,
  rowDelta: number,
  colDelta: number,
): BodyResult {
  if (rowDelta === 0 && colDelta === 0) {
    return body;
  }
  const shift = (p: Place) => ({
    row: p.row + rowDelta,
    column: p.row === fromRow ? p.column + colDelta : p.column,
  });
  const locals = body.locals.map((l) => ({
    ...l,
    span: l.span ? { start: shift(l.span.start), end: shift(l.span.end) } : l.span,
  }));
  const byId = new Map(body.locals.map((l, i) => [l, locals[i]]));
  return {
    ...body,
    locals,
    awaits: body.awaits.map((a) => ({
      ...a,
      line: a.line + rowDelta,
      column: a.line - 1 === fromRow ? a.column + colDelta : a.column,
    })),
    // Keep capture links pointing at the shifted copies.
    nested: body.nested.map((n) => ({
      ...n,
      captures: n.captures.map((c) => ({ ...c, local: byId.get(c.local) ?? c.local })),
    })),
  };
}
