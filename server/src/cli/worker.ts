/**
 * The worker-thread side of the CLI's pool (see `analyzeFiles.ts` and `workers/pool.ts`): loads the
 * engine once, then runs one `AnalysisJob` at a time, in the order they arrive.
 *
 * Loaded only as a worker's entry point; requiring it elsewhere does nothing.
 */
import { parentPort } from 'worker_threads';
import { initAnalysis } from '../analysis/engine';
import { serveTasks } from '../workers/pool';
import { AnalysisJob, analyzeJob } from './analysisJobs';

if (parentPort) {
  // Jobs that arrive while the grammar loads wait for it; a failure to load it fails every job,
  // which the pool reports per file.
  const ready = initAnalysis();
  serveTasks(parentPort, async (job: AnalysisJob) => {
    await ready;
    return analyzeJob(job);
  });
}
