/**
 * The one worker-thread pool of the CLI (`cli/analyzeFiles.ts`) and the server's crate index
 * (`lsp/crateRunner.ts`). A worker works on one task at a time; a worker that crashes, exits or
 * overruns its task's time is ended and replaced, and only the task it was on fails, with a
 * `WorkerFailure` that says what happened. Every failure consumes its task, so a pool whose
 * workers cannot even start still answers every task.
 *
 * Hand-written rather than taken from workerpool or piscina: with workerpool 10.0.3 a pool whose
 * workers all die at once (two crashing files on two threads, a worker script that fails to load)
 * never dispatches its queue again, and with piscina 5.3.2 the tasks of a worker script that fails
 * to load never settle, and a crash is sometimes reported as the task's timeout (tried here).
 */
import { ResourceLimits, TransferListItem, Worker } from 'worker_threads';

/** Main thread → worker. */
export interface TaskRequest<Job> {
  id: number;
  job: Job;
}

/** Worker → main thread. */
export type TaskResponse<Result> =
  { id: number; ok: true; value: Result } | { id: number; ok: false; error: string };

export interface PoolOptions {
  maxWorkers: number;
  resourceLimits?: ResourceLimits;
  /** Called as each worker starts; its answer is that worker's `workerData`. */
  workerData?: () => unknown;
  /** A worker without a task for this long is ended (its memory given back); never by default. */
  idleMs?: number;
  /** Whether workers may keep the process alive (a server's should not; a CLI run's must). */
  unref?: boolean;
}

/** A task its worker could not finish: `reason` is a phrase such as `worker exited with code 7`. */
export class WorkerFailure extends Error {
  override readonly name = 'WorkerFailure';
  constructor(readonly reason: string) {
    super(reason);
  }
}

interface Task<Job, Result> {
  id: number;
  job: Job;
  timeoutMs: number | undefined;
  /** Moved to the worker with the job rather than copied (a `MessagePort` the job talks on). */
  transfer: readonly TransferListItem[];
  resolve: (value: Result) => void;
  reject: (error: Error) => void;
}

interface Slot<Job, Result> {
  worker: Worker;
  task: Task<Job, Result> | null;
  timer?: NodeJS.Timeout;
  /** Set once the worker is being ended; its later events are ignored. */
  retired: boolean;
}

export class WorkerPool<Job, Result> {
  private readonly queue: Task<Job, Result>[] = [];
  private readonly slots = new Set<Slot<Job, Result>>();
  private nextId = 1;

  constructor(
    private readonly script: string,
    private readonly options: PoolOptions,
  ) {}

  /**
   * Runs `job` on the next free worker. Rejects with a `WorkerFailure` when that worker dies or
   * takes longer than `timeoutMs` (counted from when it takes the job), and with an `Error` holding
   * the worker's message when the job itself fails. `transfer` lists what the job holds that moves
   * to the worker rather than being copied (a `MessagePort`).
   */
  run(job: Job, timeoutMs?: number, transfer: readonly TransferListItem[] = []): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, timeoutMs, transfer, resolve, reject });
      this.dispatch();
    });
  }

  /** Ends every worker; tasks waiting or under way fail with `reason`. */
  terminate(reason = 'the worker pool stopped'): void {
    for (const slot of [...this.slots]) {
      const task = slot.task;
      this.retire(slot);
      task?.reject(new WorkerFailure(reason));
    }
    for (const task of this.queue.splice(0)) {
      task.reject(new WorkerFailure(reason));
    }
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = [...this.slots].find((s) => s.task === null) ?? this.spawn();
      if (!slot) {
        return;
      }
      this.assign(slot, this.queue.shift()!);
    }
  }

  private spawn(): Slot<Job, Result> | undefined {
    if (this.slots.size >= this.options.maxWorkers) {
      return undefined;
    }
    const worker = new Worker(this.script, {
      workerData: this.options.workerData?.(),
      resourceLimits: this.options.resourceLimits,
    });
    if (this.options.unref) {
      worker.unref();
    }
    const slot: Slot<Job, Result> = { worker, task: null, retired: false };
    this.slots.add(slot);
    worker.on('message', (response: TaskResponse<Result>) => this.answered(slot, response));
    worker.on('error', (error) => this.fail(slot, `worker crashed (${firstLine(error)})`));
    worker.on('exit', (code) => this.fail(slot, `worker exited with code ${code}`));
    return slot;
  }

  private assign(slot: Slot<Job, Result>, task: Task<Job, Result>): void {
    clearTimeout(slot.timer);
    slot.task = task;
    slot.worker.postMessage({ id: task.id, job: task.job } satisfies TaskRequest<Job>, [
      ...task.transfer,
    ]);
    if (task.timeoutMs !== undefined) {
      const seconds = task.timeoutMs / 1000;
      slot.timer = setTimeout(
        () => this.fail(slot, `took longer than ${seconds} s`),
        task.timeoutMs,
      );
    }
  }

  private answered(slot: Slot<Job, Result>, response: TaskResponse<Result>): void {
    const task = slot.task;
    if (slot.retired || !task || response.id !== task.id) {
      return;
    }
    clearTimeout(slot.timer);
    slot.task = null;
    this.dispatch();
    if (slot.task === null) {
      this.idle(slot);
    }
    if (response.ok) {
      task.resolve(response.value);
    } else {
      task.reject(new Error(response.error));
    }
  }

  private idle(slot: Slot<Job, Result>): void {
    if (this.options.idleMs === undefined) {
      return;
    }
    slot.timer = setTimeout(() => {
      if (slot.task === null) {
        this.retire(slot);
      }
    }, this.options.idleMs);
    slot.timer.unref();
  }

  private fail(slot: Slot<Job, Result>, reason: string): void {
    if (slot.retired) {
      return;
    }
    const task = slot.task;
    this.retire(slot);
    // The replacement starts before the failure is told: the pool never looks empty with work left.
    this.dispatch();
    task?.reject(new WorkerFailure(reason));
  }

  private retire(slot: Slot<Job, Result>): void {
    slot.retired = true;
    slot.task = null;
    clearTimeout(slot.timer);
    this.slots.delete(slot);
    slot.worker.removeAllListeners();
    // Whatever the worker still reports while it goes away is of no interest.
    slot.worker.on('error', () => undefined);
    void slot.worker.terminate();
  }
}

/**
 * The worker side: answers each `TaskRequest` with `handle(job)`, one at a time in the order they
 * arrive; a job that throws is answered with its error, and the worker carries on.
 */
export function serveTasks<Job, Result>(
  port: import('worker_threads').MessagePort,
  handle: (job: Job) => Promise<Result> | Result,
): void {
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (request: TaskRequest<Job>) => {
    queue = queue.then(async () => {
      let response: TaskResponse<Result>;
      try {
        response = { id: request.id, ok: true, value: await handle(request.job) };
      } catch (error) {
        response = {
          id: request.id,
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        };
      }
      port.postMessage(response);
    });
  });
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
