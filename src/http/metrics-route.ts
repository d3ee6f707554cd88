import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type Request } from 'express';
import type { Config } from '../config.js';
import { CdsError } from '../errors.js';
import type { ServiceMetrics } from '../metrics/service-metrics.js';
import { facts } from './cds-routes.js';
import { methodNotAllowed } from './error-handler.js';

/**
 * GET /metrics in the Prometheus text format. Operators' scrapers are not CDS Clients, so this has its own
 * protection: with METRICS_TOKEN set, `Authorization: Bearer <METRICS_TOKEN>` is required; without it the
 * endpoint is open in development and refused in production (README "Metrics").
 */
export function metricsRoute(metrics: ServiceMetrics, config: Pick<Config, 'metricsToken' | 'mode'>): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    facts(res).endpoint = 'metrics';
    authorise(req, config);
    const body = await metrics.registry.metrics();
    res.set('Cache-Control', 'no-store').type(metrics.registry.contentType).send(body);
  });
  router.all('/metrics', methodNotAllowed('GET'));
  return router;
}

function authorise(req: Request, config: Pick<Config, 'metricsToken' | 'mode'>): void {
  if (config.metricsToken === undefined) {
    if (config.mode === 'production') {
      throw new CdsError('forbidden', 'Metrics are not served in production without METRICS_TOKEN.');
    }
    return;
  }
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
  if (presented === undefined || !sameSecret(presented, config.metricsToken)) {
    throw new CdsError('unauthorized', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.', {
      headers: { 'WWW-Authenticate': 'Bearer realm="metrics"' },
    });
  }
}

/** Constant-time comparison; hashing first gives equal lengths, so the length of the secret does not leak either. */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
