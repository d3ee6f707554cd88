import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { CdsError, toCdsError } from '../errors.js';
import { requestLog } from './request-id.js';
import { routeLabel } from './route-label.js';

/** body-parser / raw-body failures, recognised by their documented `type`, never by message text. */
function fromBodyParser(error: unknown): CdsError | undefined {
  const type = (error as { type?: unknown } | undefined)?.type;
  switch (type) {
    case 'entity.parse.failed':
      return new CdsError('invalid-json', 'The request body is not valid JSON.');
    case 'entity.too.deep':
      return new CdsError(
        'invalid-json',
        'The request body is nested deeper than this service accepts (MAX_JSON_DEPTH).'
      );
    case 'entity.too.large':
      return new CdsError('body-too-large', 'The request body is larger than this service accepts (see BODY_LIMIT).');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new CdsError('unsupported-media-type', 'The request body must be UTF-8 JSON.');
    case 'request.aborted':
    case 'request.size.invalid':
      return new CdsError('invalid-request', 'The request body was incomplete.');
    default:
      return undefined;
  }
}

/** The router could not percent-decode a path parameter (e.g. `/cds-services/%ff`): the client's mistake. */
function fromRouter(error: unknown): CdsError | undefined {
  return error instanceof URIError
    ? new CdsError('invalid-request', 'The request path is not valid (malformed percent-encoding).')
    : undefined;
}

/**
 * The one error middleware (Express recognises it by its four parameters; registered after the routes).
 * Every non-2xx body is an OperationOutcome (spec "Returning OperationOutcome"); stack traces go to the log only.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const cdsError = fromBodyParser(error) ?? fromRouter(error) ?? toCdsError(error);
    if (cdsError.status >= 500) {
      requestLog(res, logger).error({ err: error, method: req.method, route: routeLabel(req) }, 'request failed');
    }
    res
      .status(cdsError.status)
      .set(cdsError.headers)
      .type('application/json')
      .send(JSON.stringify(cdsError.toOperationOutcome()));
  };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new CdsError('not-found', `There is no resource at ${req.method} ${req.path}.`));
};

/** 405 for a known path with another method, with the `Allow` header HTTP requires. */
export function methodNotAllowed(allow: string): RequestHandler {
  return (req, _res, next) => {
    next(
      new CdsError('method-not-allowed', `${req.method} is not supported here; use ${allow}.`, {
        headers: { Allow: allow },
      })
    );
  };
}
