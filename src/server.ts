/**
 * Process entry: the only module that reads the environment, listens and handles signals.
 */
import { ConfigError, parseConfig, type Config } from './config.js';
import { composeService, type ComposedService } from './compose.js';
import { DemoDataError } from './demo/demo-data.js';
import { KnowledgeError } from './knowledge/knowledge-error.js';
import { createLogger } from './logger.js';

/** Configuration and knowledge problems stop start-up with their message (file, JSON path), not a stack trace. */
function fail(error: unknown): never {
  if (error instanceof ConfigError || error instanceof KnowledgeError || error instanceof DemoDataError) {
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
  service = composeService(config, { logger });
} catch (error) {
  fail(error);
}
const server = service.app.listen(config.port, config.host, () => {
  logger.info(
    {
      port: config.port,
      mode: config.mode,
      services: [...service.knowledge.services.keys()],
      demoFhir: service.demoFhir === undefined ? 'off' : `/fhir${config.demoFhirOpen ? ' (open)' : ''}`,
    },
    'listening'
  );
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
