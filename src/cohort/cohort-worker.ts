/**
 * A worker thread of `cohort` (evaluator-pool.ts), speaking the WorkerPool protocol (src/workers/worker-pool.ts):
 * it builds the offline pipeline from `workerData` (a CohortSetup), says 'ready', then answers `{ id, task }` with
 * `{ id, result }`, one outcome per patient.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { patientEvaluator, type CohortSetup, type CohortTask } from './evaluate-patients.js';

const port = parentPort;
if (port === null) {
  throw new Error('cohort-worker runs as a worker thread only');
}
const evaluate = patientEvaluator(workerData as CohortSetup);

port.on('message', (message: { id: number; task: CohortTask }) => {
  evaluate(message.task).then(
    (result) => {
      port.postMessage({ id: message.id, result });
    },
    (error: unknown) => {
      port.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
    }
  );
});
port.postMessage('ready');
