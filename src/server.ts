/**
 * Process entry: the only module that reads the environment, listens and handles signals.
 */
import { ConfigError, parseConfig, type Config } from './config.js';
import type { AddressInfo } from 'node:net';
import { openService, type ComposedService } from './compose.js';
import { FeedbackStoreError } from './feedback/open-feedback-store.js';
import { KnowledgeError } from './knowledge/knowledge-error.js';
import { createLogger } from './logger.js';

/**
 * Configuration, knowledge and feedback-store problems stop start-up with their message (file, JSON path, store),
 * not a stack trace.
 */
function fail(error: unknown): never {
  if (error instanceof ConfigError || error instanceof KnowledgeError || error instanceof FeedbackStoreError) {
    process.stderr.write(`Cannot start: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

let config: Config;
try {
  config = parseConfig(process.env);
} catch (error) {
  fail(error);
}
const logger = createLogger(config.logLevel);

if (/fhir-kit-client/.test(process.env['DEBUG'] ?? '')) {
  // fhir-kit-client's debug output prints request headers, i.e. the EHR's bearer token.
  logger.fatal('DEBUG enables fhir-kit-client logging, which would log FHIR access tokens; unset it.');
  process.exit(1);
}

let service: ComposedService;
try {
  // The feedback store is open before the port is: no 200 can be given for feedback that has nowhere to go.
  service = await openService(config, { logger });
} catch (error) {
  fail(error);
}
const server = service.app.listen(config.port, config.host, () => {
  // The bound port, which differs from config.port when that is 0 (tests start the process that way).
  const { port } = server.address() as AddressInfo;
  logger.info({ port, mode: config.mode, services: [...service.knowledge.services.keys()] }, 'listening');
});
service.warm().then(
  () => {
    logger.info('ready');
  },
  (error: unknown) => {
    logger.fatal({ err: error }, 'warm-up failed');
    process.exit(1);
  }
);

function shutdown(signal: string): void {
  logger.info({ signal }, 'shutting down');
  service.readiness.ready = false;
  server.close(() => {
    void service.feedbackStore.close().finally(() => process.exit(0));
  });
  // Requests in flight get a bounded time to finish.
  setTimeout(() => process.exit(0), 10_000).unref();
}
process.on('SIGTERM', () => {
  shutdown('SIGTERM');
});
process.on('SIGINT', () => {
  shutdown('SIGINT');
});
