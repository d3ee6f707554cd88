import { Router } from 'express';
import type { Config } from '../config.js';
import type { ServiceMetrics } from '../metrics/service-metrics.js';
import { facts } from './cds-routes.js';
import { methodNotAllowed } from './error-handler.js';
import { requireOperatorToken } from './operator-auth.js';

/** GET /metrics in the Prometheus text format, behind the operator token (README "Metrics"). */
export function metricsRoute(metrics: ServiceMetrics, config: Pick<Config, 'operatorToken' | 'mode'>): Router {
  const router = Router();
  router.get(
    '/metrics',
    (_req, res, next) => {
      facts(res).endpoint = 'metrics';
      next();
    },
    requireOperatorToken(config),
    async (_req, res) => {
      const body = await metrics.registry.metrics();
      res.set('Cache-Control', 'no-store').type(metrics.registry.contentType).send(body);
    }
  );
  router.all('/metrics', methodNotAllowed('GET'));
  return router;
}
