import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type Request, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { silentObserver, type PipelineDeps } from '../call-service.js';
import { substituteTemplate } from '../cds-hooks/prefetch-template.js';
import type { RequestValidators } from '../cds-hooks/validate.js';
import { defaultKnowledgeDir, type Config } from '../config.js';
import { CdsError } from '../errors.js';
import { methodNotAllowed } from '../http/error-handler.js';
import type { Knowledge } from '../knowledge/load-knowledge.js';
import { errorCode } from '../service-call/recording-observer.js';
import { loadAppViews } from './app-views.js';
import { chartInput } from './chart-input.js';
import { evaluateChart } from './evaluate-chart.js';
import { appPage, launchPage } from './smart-pages.js';

export interface SmartRouteDeps {
  readonly config: Config;
  readonly knowledge: Knowledge;
  readonly validators: RequestValidators;
  readonly pipeline: PipelineDeps;
  readonly logger: Logger;
  readonly publicBaseUrl: (req: Request) => string;
}

/**
 * The fhirclient library's browser build (no bundler, no CDN): copied into dist/vendor/ by `npm run build`
 * (scripts/vendor-assets.js), so that a production install needs the library's package not at all; running from
 * the sources (tests, `npm run dev`), it comes from the package itself, a dev dependency.
 */
function fhirClientFile(): string | undefined {
  const built = fileURLToPath(new URL('../vendor/fhir-client.min.js', import.meta.url));
  if (existsSync(built)) {
    return built;
  }
  try {
    return join(
      dirname(createRequire(import.meta.url).resolve('fhirclient/package.json')),
      'build',
      'fhir-client.min.js'
    );
  } catch {
    // Neither built nor installed (sources run without dev dependencies): the app cannot start, the service can.
    return undefined;
  }
}

/**
 * The SMART app under /smart/ (docs/smart-app.md): its pages and assets, and the endpoint it calls to evaluate.
 * The app reads the patient's data from the EHR's FHIR server with its own token and posts it to /smart/api/evaluate,
 * which runs the hooks' pipeline on it and answers the decision model, the cards and the app's views. The service
 * never calls the EHR for the app (no token reaches it, no server-side request to a URL a browser chose) and keeps
 * nothing: it only computes on what it was sent, for the page that sent it.
 */
export function smartRoutes(deps: SmartRouteDeps): Router {
  const { config } = deps;
  // The app's code ships with the service (the repository root), its knowledge (cards/app/) with the knowledge.
  const appDir = join(defaultKnowledgeDir(), 'smart-app');
  const views = loadAppViews(config.knowledgeDir, deps.knowledge, {
    timeoutMs: config.evaluationTimeoutMs,
    stackDepth: 500,
  });
  // The app's evaluations are neither cards shown in an EHR nor hook metrics: only rule failures are reported
  // (their code, never their message, which may quote patient data).
  const pipeline: PipelineDeps = {
    ...deps.pipeline,
    observer: {
      ...silentObserver,
      ruleFailed: (service, ruleId, error) => {
        deps.logger.error({ cdsService: service, ruleId, code: errorCode(error) }, 'SMART app: rule condition failed');
      },
    },
  };
  const pages = pagePolicy(config.smart.ehrOrigins);
  const router = Router();

  router.get('/launch', pages, (req, res) => {
    const iss = typeof req.query['iss'] === 'string' ? req.query['iss'] : '';
    if (!allowedIssuer(iss, config.smart.ehrOrigins, deps.publicBaseUrl(req))) {
      throw new CdsError(
        'forbidden-origin',
        'The launch needs an iss (the EHR FHIR server) on an origin listed in SMART_EHR_ORIGINS.'
      );
    }
    res.type('text/html').send(launchPage(config.smart.clientId));
  });
  router.get('/', pages, (_req, res) => {
    res.type('text/html').send(appPage(config.smart.clientId));
  });
  router.use('/app', express.static(appDir, { index: false, dotfiles: 'deny' }));
  const fhirClient = fhirClientFile();
  if (fhirClient === undefined) {
    deps.logger.warn('the SMART app library is missing: run npm run build (it copies it into dist/vendor/)');
  }
  router.get('/vendor/fhir-client.js', (_req, res) => {
    if (fhirClient === undefined) {
      throw new CdsError('not-found', 'The SMART app library is not installed on this server (npm run build).');
    }
    res.type('text/javascript').sendFile(fhirClient);
  });

  router.get('/api/queries', sameOrigin, (req, res) => {
    const patientId = typeof req.query['patient'] === 'string' ? req.query['patient'] : '';
    if (!/^[A-Za-z0-9\-.]{1,64}$/.test(patientId)) {
      throw new CdsError('invalid-request', [{ message: 'patient must be a FHIR id.', expression: ['patient'] }]);
    }
    const today = deps.pipeline.clock.today();
    const queries: Record<string, string> = {};
    for (const service of deps.knowledge.services.values()) {
      for (const spec of service.prefetch) {
        queries[spec.key] ??= encodeQuery(substituteTemplate(spec.template, { patientId }, today) ?? '');
      }
    }
    res.json({ queries });
  });
  router.post('/api/evaluate', sameOrigin, async (req, res) => {
    const answer = await evaluateChart(chartInput(req.body), {
      knowledge: deps.knowledge,
      validators: deps.validators,
      pipeline,
      views,
      publicBaseUrl: deps.publicBaseUrl(req),
    });
    res.set('Cache-Control', 'no-store').json(answer);
  });
  router.all(['/launch', '/', '/api/queries'], methodNotAllowed('GET'));
  router.all('/api/evaluate', methodNotAllowed('POST'));
  return router;
}

/**
 * A search as `Type?name=value&...` with every value percent-encoded (RFC 3986): `http://loinc.org|1234-5` travels
 * as `http%3A%2F%2Floinc.org%7C1234-5`. A proxy between the app and the FHIR server then cannot alter it (the SMART
 * App Launcher's FHIR proxy collapses every `//` in the URL it forwards, which breaks unencoded token systems).
 */
function encodeQuery(query: string): string {
  const at = query.indexOf('?');
  return at < 0 ? query : `${query.slice(0, at)}?${new URLSearchParams(query.slice(at + 1)).toString()}`;
}

/**
 * The app's pages may be framed by the EHR and may talk to its FHIR and authorization servers: CSP `frame-ancestors`
 * and `connect-src` name SMART_EHR_ORIGINS (in development without it: any http(s) origin). Scripts, styles and
 * everything else come from the service alone.
 */
function pagePolicy(ehrOrigins: readonly string[] | undefined): RequestHandler {
  const ehr = ehrOrigins === undefined ? 'http: https:' : ehrOrigins.join(' ');
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${ehr}`.trim(),
    `frame-ancestors 'self' ${ehr}`.trim(),
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ].join('; ');
  return (_req, res, next) => {
    // CSP frame-ancestors decides who may frame the app; X-Frame-Options cannot list origins.
    res.removeHeader('X-Frame-Options');
    res.set('Content-Security-Policy', policy).set('Cache-Control', 'no-store');
    next();
  };
}

/** `iss` must be an http(s) URL on an allowed origin (or the service's own: its demo FHIR server). */
function allowedIssuer(iss: string, ehrOrigins: readonly string[] | undefined, ownBase: string): boolean {
  let url: URL;
  try {
    url = new URL(iss);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return false;
  }
  return ehrOrigins === undefined || ehrOrigins.includes(url.origin) || url.origin === new URL(ownBase).origin;
}

/**
 * The app's API answers the app's own pages only: a browser names the caller's relation in Sec-Fetch-Site, and a
 * cross-site page is refused (its CORS pass would not make the computation its business).
 */
const sameOrigin: RequestHandler = (req, _res, next) => {
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new CdsError('forbidden-origin', 'The SMART app API answers the app pages of this service only.');
  }
  next();
};
