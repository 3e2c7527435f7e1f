/**
 * Runs a CLI run's jobs on the worker pool, the shares of one crate (`splitCrateJobs`) together:
 * each share parses and indexes only its files and sends their summaries here; once every share
 * has, each gets the others' (by position in the crate), and walks and reports its own files.
 *
 * A share that fails (its worker crashes, exits, overruns, or its analysis throws) fails the
 * crate's split, never its answer: the crate is analysed again as one job on one worker, and its
 * first file says so in a notice. No share's reports are kept then, so no report is partial.
 */
import { MessageChannel } from 'worker_threads';
import type { ShareFileSummary } from '../analysis/incremental/shareSummaries';
import type { FileReport } from '../analysis/report';
import { WorkerFailure, WorkerPool } from '../workers/pool';
import { AnalysisJob, CrateJob, ShareMessage, reportedFiles } from './analysisJobs';

/** The shares of one crate as they are handed in: run once all of them are. */
interface ShareGroup {
  shares: CrateJob[];
  answers: ((reports: FileReport[]) => void)[];
}

export class ShareRunner {
  private readonly groups = new Map<string, ShareGroup>();
  /** Whether this thread is running a share (it runs one at a time). */
  private localBusy = false;

  /**
   * `local`, when given, runs a share in this thread: the first share of a crate then goes there
   * while this thread has no other, instead of to a worker of its own (see `runPool`).
   */
  constructor(
    private readonly pool: WorkerPool<AnalysisJob, FileReport[]>,
    private readonly local?: (share: CrateJob) => Promise<FileReport[]>,
  ) {}

  /**
   * Runs a job: a share waits for its crate's other shares, then runs with them. A share never
   * rejects (a failed split falls back to one worker, whose failure becomes notices); other jobs
   * reject as `WorkerPool.run` does.
   */
  run(job: AnalysisJob, timeoutMs: number): Promise<FileReport[]> {
    if (job.kind !== 'crate' || !job.shareOf) {
      return this.pool.run(job, timeoutMs);
    }
    const key = `${job.root}\0${job.shareOf.count}`;
    const group = this.groups.get(key) ?? { shares: [], answers: [] };
    this.groups.set(key, group);
    return new Promise((resolve) => {
      group.shares[job.shareOf!.index] = job;
      group.answers[job.shareOf!.index] = resolve;
      if (group.shares.filter(Boolean).length === job.shareOf!.count) {
        this.groups.delete(key);
        void this.runGroup(group.shares, timeoutMs).then((reports) =>
          group.answers.forEach((answer, i) => answer(reports[i])),
        );
      }
    });
  }

  /** The shares' reports, by share; after a failure, the whole crate's as the first share's. */
  private async runGroup(shares: CrateJob[], timeoutMs: number): Promise<FileReport[][]> {
    const channels = shares.map(() => new MessageChannel());
    const summaries: ShareFileSummary[][] = [];
    let failed = false;
    let cause: unknown;
    const abort = (error: unknown) => {
      cause ??= error;
      failed = true;
      channels.forEach((c) => c.port1.postMessage({ kind: 'abort' } satisfies ShareMessage));
    };
    channels.forEach((channel, i) =>
      channel.port1.on('message', (message: ShareMessage) => {
        if (message.kind !== 'summaries' || failed) {
          return;
        }
        summaries[i] = message.summaries;
        if (summaries.filter(Boolean).length === shares.length) {
          sendJoined(channels, summaries);
        }
      }),
    );
    const local = this.local && !this.localBusy ? this.local : undefined;
    // The workers' shares first: they start while this thread works on its own.
    const runs = shares.map((share, i) => {
      if (i === 0 && local) {
        return undefined;
      }
      const exchange = channels[i].port2;
      return this.pool.run({ ...share, exchange }, timeoutMs, [exchange]);
    });
    if (local) {
      this.localBusy = true;
      runs[0] = local({ ...shares[0], exchange: channels[0].port2 }).finally(() => {
        this.localBusy = false;
      });
    }
    runs.forEach((run) => run!.catch(abort));
    const settled = await Promise.allSettled(runs);
    channels.forEach((c) => c.port1.close());
    if (!failed) {
      return settled.map((s) => (s as PromiseFulfilledResult<FileReport[]>).value);
    }
    const whole: CrateJob = { ...shares[0], share: undefined, shareOf: undefined };
    const reports = await this.runWhole(whole, timeoutMs);
    const first = reports[0];
    if (first) {
      const reason = describeFailure(cause);
      first.notices.unshift(
        `${first.file}: the crate's ${shares.length} workers could not share it (${reason}): ` +
          'it was analysed on one',
      );
    }
    return [reports, ...shares.slice(1).map(() => [])];
  }

  /** The crate on one worker; a failure there becomes a notice on each requested file. */
  private async runWhole(job: CrateJob, timeoutMs: number): Promise<FileReport[]> {
    try {
      return await this.pool.run(job, timeoutMs);
    } catch (error) {
      const reason = describeFailure(error);
      return reportedFiles(job).map((file) => ({
        file,
        futures: [],
        notices: [`${file}: analysis failed: ${reason}`],
      }));
    }
  }
}

/** Every share gets the summaries of the others' files, by position in the crate. */
function sendJoined(
  channels: readonly MessageChannel[],
  summaries: readonly ShareFileSummary[][],
): void {
  const all: (ShareFileSummary | null)[] = [];
  for (const summary of summaries.flat()) {
    all[summary.position] = summary;
  }
  channels.forEach((channel, i) => {
    const own = new Set(summaries[i].map((s) => s.position));
    const others = Array.from(all, (s, p) => (s === undefined || own.has(p) ? null : s));
    channel.port1.postMessage({ kind: 'joined', summaries: others } satisfies ShareMessage);
  });
}

function describeFailure(error: unknown): string {
  if (error instanceof WorkerFailure) {
    return error.reason;
  }
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].replace(/^Error: /, '');
}
