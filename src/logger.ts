import { pino, type DestinationStream, type Logger } from 'pino';
import { isMainThread } from 'node:worker_threads';
import { batchedStdout } from './log-output.js';

/**
 * Errors are logged by an allowlist of fields. pino's standard serializer copies every enumerable property, and
 * errors carry request material there: body-parser puts the raw body on `body`, HTTP clients put the request
 * (with its `Authorization` header) on `config` or `request`, JSONata puts the offending value on `value`.
 */
export function serializeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) {
    return { type: typeof error };
  }
  const code = (error as { code?: unknown }).code;
  const type = (error as { type?: unknown }).type;
  return {
    type: error.name,
    message: error.message,
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(typeof type === 'string' ? { bodyParserType: type } : {}),
    ...(error.cause === undefined || depth >= 3 ? {} : { cause: serializeError(error.cause, depth + 1) }),
  };
}

/**
 * Structured JSON logs (pino). What is logged is chosen field by field; request bodies, headers and tokens are
 * never passed to the logger, and the redaction list is a second line of defence should one slip into an object.
 * Without a destination, the main thread writes to standard output in batches (src/log-output.ts: its access line
 * per request is the hot one); worker threads, which log only failures, keep pino's own stream.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'ctd-neuropathy-cds' },
      serializers: { err: serializeError },
      redact: {
        paths: [
          'req.headers.authorization',
          '*.authorization',
          '*.access_token',
          '*.fhirAuthorization',
          '*.prefetch',
          '*.context',
          'access_token',
          'authorization',
          'fhirAuthorization',
          'token',
          '*.token',
        ],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? (isMainThread ? batchedStdout() : undefined)
  );
}
