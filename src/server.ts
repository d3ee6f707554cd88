/**
 * Process entry: the only module that reads the environment, listens and handles signals.
 * `npm start` execs this file with node (package.json), so the signals sent to it reach this process.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig, type Config } from './config.js';
import { openService, type ComposedService } from './compose.js';
import { createLogger } from './logger.js';
import { CANNOT_START_EXIT_CODE, cannotStartMessage, listenError } from './start-up-error.js';

/** An operator's problem stops start-up with its message (file, JSON path, store, address), not a stack trace. */
function fail(error: unknown): never {
  const message = cannotStartMessage(error);
  if (message !== undefined) {
    process.stderr.write(`${message}\n`);
    process.exit(CANNOT_START_EXIT_CODE);
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
if (service.knowledge.expressions.notCompiled.length > 0) {
  logger.warn(
    { notCompiled: service.knowledge.expressions.notCompiled },
    'some expressions are outside the compiled subset: all expressions run on jsonata (slower, same answers)'
  );
}
let stopping = false;
const { requestMs, headersMs, keepAliveMs } = config.timeouts;
const server = createServer(
  {
    // A client that is slow to send its headers or body cannot hold a connection (and its memory) for long.
    requestTimeout: requestMs,
    headersTimeout: headersMs,
    keepAliveTimeout: keepAliveMs,
    // How often Node looks for expired requests (default 30 s): a fraction of the header limit, so that it holds.
    connectionsCheckingInterval: Math.max(100, Math.min(5000, Math.floor(headersMs / 2))),
  },
  service.app
);
// During shutdown, a kept-alive connection is closed as soon as its last response is sent: server.close() only
// closes the connections idle at that moment, and the others would otherwise linger until keepAliveTimeout.
server.on('request', (_req, res: ServerResponse) => {
  res.on('finish', () => {
    if (stopping) {
      setImmediate(() => {
        server.closeIdleConnections();
      });
    }
  });
});
// Until it listens, a server error is the address's (in use, not this machine's, not resolvable): a refusal.
const refuseAddress = (error: NodeJS.ErrnoException): void => {
  stopping = true;
  void service.close().finally(() => {
    fail(listenError(error, config.host, config.port));
  });
};
server.once('error', refuseAddress);
server.listen(config.port, config.host, () => {
  server.off('error', refuseAddress);
  // The bound port, which differs from config.port when that is 0 (tests start the process that way).
  logger.info(
    {
      port: (server.address() as AddressInfo).port,
      mode: config.mode,
      auth: config.auth.mode,
      services: [...service.knowledge.services.keys()],
      expressions: service.knowledge.expressions.engine,
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
    if (stopping) {
      return; // shut down while warming up: the workers were stopped on purpose
    }
    logger.fatal({ err: error }, 'warm-up failed');
    process.exit(1);
  }
);

/**
 * Graceful shutdown: stop accepting connections at once, let requests in flight finish (idle keep-alive
 * connections are closed by server.close), release the stores, exit 0. Requests that do not finish in time are cut.
 */
function shutdown(signal: string): void {
  if (stopping) {
    return;
  }
  stopping = true;
  service.readiness.ready = false;
  server.close(() => {
    void service.close().finally(() => process.exit(0));
  });
  logger.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
  setTimeout(() => {
    logger.warn('requests still in flight after 10 s; exiting');
    process.exit(0);
  }, 10_000).unref();
}
process.on('SIGTERM', () => {
  shutdown('SIGTERM');
});
process.on('SIGINT', () => {
  shutdown('SIGINT');
});
