import express, { type Express, type Request, type RequestHandler, type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { clientIdentity } from './auth/client-identity.js';
import type { PipelineDeps } from './call-service.js';
import type { RequestValidators } from './cds-hooks/validate.js';
import type { Config } from './config.js';
import { launcherCompat } from './demo/launcher-compat.js';
import type { FeedbackStore } from './feedback/feedback-store.js';
import { admission } from './http/admission.js';
import { analyticsRoutes } from './http/analytics-routes.js';
import { cdsRoutes, facts } from './http/cds-routes.js';
import { corsMiddleware } from './http/cors.js';
import { errorHandler, methodNotAllowed, notFound } from './http/error-handler.js';
import { guidancePage } from './http/guidance-page.js';
import { jsonBody, rawJsonBody } from './http/json-body.js';
import { metricsRoute } from './http/metrics-route.js';
import { readinessRoute, type Readiness } from './http/readiness.js';
import { requestIds, requestLog } from './http/request-id.js';
import { routeLabel } from './http/route-label.js';
import { shedLog } from './http/shed-log.js';
import type { Knowledge } from './knowledge/load-knowledge.js';
import type { ServiceCaller } from './service-call/service-caller.js';
import type { ServiceMetrics } from './metrics/service-metrics.js';
import { CdsError } from './errors.js';
import { smartRoutes } from './smart/smart-routes.js';

export type { Readiness } from './http/readiness.js';

export interface AppDeps {
  readonly config: Config;
  readonly knowledge: Knowledge;
  readonly validators: RequestValidators;
  readonly pipeline: PipelineDeps;
  readonly caller: ServiceCaller;
  readonly feedbackStore: FeedbackStore;
  readonly metrics: ServiceMetrics;
  readonly logger: Logger;
  readonly readiness: Readiness;
  /** Client authentication for PROTECTED_PATHS (src/auth: requireClientJwt, or noClientAuth when AUTH_MODE=off). */
  readonly clientAuth: RequestHandler;
  /** The embedded demo FHIR server, mounted under /fhir when configured (src/demo/demo-fhir-server.ts). */
  readonly demoFhir?: Router;
}

/**
 * Paths whose every call must carry the CDS Client's JWT (spec "Trusting CDS Clients": discovery, service calls
 * and feedback alike). A new client-facing route is protected by adding its path here. /healthz, /readyz,
 * /guidance/* and /smart/* stay public: probes and clinicians' browsers have no client JWT; the guidance carries no
 * patient data, and the SMART app's API only computes on the data its page sends (docs/smart-app.md).
 */
export const PROTECTED_PATHS: readonly string[] = ['/cds-services', '/analytics'];

/** Builds the service; never listens (server.ts does). Tests build as many apps as they need. */
export function createApp(deps: AppDeps): Express {
  const { config, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(requestIds(logger));
  const shed = shedLog(logger);
  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const f = facts(res);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      // Labels from the service's own vocabulary only: an unknown service id in a URL is never a label value.
      const labels = { service: f.service ?? 'none', endpoint: f.endpoint ?? 'other' };
      deps.metrics.requests.inc({ ...labels, status: String(res.statusCode) });
      deps.metrics.requestSeconds.observe(labels, ms / 1000);
      if (f.shed === true) {
        shed.count(); // a summary line per interval, not one per refusal (src/http/shed-log.ts)
        return;
      }
      // Field by field: no body, header, token or (unless LOG_PHI) patient identifier ever reaches this line.
      const client = clientIdentity(res);
      requestLog(res, logger).info(
        {
          method: req.method,
          // A fixed label, never the raw path: paths can carry patient ids (src/http/route-label.ts).
          route: routeLabel(req),
          status: res.statusCode,
          ms,
          ...(client === undefined ? {} : { client: client.iss, tenant: client.tenant }),
          ...f,
        },
        'request'
      );
    });
    next();
  });
  app.use(
    helmet({
      // A JSON API: nothing may load, frame or run from its answers (the guidance page sets its own policy).
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      xFrameOptions: { action: 'deny' },
      // HSTS only where clients reach the service over https; on plain http it would mean nothing or mislead.
      strictTransportSecurity: config.publicBaseUrl?.startsWith('https://') === true ? { maxAge: 31_536_000 } : false,
    })
  );
  app.use(corsMiddleware(config.corsOrigins));
  // Load shedding first: beyond the bounded queue a service call is refused before any work is done for it.
  app.post('/cds-services/:id', admission({ workers: config.workers, queuePerWorker: config.workerQueueLimit }));
  // Before the body is parsed: an unauthenticated caller cannot make the service read and parse 12 MB.
  app.use(PROTECTED_PATHS as string[], deps.clientAuth);
  // Service calls keep their body as bytes, for the evaluation to parse where it runs (a worker thread by default);
  // the JSON parser below then leaves them alone.
  app.post('/cds-services/:id', rawJsonBody(config.bodyLimitBytes));
  app.use(jsonBody({ limitBytes: config.bodyLimitBytes, maxDepth: config.maxJsonDepth }));

  const publicBaseUrl = (req: Request): string => config.publicBaseUrl ?? `${req.protocol}://${req.get('host') ?? ''}`;

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'alive' });
  });
  app.get(
    '/readyz',
    readinessRoute(deps.readiness, logger, () => ({
      services: deps.knowledge.services.size,
      rules: deps.knowledge.rules.length,
    }))
  );
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
  // Metrics have their own bearer token (OPERATOR_TOKEN), not a client JWT: a Prometheus scraper is no CDS Client.
  app.use(metricsRoute(deps.metrics, config));
  app.use(analyticsRoutes(deps.feedbackStore));

  // The SMART app (docs/smart-app.md): public pages; its API computes only on the data its page posts.
  app.use(
    '/smart',
    smartRoutes({
      config,
      knowledge: deps.knowledge,
      validators: deps.validators,
      pipeline: deps.pipeline,
      logger,
      publicBaseUrl,
    })
  );
  if (deps.demoFhir !== undefined) {
    app.use('/fhir', deps.demoFhir);
    if (config.mode === 'development') {
      app.use(launcherCompat());
    }
  }
  app.use(
    cdsRoutes({
      services: deps.knowledge.services,
      validators: deps.validators,
      caller: deps.caller,
      observer: deps.pipeline.observer,
      feedbackStore: deps.feedbackStore,
      logger,
      publicBaseUrl,
      logPhi: config.logPhi,
    })
  );
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
