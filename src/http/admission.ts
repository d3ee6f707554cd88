import type { RequestHandler } from 'express';
import { CdsError } from '../errors.js';
import { facts } from './cds-routes.js';

/** Seconds a shed caller is asked to wait: an EHR's CDS call is short-lived, so a retry soon is the only useful one. */
export const RETRY_AFTER_SECONDS = 1;

export interface AdmissionOptions {
  /** Evaluating threads: the worker threads, or 1 for the main thread (WORKERS=0). */
  readonly workers: number;
  /** Calls that may wait per thread beyond the one it runs; undefined: no bound. */
  readonly queuePerWorker: number | undefined;
}

/**
 * Admission control for service calls: at most `workers × (1 + queuePerWorker)` calls are in the service at once
 * (with least-busy dispatch, about `queuePerWorker` waiting behind each worker's current one). A call beyond that is
 * answered at once with 503, `Retry-After` and an OperationOutcome, before its body is read or its token checked:
 * under overload every admitted call stays fast, instead of every call waiting seconds for an answer the EHR has
 * stopped waiting for (CDS Hooks calls are synchronous in the clinician's workflow).
 *
 * Answered here rather than thrown to the error handler, which logs each 5xx with its stack: shedding is the
 * design working, and it may happen thousands of times a second.
 */
export function admission(options: AdmissionOptions): RequestHandler {
  if (options.queuePerWorker === undefined) {
    return (_req, _res, next) => {
      next();
    };
  }
  const limit = Math.max(1, options.workers) * (1 + options.queuePerWorker);
  const shed = new CdsError(
    'overloaded',
    'The service is at capacity; try again shortly. No work was done for this request.',
    // The connection is kept (Node drains the unread body): closing it made clients reconnect at once, which cost
    // far more (measured: admitted p99 6.7 s instead of 0.7 s, docs/performance.md "Overload").
    { headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } }
  );
  const body = JSON.stringify(shed.toOperationOutcome());
  let inFlight = 0;
  return (_req, res, next) => {
    if (inFlight >= limit) {
      const f = facts(res);
      f.endpoint = 'service';
      f.shed = true;
      res.status(shed.status).set(shed.headers).type('application/json').send(body);
      return;
    }
    inFlight += 1;
    // 'close' comes once per response, answered or cut off: the place is always given back.
    res.once('close', () => {
      inFlight -= 1;
    });
    next();
  };
}
