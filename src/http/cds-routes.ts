import { Router, type Request, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { combineObservers, type PipelineObserver } from '../call-service.js';
import type { DiscoveryResponse } from '../cds-hooks/types.js';
import type { RequestValidators } from '../cds-hooks/validate.js';
import { CdsError } from '../errors.js';
import { toFeedbackRecord } from '../feedback/feedback-record.js';
import type { FeedbackStore } from '../feedback/feedback-store.js';
import type { LoadedService } from '../knowledge/load-knowledge.js';
import type { Endpoint } from '../metrics/service-metrics.js';
import { replay } from '../service-call/recording-observer.js';
import { clientIdentity } from '../auth/client-identity.js';
import type { CallFacts } from '../service-call/evaluate-call.js';
import type { ServiceCaller } from '../service-call/service-caller.js';
import { ruleFailureLog } from '../service-call/rule-failure-log.js';
import { isBodyChunks } from './body-chunks.js';
import { methodNotAllowed } from './error-handler.js';
import { requestIdOf, requestLog } from './request-id.js';

export interface CdsRouteDeps {
  readonly services: ReadonlyMap<string, LoadedService>;
  readonly validators: RequestValidators;
  /** Evaluates service calls (inline or in worker threads). */
  readonly caller: ServiceCaller;
  /** Told what each evaluation's pipeline observed (metrics, cards shown, rule failures). */
  readonly observer: PipelineObserver;
  readonly feedbackStore: FeedbackStore;
  readonly logger: Logger;
  /** Absolute base URL of this service as clients see it. */
  readonly publicBaseUrl: (req: Request) => string;
  /** LOG_PHI (debug only): patient, user and encounter ids go to the request log line. */
  readonly logPhi: boolean;
}

/**
 * Request facts for the access log, set by the routes and read when the response finishes. No patient data:
 * the identifiers are only filled in when LOG_PHI is on (a debugging aid refused in production).
 */
export interface RequestFacts extends CallFacts {
  endpoint?: Endpoint;
  service?: string;
  /** Answered 503 at capacity before any work (src/http/admission.ts). */
  shed?: boolean;
}

export function facts(res: { locals: Record<string, unknown> }): RequestFacts {
  res.locals['facts'] ??= {};
  return res.locals['facts'] as RequestFacts;
}

/** POSTs must carry JSON; anything else is refused with 415 before parsing is attempted. */
const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (!req.is(['application/json', 'application/*+json'])) {
    next(new CdsError('unsupported-media-type', 'The request body must be JSON (Content-Type: application/json).'));
    return;
  }
  next();
};

/** Spec "Discovery", "Calling a CDS Service" and "Feedback" endpoints. */
export function cdsRoutes(deps: CdsRouteDeps): Router {
  const router = Router();
  const discovery: DiscoveryResponse = { services: [...deps.services.values()].map((s) => s.definition) };
  const serviceOf = (id: string): LoadedService => {
    const service = deps.services.get(id);
    if (service === undefined) {
      throw new CdsError('unknown-service', `There is no CDS Service '${id}' here; GET /cds-services lists them.`);
    }
    return service;
  };

  router.get('/cds-services', (_req, res) => {
    facts(res).endpoint = 'discovery';
    res.json(discovery);
  });
  router.all('/cds-services', methodNotAllowed('GET'));

  router.post('/cds-services/:id', requireJsonBody, async (req, res) => {
    const requestFacts = facts(res);
    requestFacts.endpoint = 'service';
    const service = serviceOf(String(req.params['id']));
    requestFacts.service = service.definition.id;
    if (!isBodyChunks(req.body)) {
      // app.ts reads this route's body unparsed (rawJsonBody); anything else is a wiring mistake.
      throw new Error('the service-call body was not read as bytes');
    }
    // Parsing, validation and the pipeline run where the caller puts them (a worker thread by default): this
    // thread only moves bytes, so a large request never holds up the others.
    const result = await deps.caller.call({
      serviceId: service.definition.id,
      body: req.body,
      publicBaseUrl: deps.publicBaseUrl(req),
      logPhi: deps.logPhi,
      requestId: requestIdOf(res),
    });
    // Replayed here, on the request's logger: rule failures are logged with the request id.
    const observer = combineObservers(deps.observer, ruleFailureLog(requestLog(res, deps.logger)));
    replay(result.events, observer, clientIdentity(res)?.tenant);
    Object.assign(requestFacts, result.facts);
    res.status(result.status).set(result.headers).type('application/json').send(result.body);
  });
  router.all('/cds-services/:id', methodNotAllowed('POST'));

  router.post('/cds-services/:id/feedback', requireJsonBody, async (req, res) => {
    facts(res).endpoint = 'feedback';
    const service = serviceOf(String(req.params['id']));
    facts(res).service = service.definition.id;
    const feedback = deps.validators.feedback(req.body);
    const records = feedback.feedback.map((item) => toFeedbackRecord(service.definition.id, item));
    // 200 is sent only after the store has the records (spec "Feedback"; issue: "every 200 means it is stored").
    const result = await deps.feedbackStore.save(records);
    res.json(result);
  });
  router.all('/cds-services/:id/feedback', methodNotAllowed('POST'));

  return router;
}
