import type { Logger } from 'pino';

/** Milliseconds between the summary lines while calls are being shed. */
export const SHED_LOG_INTERVAL_MS = 10_000;

export interface ShedLog {
  /** One more service call answered 503 at capacity. */
  count(): void;
}

/**
 * The log of load shedding: one warn line per interval with the number of calls refused, instead of an access-log
 * line per refusal. Under overload the service may refuse thousands of calls a second; a line for each would flood
 * the log and cost the main thread the time the admitted calls need. Every refusal is still counted one by one in
 * the request metrics (status 503, endpoint "service").
 */
export function shedLog(logger: Logger, intervalMs = SHED_LOG_INTERVAL_MS): ShedLog {
  let shed = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    logger.warn(
      { shed, seconds: intervalMs / 1000 },
      'service calls answered 503 at capacity (WORKER_QUEUE_LIMIT), counted since the last such line'
    );
    shed = 0;
    timer = undefined;
  };
  return {
    count() {
      shed += 1;
      // The first refusal of a quiet period starts the interval; its line comes when the interval ends.
      timer ??= setTimeout(flush, intervalMs).unref();
    },
  };
}
