import { createHash, timingSafeEqual } from 'node:crypto';
import { getStatus } from '@medplum/core';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Bundle, FhirResource } from 'fhir/r4';
import type { Clock } from '../call-service.js';
import { CdsError } from '../errors.js';
import { capabilityStatement } from './capability-statement.js';
import { loadDemoData, type DemoData } from './demo-data.js';
import { indexFhirDefinitions } from './fhir-definitions.js';
import { includedEntries, supportedInclude } from './search-includes.js';
import { completeSearchQuery, takeIncludes, UnsupportedSearch } from './search-query.js';
import { searchset } from './searchset.js';
import { smartAuthorization } from './smart-authorization.js';
import { SmartGrants } from './smart-grants.js';
import { assertReadInCompartment, assertSearchInCompartment, smartPatientOf } from './smart-scope.js';

/**
 * The embedded demo FHIR R4 server (README "Try it"): Medplum's FHIR router over its in-memory repository, loaded
 * with the synthetic demo patients, mounted under /fhir next to the CDS services. It answers what a CDS client's
 * FHIR server answers the service (read, search) and nothing else: it is read-only, and every request but
 * `GET /metadata` must carry `Authorization: Bearer <DEMO_FHIR_TOKEN>`, so the service's token handling is exercised
 * for real. `open` also lets requests without an Authorization header through: the CDS Hooks Sandbox reads "an open
 * FHIR server" and sends no token. A wrong token is refused in both modes.
 */
export interface DemoFhirOptions {
  /** The bearer token the server accepts; never logged, never echoed. */
  readonly token: string;
  readonly open: boolean;
  /** The service's clock: the patients' relative dates are resolved for its today, and again when the day changes. */
  readonly clock: Clock;
  /** The folder holding patients/ and orders/ (demo-data.ts). */
  readonly dataDir: string;
  /** Absolute base URL of the service as clients see it, when configured (PUBLIC_BASE_URL). */
  readonly publicBaseUrl: string | undefined;
  /**
   * Also serve a SMART authorization server (smart-authorization.ts) and accept the patient-scoped tokens it issues.
   * Development only: production mode never serves it (compose.ts).
   */
  readonly smart: boolean;
}

export interface DemoFhirServer {
  readonly router: Router;
  /** Loads the FHIR definitions and today's patients into the repository; the first request waits for it too. */
  ready(): Promise<DemoData>;
}

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;

export function createDemoFhirServer(options: DemoFhirOptions): DemoFhirServer {
  // Checked now, so that a broken data file stops start-up with its name instead of failing the first request.
  loadDemoData(options.dataDir, options.clock.today());
  const fhirRouter = new FhirRouter();
  let loaded: { today: string; result: Promise<{ data: DemoData; repo: MemoryRepository }> } | undefined;

  const load = (): Promise<{ data: DemoData; repo: MemoryRepository }> => {
    const today = options.clock.today();
    if (loaded?.today !== today) {
      loaded = { today, result: fill(today) };
    }
    return loaded.result;
  };
  const fill = async (today: string): Promise<{ data: DemoData; repo: MemoryRepository }> => {
    indexFhirDefinitions();
    const data = loadDemoData(options.dataDir, today);
    const repo = new MemoryRepository();
    const resources = [...data.patients.flatMap((d) => [d.patient, ...d.resources]), ...data.practitioners];
    for (const resource of resources) {
      // @types/fhir and Medplum's own types describe the same FHIR R4 JSON.
      await repo.createResource(resource as unknown as Parameters<MemoryRepository['createResource']>[0]);
    }
    return { data, repo };
  };

  const baseUrl = (req: Request): string =>
    `${options.publicBaseUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`}${req.baseUrl}`;

  const answer = async (req: Request, res: Response, url: string): Promise<void> => {
    const { repo } = await load();
    const [outcome, resource] = await fhirRouter.handleRequest(
      { method: 'GET', url, pathname: '', body: undefined, params: {}, query: {} },
      repo
    );
    const status = getStatus(outcome);
    const found = status < 300 && resource !== undefined ? (resource as FhirResource) : undefined;
    const smartPatient = smartPatientOf(req);
    if (found !== undefined && smartPatient !== undefined) {
      assertReadInCompartment(found, smartPatient);
    }
    res
      .status(status)
      .type('application/fhir+json')
      .send(JSON.stringify(found ?? outcome));
  };

  const grants = options.smart ? new SmartGrants() : undefined;
  const bearer = authenticate(options, grants);
  const router = Router();
  if (grants !== undefined) {
    router.use(
      smartAuthorization({
        grants,
        fhirBase: baseUrl,
        patients: async () => (await load()).data.patients,
        authenticate: bearer,
      })
    );
  }
  router.use(bearer);
  router.use(readOnly);
  router.get('/metadata', (req, res) => {
    const statement = capabilityStatement(baseUrl(req), options.clock.today(), options.smart);
    res.type('application/fhir+json').send(JSON.stringify(statement));
  });
  /** A type search (FHIR R4 search 3.1.1), by GET or by POST to `_search` (form-encoded, search 3.1.1.2.3). */
  const search = async (req: Request, res: Response, type: string, params: URLSearchParams): Promise<void> => {
    // The search parameters are indexed by the first load; the query can only be checked after it.
    const { repo } = await load();
    let query: URLSearchParams;
    let includes: string[];
    try {
      includes = takeIncludes(params, supportedInclude);
      query = completeSearchQuery(type, params);
    } catch (error) {
      if (error instanceof UnsupportedSearch) {
        throw new CdsError('invalid-request', `Demo FHIR server: ${error.message}.`);
      }
      throw error;
    }
    const smartPatient = smartPatientOf(req);
    if (smartPatient !== undefined) {
      assertSearchInCompartment(type, query, smartPatient);
    }
    const [outcome, result] = await fhirRouter.handleRequest(
      { method: 'GET', url: `${type}?${query.toString()}`, pathname: '', body: undefined, params: {}, query: {} },
      repo
    );
    const status = getStatus(outcome);
    if (status >= 300 || result === undefined) {
      res.status(status).type('application/fhir+json').send(JSON.stringify(outcome));
      return;
    }
    const bundle = searchset(result as Bundle<FhirResource>, `${baseUrl(req)}/${type}`, query);
    const matches = (bundle.entry ?? []).flatMap((e) => (e.resource === undefined ? [] : [e.resource]));
    const included = await includedEntries(matches, includes, async (reference) => {
      const [readOutcome, resource] = await fhirRouter.handleRequest(
        { method: 'GET', url: reference, pathname: '', body: undefined, params: {}, query: {} },
        repo
      );
      return getStatus(readOutcome) < 300 ? (resource as FhirResource | undefined) : undefined;
    });
    const entry = [
      ...(bundle.entry ?? []),
      ...included.map((e) => ({
        ...e,
        fullUrl: `${baseUrl(req)}/${e.resource?.resourceType ?? ''}/${e.resource?.id ?? ''}`,
      })),
    ];
    res.type('application/fhir+json').send(JSON.stringify({ ...bundle, ...(entry.length === 0 ? {} : { entry }) }));
  };
  router.get('/:type', async (req, res, next) => {
    const type = req.params['type'];
    if (!RESOURCE_TYPE.test(type)) {
      next();
      return;
    }
    await search(req, res, type, new URL(req.originalUrl, 'http://demo.invalid').searchParams);
  });
  // The CDS Hooks Sandbox tries POST [type]/_search first. The form body's parameters join the URL's.
  router.post('/:type/_search', express.urlencoded({ extended: false, limit: '64kb' }), async (req, res, next) => {
    const type = req.params['type'];
    if (!RESOURCE_TYPE.test(type)) {
      next();
      return;
    }
    if (!req.is('application/x-www-form-urlencoded')) {
      throw new CdsError(
        'invalid-request',
        'Demo FHIR server: POST _search takes an application/x-www-form-urlencoded body.'
      );
    }
    const params = new URL(req.originalUrl, 'http://demo.invalid').searchParams;
    for (const [key, value] of Object.entries(req.body as Record<string, string | string[]>)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        params.append(key, item);
      }
    }
    await search(req, res, type, params);
  });
  router.get('/:type/:id', async (req, res, next) => {
    const type = req.params['type'];
    if (!RESOURCE_TYPE.test(type)) {
      next();
      return;
    }
    await answer(req, res, `${type}/${encodeURIComponent(req.params['id'])}`);
  });

  return { router, ready: async () => (await load()).data };
}

/**
 * Bearer check on every request but the capability statement, which FHIR clients read before authenticating:
 * DEMO_FHIR_TOKEN (all patients), or a token of the SMART endpoints (its patient only, set in `res.locals`).
 */
function authenticate(options: DemoFhirOptions, grants: SmartGrants | undefined): RequestHandler {
  const expected = digest(options.token);
  return (req, res, next) => {
    if (req.method === 'GET' && req.path === '/metadata') {
      next();
      return;
    }
    const header = req.get('authorization');
    if (header === undefined && options.open) {
      next();
      return;
    }
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
    const grant = presented === undefined ? undefined : grants?.tokenGrant(presented);
    if (grant !== undefined) {
      res.locals['smartPatient'] = grant.patient;
      next();
      return;
    }
    // Compared as digests in constant time, so neither the length nor the content leaks through timing.
    if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
      throw new CdsError(
        'unauthorized',
        'The demo FHIR server needs Authorization: Bearer <DEMO_FHIR_TOKEN> (README "Configuration").',
        { headers: { 'WWW-Authenticate': 'Bearer realm="demo-fhir"' } }
      );
    }
    next();
  };
}

const readOnly: RequestHandler = (req, _res, next) => {
  // POST [type]/_search is a search, not a write (FHIR R4 http 3.1.0.10 "search": GET or POST).
  const searchByPost = req.method === 'POST' && /^\/[A-Za-z]+\/_search$/.test(req.path);
  if (req.method !== 'GET' && req.method !== 'HEAD' && !searchByPost) {
    throw new CdsError(
      'method-not-allowed',
      `The demo FHIR server is read-only (read and search); ${req.method} is refused so the demo patients stay as documented.`,
      { headers: { Allow: 'GET, POST' } }
    );
  }
  next();
};

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
