/**
 * A worker thread that evaluates CDS Service calls (src/service-call/service-caller.ts). It builds its own
 * knowledge and pipeline from the configuration, warms up, says 'ready', then answers `{ id, task }` messages with
 * `{ id, result }`, or `{ id, error }` for a fault (logged here; the main thread answers 500).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import { silentObserver, systemClock } from '../call-service.js';
import { configuredKnowledge, requestValidatorsFor } from '../configured.js';
import { createFhirKitReader } from '../fhir/fhir-kit-reader.js';
import { createLogger } from '../logger.js';
import { evaluateCall, type CallEnv, type CallTask } from '../service-call/evaluate-call.js';
import type { WorkerSetup } from '../service-call/service-caller.js';
import { warmUp } from '../warm-up.js';

const port = parentPort;
if (port === null) {
  throw new Error('evaluation-worker runs as a worker thread only');
}
const { config } = workerData as WorkerSetup;
const logger = createLogger(config.logLevel);
const knowledge = configuredKnowledge(config);
const pipeline = {
  knowledge,
  readerFor: createFhirKitReader,
  clock: systemClock,
  newId: randomUUID,
  fetchDeadlineMs: config.fetchDeadlineMs,
  fetchPageLimit: config.fetchPageLimit,
};
const env: CallEnv = {
  services: knowledge.services,
  validators: requestValidatorsFor(config),
  pipeline,
  maxJsonDepth: config.maxJsonDepth,
};
// JSONata's first evaluations are several times slower than warm ones (measured).
await warmUp(knowledge.services.values(), { ...pipeline, observer: silentObserver });

port.on('message', (message: { id: number; task: CallTask }) => {
  evaluateCall(message.task, env).then(
    (result) => {
      port.postMessage({ id: message.id, result });
    },
    (error: unknown) => {
      logger.error({ err: error, service: message.task.serviceId }, 'evaluation failed');
      port.postMessage({ id: message.id, error: 'the evaluation failed' });
    }
  );
});
port.postMessage('ready');
