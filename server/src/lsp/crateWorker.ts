/**
 * The worker threads of the crate index (see `crateRunner.ts`). Started for the index, it answers
 * `CrateJobs` requests one at a time in the order they arrive (`serveTasks`), with the measurements
 * known when it started already loaded. Started for one calibration run
 * (`workerData.mode === 'calibrate'`), it runs cargo and maps rustc's sizes to the source, so
 * neither the wait nor the analysis of the whole crate happens on the server's thread, then ends.
 * Bundled on its own as `server/dist/crateWorker.js`.
 */
import { parentPort, workerData } from 'worker_threads';
import { calibrateCrate } from '../measure/calibrate';
import { serveTasks } from '../workers/pool';
import {
  CalibrationWorkerData,
  CalibrationWorkerMessage,
  CalibrationWorkerRequest,
  CrateJob,
  CrateJobs,
  CrateWorkerData,
} from './crateJobs';

if (parentPort) {
  const port = parentPort;
  type IndexWorkerData = CrateWorkerData & { mode?: undefined };
  const data = workerData as CalibrationWorkerData | IndexWorkerData | undefined;
  if (data?.mode === 'calibrate') {
    const abort = new AbortController();
    port.on('message', (request: CalibrationWorkerRequest) => {
      if (request.kind === 'cancel') {
        abort.abort();
      }
    });
    const send = (message: CalibrationWorkerMessage) => port.postMessage(message);
    void calibrateCrate(data.root, {
      ...data.options,
      signal: abort.signal,
      onProgress: (message) => send({ kind: 'progress', message }),
    })
      .catch((error: unknown) => ({
        ok: false as const,
        error: error instanceof Error ? error.message : String(error),
      }))
      .then((result) => {
        send({ kind: 'result', result });
        port.close();
      });
  } else {
    const jobs = new CrateJobs(data?.wasmPaths, data?.calibrations, data?.cacheDir, true);
    serveTasks(port, (job: CrateJob) => jobs.run(job));
  }
}
