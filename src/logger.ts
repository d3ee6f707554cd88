import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Structured JSON logs (pino). What is logged is chosen field by field; request bodies, headers and tokens are
 * never passed to the logger, and the redaction list is a second line of defence should one slip into an object.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'ctd-neuropathy-cds' },
      redact: {
        paths: [
          'req.headers.authorization',
          '*.authorization',
          '*.access_token',
          '*.fhirAuthorization',
          '*.prefetch',
          '*.context',
          'access_token',
          'fhirAuthorization',
          'token',
        ],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination
  );
}
