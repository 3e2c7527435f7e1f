/**
 * The worker threads of the crate index (see `crateRunner.ts`). Started for the index, it answers
 * `CrateJobs` requests one at a time in the order they arrive. Started for one calibration run
 * (`workerData.mode === 'calibrate'`), it runs cargo and maps rustc's sizes to the source, so
 * neither the wait nor the analysis of the whole crate happens on the server's thread, then ends.
 * Bundled on its own as `server/dist/crateWorker.js`.
 */
import { parentPort, workerData } from 'worker_threads';
import type { WasmPaths } from '../analysis/syntax/parser';
import { calibrateCrate } from '../measure/calibrate';
import { CalibrationWorkerData, CalibrationWorkerMessage, CalibrationWorkerRequest, CrateJobs, CrateWorkerRequest, CrateWorkerResponse } from './crateJobs';

if (parentPort) {
  const port = parentPort;
  const data = workerData as CalibrationWorkerData | { mode?: undefined; wasmPaths?: WasmPaths } | undefined;
  if (data?.mode === 'calibrate') {
    const abort = new AbortController();
    port.on('message', (request: CalibrationWorkerRequest) => {
      if (request.kind === 'cancel') {
        abort.abort();
      }
    });
    const send = (message: CalibrationWorkerMessage) => port.postMessage(message);
    void calibrateCrate(data.root, { ...data.options, signal: abort.signal, onProgress: (message) => send({ kind: 'progress', message }) })
      .catch((error: unknown) => ({ ok: false as const, error: error instanceof Error ? error.message : String(error) }))
      .then((result) => {
        send({ kind: 'result', result });
        port.close();
      });
  } else {
    const jobs = new CrateJobs(data?.wasmPaths);
    let queue: Promise<void> = Promise.resolve();
    port.on('message', (request: CrateWorkerRequest) => {
      queue = queue.then(async () => {
        let response: CrateWorkerResponse;
        try {
          response = { id: request.id, ok: true, value: await jobs.run(request.job) };
        } catch (error) {
          response = { id: request.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
        }
        port.postMessage(response);
      });
    });
  }
}
