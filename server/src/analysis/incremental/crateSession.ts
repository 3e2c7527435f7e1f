/**
 * A crate's analysis kept across edits: an update walks the files whose text changed, then the
 * files that read a future layout the walk changed (transitively), and answers every other file's
 * part from its summary (`crateSummary.ts`); no tree outlives an update. An edit that changes what
 * a file lends the crate (its items, its `mod`s), or a crate whose awaits form a cycle (where
 * rustc's answer depends on the order reports are built in), is analysed whole, as
 * `analyzeCrate` does. Every answer equals a fresh `analyzeCrate` of the same texts.
 */
import { AnalysisOptions, CrateFile, CrateRound, analyzeCrateRound } from '../engine';
import type { FileReport } from '../report';
import { hashText } from '../types/calibration';
import { FileOutcome, NeedsFile, layoutKey, sealBodies } from './crateSummary';
import { awaitsCycle, roundCharsFor } from './crateRounds';

/** One file of the session: its last text and what the last round that walked it found. */
interface SessionFile {
  file: CrateFile;
  hash: string;
  outcome: FileOutcome;
}

/** Thrown in a round when an edit changed what a file lends the crate: it is analysed whole. */
class ItemsChanged extends Error {}

/** Rounds of layout changes spreading file to file before the session analyses the crate whole. */
const MAX_ROUNDS = 16;

export class CrateSession {
  private files: SessionFile[] = [];
  private structure = '';
  private gatedOut = new Map<string, string>();
  /** Whether the last analysis lets the next one reuse it (no failure, no cycle of awaits). */
  private reusable = false;
  /** What the last update did: files walked, and whether it analysed the crate whole. */
  readonly last = { walked: 0, whole: false };

  /**
   * `roundEnded` is called as each round of a whole analysis in rounds ends (`analyzeCrate`'s
   * rounds): where the caller collects the round's garbage.
   */
  constructor(
    private readonly options: Omit<AnalysisOptions, 'file'> & {
      roundChars?: number;
      /** Rounds as small as `roundCharsFor` makes them whenever a crate goes in rounds. */
      memoryFirst?: boolean;
    },
    private readonly roundEnded?: () => void,
  ) {}

  /** The dependencies the session's analyses read (a session serves one set of them). */
  get dependencies(): AnalysisOptions['dependencies'] {
    return this.options.dependencies;
  }

  /** The text the session holds of a file, if its hash is `hash`. */
  textOf(file: string, hash: string): string | undefined {
    this.byPath ??= new Map(this.files.map((f) => [f.file.file, f]));
    const known = this.byPath.get(file);
    return known?.hash === hash ? known.file.text : undefined;
  }

  /** The session's files by path, for `textOf`; rebuilt after each update. */
  private byPath: Map<string, SessionFile> | null = null;

  /**
   * Analyses the crate's files as they are now; the reports are in the order of `files`. `known`
   * gives each text's `hashText` when the caller has it (hashing a crate's texts costs more than
   * walking the one file an edit changed). `hold` replaces each report of a whole analysis in
   * rounds as its round ends (the index worker packs it): the reports need not all be objects at
   * once.
   */
  update(
    files: CrateFile[],
    known?: string[],
    hold?: (report: FileReport) => FileReport,
  ): FileReport[] {
    this.byPath = null;
    const hashes = known ?? files.map((f) => hashText(f.text));
    const structure = JSON.stringify(files.map((f) => [f.file, f.modulePath]));
    const changed = new Set<number>();
    hashes.forEach((hash, i) => this.files[i]?.hash !== hash && changed.add(i));
    if (!this.reusable || structure !== this.structure) {
      this.whole(files, hashes, structure, hold);
    } else if (changed.size > 0 && !this.partial(files, hashes, changed)) {
      this.whole(files, hashes, structure, hold);
    } else if (changed.size === 0) {
      this.last.walked = 0;
      this.last.whole = false;
    }
    return this.files.map((f) => f.outcome.report);
  }

  /**
   * Replaces each file's kept report with what `keep` makes of it (the index worker keeps a
   * stand-in once the server holds the report): `update` gives the stand-in again for a file it
   * does not walk, and a new report for one it walks.
   */
  releaseReports(keep: (report: FileReport) => FileReport): void {
    for (const f of this.files) {
      f.outcome = { ...f.outcome, report: keep(f.outcome.report) };
    }
  }

  /** Analyses every file, as `analyzeCrate` does. */
  private whole(
    files: CrateFile[],
    hashes: string[],
    structure: string,
    hold?: (report: FileReport) => FileReport,
  ): void {
    const roundEnded = this.roundEnded;
    const holdReport =
      roundEnded || hold
        ? (report: FileReport) => {
            roundEnded?.();
            return hold ? hold(report) : report;
          }
        : undefined;
    const roundChars = this.options.roundChars ?? roundCharsFor(files, this.options.memoryFirst);
    const result = analyzeCrateRound({ files }, { ...this.options, roundChars, holdReport });
    this.files = files.map((file, i) => ({ file, hash: hashes[i], outcome: result.outcomes[i]! }));
    this.files.forEach((f) => {
      sealBodies(f.outcome.summary, f.file.file);
    });
    this.structure = structure;
    this.gatedOut = result.gatedOut;
    this.reusable = this.files.every((f) => !f.outcome.failed) && !this.awaitsCycle();
    this.last.walked = files.length;
    this.last.whole = true;
  }

  /**
   * Walks the changed files, then the files whose reads they changed; false when the crate must be
   * analysed whole (items changed, a failure, a cycle, or too many rounds).
   */
  private partial(files: CrateFile[], hashes: string[], changed: Set<number>): boolean {
    const before = this.files;
    const next = before.map((f, i) => ({ ...f, file: files[i], hash: hashes[i] }));
    const changedFiles = new Set([...changed].map((i) => files[i].file));
    // Files that sized a changed file's generic fns or named its async blocks read its walk.
    let live = new Set(changed);
    next.forEach((f, i) => {
      if ([...f.outcome.bodiesRead].some((file) => changedFiles.has(file))) {
        live.add(i);
      }
    });
    let walked = 0;
    for (let round = 0; live.size > 0; round++) {
      if (round >= MAX_ROUNDS) {
        return false;
      }
      const outcomes = this.round(files, next, live, before);
      if (!outcomes) {
        return false;
      }
      walked += live.size;
      const moved = new Set<string>();
      for (const [i, outcome] of outcomes) {
        changedLayouts(next[i].outcome, outcome).forEach((key) => moved.add(key));
        next[i] = { ...next[i], outcome };
        sealBodies(outcome.summary, files[i].file);
      }
      live = readersOf(next, moved);
    }
    this.files = next;
    this.reusable = !this.awaitsCycle();
    this.last.walked = walked;
    this.last.whole = false;
    return this.reusable;
  }

  /**
   * One round walking `live` (and the files a walk turns out to need); null when it cannot stand
   * for a whole analysis.
   */
  private round(
    files: CrateFile[],
    current: SessionFile[],
    live: Set<number>,
    before: SessionFile[],
  ): Map<number, FileOutcome> | null {
    const walking = new Set(live);
    for (;;) {
      const round: CrateRound = {
        files,
        live: walking,
        summaries: current.map((f, i) => (walking.has(i) ? null : f.outcome.summary)),
        gatedOut: this.gatedOut,
        checkItems: (i, itemsKey) => {
          if (itemsKey !== before[i].outcome.itemsKey) {
            throw new ItemsChanged();
          }
        },
      };
      try {
        const { outcomes } = analyzeCrateRound(round, this.options);
        const walked = new Map<number, FileOutcome>();
        for (const i of walking) {
          if (outcomes[i]!.failed) {
            return null;
          }
          walked.set(i, outcomes[i]!);
        }
        return walked;
      } catch (e) {
        if (e instanceof ItemsChanged) {
          return null;
        }
        if (!(e instanceof NeedsFile)) {
          throw e;
        }
        const needed = files.findIndex((f) => f.file === e.file);
        if (needed < 0 || walking.has(needed)) {
          return null;
        }
        walking.add(needed);
      }
    }
  }

  /** Whether the last analysis's awaits form a cycle (where partial rounds answer otherwise). */
  private awaitsCycle(): boolean {
    return awaitsCycle(this.files.map((f) => f.outcome));
  }
}

/** The futures whose layouts differ between two outcomes of one file (added and removed too). */
function changedLayouts(before: FileOutcome, after: FileOutcome): string[] {
  const moved: string[] = [];
  const old = before.summary.futures;
  const now = after.summary.futures;
  for (const [key, summary] of now) {
    const was = old.get(key);
    if (!was || layoutKey(was.layout) !== layoutKey(summary.layout)) {
      moved.push(key);
    }
  }
  for (const key of old.keys()) {
    if (!now.has(key)) {
      moved.push(key);
    }
  }
  return moved;
}

/** The files whose reports read one of these futures' layouts. */
function readersOf(files: SessionFile[], moved: Set<string>): Set<number> {
  const readers = new Set<number>();
  if (moved.size === 0) {
    return readers;
  }
  files.forEach((f, i) => {
    for (const reads of f.outcome.reads.values()) {
      if (reads.some((key) => moved.has(key))) {
        readers.add(i);
        return;
      }
    }
  });
  return readers;
}
