import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Config } from '../config.js';
import { CdsError } from '../errors.js';

/**
 * Guards the operators' endpoints (GET /metrics, GET /analytics/feedback). Scrapers and dashboards are not CDS
 * Clients and hold no client JWT, so these have their own secret: with OPERATOR_TOKEN set, `Authorization: Bearer
 * <OPERATOR_TOKEN>` is required; without it they are open in development and refused in production (README
 * "Metrics"). Neither endpoint returns patient data, but both describe how the service is used.
 */
export function requireOperatorToken(config: Pick<Config, 'operatorToken' | 'mode'>): RequestHandler {
  return (req, _res, next) => {
    if (config.operatorToken === undefined) {
      if (config.mode === 'production') {
        throw new CdsError('forbidden', `${req.path} is not served in production without OPERATOR_TOKEN.`);
      }
      next();
      return;
    }
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
    if (presented === undefined || !sameSecret(presented, config.operatorToken)) {
      throw new CdsError('unauthorized', `${req.path} needs Authorization: Bearer <OPERATOR_TOKEN>.`, {
        headers: { 'WWW-Authenticate': 'Bearer realm="operator"' },
      });
    }
    next();
  };
}

/** Constant-time comparison; hashing first gives equal lengths, so the length of the secret does not leak either. */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
