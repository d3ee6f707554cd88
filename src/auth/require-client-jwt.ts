import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { CdsError } from '../errors.js';
import { requestLog } from '../http/request-id.js';
import { pathLabel } from '../http/route-label.js';
import { AuthFailure } from './auth-failure.js';
import { setClientIdentity } from './client-identity.js';
import type { ClientJwtVerifier } from './verify-client-jwt.js';

export interface RequireClientJwtOptions {
  readonly verifier: ClientJwtVerifier;
  /** The absolute base URL clients call (PUBLIC_BASE_URL): `aud` must be this plus the path called. */
  readonly publicBaseUrl: string;
  readonly logger: Logger;
}

/** The one answer to every authentication failure: which check failed is for the log, not for the caller. */
export function unauthenticated(): CdsError {
  return new CdsError('unauthorized', 'The request could not be authenticated.', {
    headers: { 'WWW-Authenticate': 'Bearer' },
  });
}

/**
 * Express middleware: the request must carry `Authorization: Bearer <JWT>` signed by a trusted CDS Client for this
 * very endpoint (spec "Trusting CDS Clients": "for every single CDS Service call, whether that be a Discovery call,
 * a single CDS Service invocation, or multiple exchanges relating to a single service"). On success the client's
 * identity is on `res.locals` (see clientIdentity); on failure the answer is a generic 401 and the reason is logged
 * at warn level, without the token. CORS preflight (OPTIONS) carries no credentials and passes.
 */
export function requireClientJwt(options: RequireClientJwtOptions): RequestHandler {
  const base = options.publicBaseUrl.replace(/\/+$/, '');
  return async (req, res, next) => {
    if (req.method === 'OPTIONS') {
      next();
      return;
    }
    // The path as the client called it (mount points included), without the query string.
    const path = new URL(req.originalUrl, 'http://path.invalid').pathname;
    try {
      const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(req.get('authorization') ?? '');
      if (match?.[1] === undefined) {
        throw new AuthFailure('missing-token', 'no Authorization: Bearer header');
      }
      setClientIdentity(res, await options.verifier.verify(match[1], `${base}${path}`));
    } catch (error) {
      if (!(error instanceof AuthFailure)) {
        throw error;
      }
      requestLog(res, options.logger).warn(
        // The route's pattern, not the path: a path can carry a patient id.
        { reason: error.reason, detail: error.message, method: req.method, route: pathLabel(path), ...error.fields },
        'client authentication failed'
      );
      throw unauthenticated();
    }
    next();
  };
}
