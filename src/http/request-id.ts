/**
 * Request ids: each request gets one, returned in `X-Request-Id` and carried by every log line written for it (a
 * pino child logger), so that an EHR's, a load balancer's and this service's logs of one call can be joined.
 *
 * The id is the caller's `X-Request-Id` when it is a safe token, else the trace id of a W3C `traceparent`
 * (Trace Context, section 3.2), else a new UUID. A caller's value is checked before it reaches a header or a log:
 * at most 128 characters of letters, digits and `-._~:+/=@`, so it can neither split a header nor forge a log line.
 */
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';

export const REQUEST_ID_HEADER = 'X-Request-Id';

const SAFE_ID = /^[A-Za-z0-9\-._~:+/=@]{1,128}$/;

/**
 * Trace Context 3.2: `version-traceid-parentid-flags`, lower-case hex; version ff, an all-zero trace id or parent
 * id make the header invalid. A later version may append fields after a `-`; version 00 may not.
 */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(-.*)?$/;

/** The trace id of a valid `traceparent` header, or undefined. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  const match = TRACEPARENT.exec(traceparent?.trim() ?? '');
  if (match === null) {
    return undefined;
  }
  const [, version, traceId, parentId, rest] = match;
  const invalid =
    version === 'ff' ||
    (version === '00' && rest !== undefined) ||
    /^0+$/.test(traceId ?? '') ||
    /^0+$/.test(parentId ?? '');
  return invalid ? undefined : traceId;
}

export function requestIdFor(req: Pick<Request, 'get'>): string {
  const given = req.get(REQUEST_ID_HEADER)?.trim();
  if (given !== undefined && SAFE_ID.test(given)) {
    return given;
  }
  return traceIdOf(req.get('traceparent')) ?? randomUUID();
}

interface Locals {
  readonly locals: Record<string, unknown>;
}

/** Express middleware, first of all: the id, its response header and the request's logger. */
export function requestIds(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const id = requestIdFor(req);
    res.locals['requestId'] = id;
    res.locals['log'] = logger.child({ requestId: id });
    res.set(REQUEST_ID_HEADER, id);
    next();
  };
}

/** The request's id (undefined outside a request that went through requestIds). */
export function requestIdOf(res: Locals): string | undefined {
  const id = res.locals['requestId'];
  return typeof id === 'string' ? id : undefined;
}

/** The request's logger: every line carries its `requestId`. `fallback` serves apps built without requestIds. */
export function requestLog(res: Locals, fallback: Logger): Logger {
  return (res.locals['log'] as Logger | undefined) ?? fallback;
}
