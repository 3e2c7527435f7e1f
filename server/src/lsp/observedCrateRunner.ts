/**
 * The crate runner (`crateRunner.ts`) as the rest of the server sees it, with events: which crate
 * jobs and calibration runs start and end, and what each crate analysis produced. The status bar
 * item (`serverStatus.ts`) and the diagnostics of closed files (`workspaceDiagnostics.ts`) listen
 * to them, so neither the index nor Measure has to know about either.
 */
import { Emitter } from 'vscode-languageserver/node';
import type { CrateFile } from '../analysis/engine';
import type { CalibrateOptions, CalibrateResult } from '../measure/calibrate';
import type { PackedReport } from './packedReport';
import { CrateRunner } from './crateRunner';
import type { CrateJob, CrateJobResults } from './crateJobs';

/**
 * One crate analysis that completed: the files it read, with their texts, and their reports
 * (packed: `unpackReport` reads one).
 */
export interface CrateAnalysis {
  root: string;
  files: readonly CrateFile[];
  reports: readonly PackedReport[];
}

/** A job or a calibration run under way; `id` tells the end of one run from another's. */
export interface CrateActivity {
  id: number;
  root: string;
  kind: CrateJob['kind'] | 'calibrate';
  /** `analyze`: how many files. */
  files?: number;
}

export interface CrateActivityEnd {
  activity: CrateActivity;
  /** Why it failed; undefined when it succeeded or was cancelled. */
  error?: string;
}

export class ObservedCrateRunner extends CrateRunner {
  private nextId = 0;
  private readonly started = new Emitter<CrateActivity>();
  private readonly ended = new Emitter<CrateActivityEnd>();
  private readonly progressed = new Emitter<{ activity: CrateActivity; message: string }>();
  private readonly analysed = new Emitter<CrateAnalysis>();
  private readonly forgotten = new Emitter<string>();
  readonly onDidStart = this.started.event;
  readonly onDidEnd = this.ended.event;
  /** A calibration run's progress line (cargo's phase). */
  readonly onDidProgress = this.progressed.event;
  /** Fires with every crate analysis that completed, before the index uses it. */
  readonly onDidAnalyseCrate = this.analysed.event;
  /** Fires when the index lets a crate go (its last document closed a while ago, or shutdown). */
  readonly onDidForgetCrate = this.forgotten.event;

  override run<K extends CrateJob['kind']>(
    typed: Extract<CrateJob, { kind: K }>,
  ): Promise<CrateJobResults[K]> {
    const job: CrateJob = typed;
    if (job.kind === 'forget') {
      this.forgotten.fire(job.root);
    }
    if (job.kind !== 'layout' && job.kind !== 'analyze') {
      return super.run(typed);
    }
    const files = job.kind === 'analyze' ? job.files.length : undefined;
    const activity = this.begin(job.root, job.kind, files);
    const result = super.run(typed);
    result.then(
      (value) => {
        if (job.kind === 'analyze') {
          // The index's jobs carry every text; the runner leaves out those its worker holds.
          const files = job.files as readonly CrateFile[];
          this.analysed.fire({ root: job.root, files, reports: value as PackedReport[] });
        }
        this.ended.fire({ activity });
      },
      (error: unknown) => this.ended.fire({ activity, error: describe(error) }),
    );
    return result;
  }

  override async calibrate(root: string, options: CalibrateOptions): Promise<CalibrateResult> {
    const activity = this.begin(root, 'calibrate');
    const onProgress = (message: string) => {
      this.progressed.fire({ activity, message });
      options.onProgress?.(message);
    };
    let result: CalibrateResult;
    try {
      result = await super.calibrate(root, { ...options, onProgress });
    } catch (error) {
      this.ended.fire({ activity, error: describe(error) });
      throw error;
    }
    // A cancelled run is not an error: the signal says so, whatever the run answered.
    const error = result.ok || options.signal?.aborted ? undefined : result.error;
    this.ended.fire({ activity, error });
    return result;
  }

  private begin(root: string, kind: CrateActivity['kind'], files?: number): CrateActivity {
    const activity: CrateActivity = { id: ++this.nextId, root, kind, files };
    this.started.fire(activity);
    return activity;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
