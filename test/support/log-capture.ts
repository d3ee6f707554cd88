import type { Logger } from 'pino';
import { createLogger } from '../../src/logger.js';

export interface CapturedLogs {
  readonly logger: Logger;
  /** Everything written so far, as the raw text a log shipper would receive. */
  text(): string;
  /** Each line parsed. */
  lines(): Record<string, unknown>[];
}

/** The service's own logger (same redaction and serializers), writing every level to memory. */
export function captureLogs(level = 'trace'): CapturedLogs {
  const chunks: string[] = [];
  const logger = createLogger(level, {
    write(chunk: string) {
      chunks.push(chunk);
    },
  });
  return {
    logger,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
