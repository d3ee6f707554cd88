import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import type { Config } from '../config.js';
import { CdsError } from '../errors.js';
import type { ServiceMetrics } from '../metrics/service-metrics.js';
import { facts } from './cds-routes.js';
import { methodNotAllowed } from './error-handler.js';

/**
 * GET /metrics in the Prometheus text format. A scraper is not a CDS Client and has no client JWT, so metrics have
 * their own secret: with METRICS_TOKEN set, `Authorization: Bearer <METRICS_TOKEN>` is required; without it the
 * endpoint is open in development and refused in production (docs/feedback-and-metrics.md).
 */
export function metricsRoute(metrics: ServiceMetrics, config: Pick<Config, 'metricsToken' | 'mode'>): Router {
  const router = Router();
  router.get(
    '/metrics',
    (_req, res, next) => {
      facts(res).endpoint = 'metrics';
      next();
    },
    requireMetricsToken(config),
    async (_req, res) => {
      const body = await metrics.registry.metrics();
      res.set('Cache-Control', 'no-store').type(metrics.registry.contentType).send(body);
    }
  );
  router.all('/metrics', methodNotAllowed('GET'));
  return router;
}

export function requireMetricsToken(config: Pick<Config, 'metricsToken' | 'mode'>): RequestHandler {
  return (req, _res, next) => {
    if (config.metricsToken === undefined) {
      if (config.mode === 'production') {
        throw new CdsError('forbidden', `${req.path} is not served in production without METRICS_TOKEN.`);
      }
      next();
      return;
    }
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
    if (presented === undefined || !sameSecret(presented, config.metricsToken)) {
      throw new CdsError('unauthorized', `${req.path} needs Authorization: Bearer <METRICS_TOKEN>.`, {
        headers: { 'WWW-Authenticate': 'Bearer realm="metrics"' },
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
