/**
 * The worker-thread side of the CLI's pool (see `analyzeFiles.ts`): loads the engine once, then
 * answers one `WorkerRequest` at a time with a `WorkerResponse`, in the order they arrive.
 *
 * Loaded only as a worker's entry point; requiring it elsewhere does nothing.
 */
import { parentPort } from 'worker_threads';
import { initAnalysis } from '../analysis/engine';
import { analyzeJob, AnalysisJob } from './analyzeFiles';
import type { FileReport } from '../analysis/report';

/** Main thread → worker: analyse `job`, answer with the same `id`. */
export interface WorkerRequest {
  id: number;
  job: AnalysisJob;
}

/** Worker → main thread. */
export interface WorkerResponse {
  id: number;
  reports: FileReport[];
}

if (parentPort) {
  const port = parentPort;
  // Jobs that arrive while the grammar loads wait for it; a failure to load it rejects every job,
  // which the pool reports per file (an uncaught rejection ends the worker, see analyzeFiles.ts).
  const ready = initAnalysis();
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (request: WorkerRequest) => {
    queue = queue
      .then(() => ready)
      .then(() => analyzeJob(request.job))
      .then((reports) => port.postMessage({ id: request.id, reports } satisfies WorkerResponse));
  });
}
