/**
 * The memo of future reports: a report is kept under its future, its walk unit and the calibration,
 * with the future layouts its build read; a kept report serves, moved to where its fn is now, while
 * every one of those layouts is still what it was.
 */
import type { FutureReport } from '../report';
import { shiftReport } from './shiftReport';
import type { WalkCache } from './walkCache';
import type { Place } from './walkUnits';

/** A future layout a report read: its future's id and signature (`'cycle'`: cut by a cycle). */
export type LayoutRead = [string, string | null];

export class ReportMemo {
  /** For each report being built, the layouts it read so far (builds nest through callees). */
  private readonly reading: LayoutRead[][] = [];

  /** Without a walk cache, it only tracks what each build reads. */
  constructor(
    private readonly cache: WalkCache | undefined,
    private readonly calibrationStamp: string,
  ) {}

  /** The key of a future's report; null when it cannot be kept (no cache, or no walk unit). */
  keyOf(futureId: string, unitKey: string | undefined): string | null {
    return this.cache && unitKey ? `${futureId}|${unitKey}|${this.calibrationStamp}` : null;
  }

  /**
   * The report kept under `key`, moved to `now`, if each layout it read still has the signature
   * it had (`signatureOf` reads it afresh).
   */
  lookup(
    key: string,
    now: Place | undefined,
    file: string,
    signatureOf: (futureId: string) => string | null,
  ): FutureReport | undefined {
    const kept = this.cache?.reports.get(key);
    if (kept && now && kept.deps.every(([id, signature]) => signatureOf(id) === signature)) {
      return shiftReport(kept.report, kept.anchor, now, file);
    }
    return undefined;
  }

  /** The layouts the report kept under `key` read when it was built. */
  readsOf(key: string): LayoutRead[] | undefined {
    return this.cache?.reports.get(key)?.deps;
  }

  store(key: string, report: FutureReport, deps: LayoutRead[], anchor: Place): void {
    this.cache?.reports.set(key, { report, deps, anchor });
  }

  /** Notes that the report being built (if any) read a future's layout. */
  noteRead(read: LayoutRead): void {
    this.reading[this.reading.length - 1]?.push(read);
  }

  /** Builds a report, and says which layouts the build read. */
  tracking<T>(build: () => T): { value: T; deps: LayoutRead[] } {
    const deps: LayoutRead[] = [];
    this.reading.push(deps);
    try {
      return { value: build(), deps };
    } finally {
      this.reading.pop();
    }
  }
}
