import express, { type Express, type Request, type Router } from 'express';
import type { Logger } from 'pino';
import type { PipelineDeps } from './call-service.js';
import type { RequestValidators } from './cds-hooks/validate.js';
import type { Config } from './config.js';
import type { FeedbackStore } from './feedback/feedback-store.js';
import { cdsRoutes, facts } from './http/cds-routes.js';
import { corsMiddleware } from './http/cors.js';
import { errorHandler, methodNotAllowed, notFound } from './http/error-handler.js';
import { guidancePage } from './http/guidance-page.js';
import type { Knowledge } from './knowledge/load-knowledge.js';
import { CdsError } from './errors.js';

export interface Readiness {
  /** True once knowledge is loaded and the pipeline has been warmed. */
  ready: boolean;
}

export interface AppDeps {
  readonly config: Config;
  readonly knowledge: Knowledge;
  readonly validators: RequestValidators;
  readonly pipeline: PipelineDeps;
  readonly feedbackStore: FeedbackStore;
  readonly logger: Logger;
  readonly readiness: Readiness;
  /** The embedded demo FHIR server, mounted under /fhir when configured (src/demo/demo-fhir-server.ts). */
  readonly demoFhir?: Router;
}

/** Builds the service; never listens (server.ts does). Tests build as many apps as they need. */
export function createApp(deps: AppDeps): Express {
  const { config, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const f = facts(res);
      logger.info(
        {
          method: req.method,
          route: req.route === undefined ? req.path : `${req.baseUrl}${String((req.route as { path: unknown }).path)}`,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - start) / 1e6,
          ...f,
        },
        'request'
      );
    });
    next();
  });
  app.use(corsMiddleware(config.corsOrigins));
  // The default 100 kB limit rejects ordinary prefetch (research/performance.md 3.2); the limit is deliberate.
  app.use(
    express.json({ limit: config.bodyLimitBytes, strict: true, type: ['application/json', 'application/*+json'] })
  );

  const publicBaseUrl = (req: Request): string => config.publicBaseUrl ?? `${req.protocol}://${req.get('host') ?? ''}`;

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'alive' });
  });
  app.get('/readyz', (_req, res) => {
    if (!deps.readiness.ready) {
      throw new CdsError('not-ready', 'Knowledge is loading or the pipeline is warming up.');
    }
    res.json({ status: 'ready', services: deps.knowledge.services.size, rules: deps.knowledge.rules.length });
  });
  app.get('/guidance/:ruleId', (req, res) => {
    const rule = deps.knowledge.rules.find((r) => r.id === req.params['ruleId']);
    if (rule === undefined) {
      throw new CdsError('not-found', `There is no rule '${req.params['ruleId']}'.`);
    }
    res
      .type('text/html')
      .set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(guidancePage(rule));
  });
  app.all(['/healthz', '/readyz', '/guidance/:ruleId'], methodNotAllowed('GET'));

  if (deps.demoFhir !== undefined) {
    app.use('/fhir', deps.demoFhir);
  }
  app.use(
    cdsRoutes({
      services: deps.knowledge.services,
      validators: deps.validators,
      pipeline: deps.pipeline,
      feedbackStore: deps.feedbackStore,
      logger,
      publicBaseUrl,
    })
  );
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
