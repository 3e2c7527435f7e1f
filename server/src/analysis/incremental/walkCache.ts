/**
 * Per-document memory of fn walks and future reports, so that a keystroke re-walks only the fn it
 * touched. Entries are keyed by a fn's text and everything else its walk depends on (see
 * `itemDependencies.ts`), so a hit is always valid; eviction only bounds memory.
 */
import type { BodyResult, Capture } from '../liveness/held';
import type { FutureReport } from '../report';
import type { Ty } from '../types/types';
import type { FutureRecord } from './hiddenByParseErrors';
import type { SignatureReadings } from '../items/items';
import { identifiersIn } from '../items/items';
import { KeptTrees } from './keptTrees';

export interface CachedUnit {
  fnStartRow: number;
  fnStartColumn: number;
  fnBody?: BodyResult;
  nested: { id: string; body: BodyResult; captures: Capture[] }[];
  /** Generic instantiations the walk registered: [instance id, future id, substitution]. */
  instances: [string, string, [string, Ty][]][];
}

export interface CachedReport {
  report: FutureReport;
  /** The future layouts the report read, and what they were: it stays valid while they are the same. */
  deps: [string, string | null][];
  anchor: { row: number; column: number };
}

/**
 * A map whose entries survive a few analyses without being used. Typing through a syntax error
 * (`=>` becoming `=x>`) can hide most of a file from one analysis; the next keystroke usually
 * restores it, and its walks are still here.
 */
class GenerationalMap<V> {
  private readonly entries = new Map<string, { value: V; generation: number }>();
  private generation = 0;

  constructor(private readonly keepFor: number) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      entry.generation = this.generation;
    }
    return entry?.value;
  }

  set(key: string, value: V): void {
    this.entries.set(key, { value, generation: this.generation });
  }

  /** Ends an analysis: forgets what has not been used for `keepFor` analyses. */
  sweep(): void {
    for (const [key, entry] of this.entries) {
      if (this.generation - entry.generation >= this.keepFor) {
        this.entries.delete(key);
      }
    }
    this.generation++;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Environment fingerprints kept for one index source (a few per fn is typical). */
const MAX_ENVIRONMENTS = 20_000;

/** How many analyses an unused entry survives. */
const KEEP_FOR = 4;

export class WalkCache {
  /** The futures of the last analysis and the length of its text: what a parse error can hide from the next one. */
  lastFutures: FutureRecord[] = [];
  lastLength = 0;
  /** What the last analysis did: fns walked afresh, and fns whose walk was reused. */
  readonly counts = { walked: 0, reused: 0 };
  readonly units = new GenerationalMap<CachedUnit>(KEEP_FOR);
  readonly reports = new GenerationalMap<CachedReport>(KEEP_FOR);
  /** The index's reading of each fn signature, by its text and context (see `SignatureMemo`). */
  readonly signatures = new GenerationalMap<SignatureReadings>(KEEP_FOR);
  /** Trees of item-level macros' inputs, parsed once while their text and place stay the same. */
  readonly macroItemTrees = new KeptTrees(KEEP_FOR);
  /** The identifiers of each fn's text, by its hash: tokenising every fn on every keystroke would cost more than its walk. */
  private readonly identifiers = new GenerationalMap<Set<string>>(KEEP_FOR);

  /** Environment fingerprints of the fns (see `itemDependencies.ts`), valid for one index source. */
  private environments: { sourceKey: string; byFn: Map<string, string> } = {
    sourceKey: '',
    byFn: new Map(),
  };

  /** The environment fingerprints computed for this index source so far; empty when the source changed. */
  environmentsFor(sourceKey: string): Map<string, string> {
    // Every edited version of a body adds one; a long session without a signature edit must not grow without bound.
    if (
      this.environments.sourceKey !== sourceKey ||
      this.environments.byFn.size > MAX_ENVIRONMENTS
    ) {
      this.environments = { sourceKey, byFn: new Map() };
    }
    return this.environments.byFn;
  }

  identifiersOf(textHash: string, text: string): Set<string> {
    let names = this.identifiers.get(textHash);
    if (!names) {
      names = identifiersIn(text);
      this.identifiers.set(textHash, names);
    }
    return names;
  }

  /** Call after each analysis (after reading `counts`): keeps memory bounded by forgetting walks of fns edited or deleted a while ago. */
  sweep(): void {
    this.counts.walked = 0;
    this.counts.reused = 0;
    this.units.sweep();
    this.reports.sweep();
    this.signatures.sweep();
    this.identifiers.sweep();
    this.macroItemTrees.sweep();
  }

  /** Deletes the syntax trees it keeps: call when the document closes or the cache is dropped. */
  dispose(): void {
    this.macroItemTrees.dispose();
  }

  /** Cached fn walks. */
  get size(): number {
    return this.units.size;
  }

  /** How many analyses an entry nobody uses survives. */
  static readonly keepFor = KEEP_FOR;
}
