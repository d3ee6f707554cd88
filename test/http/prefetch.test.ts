import nock from 'nock';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { CdsResponse } from '../../src/cds-hooks/types.js';
import { expectCdsResponse, expectOutcome, fixture, testService } from '../support/service.js';
import { FHIR_BASE, mockFhirServer, prefetchResources, TOKEN } from '../support/nock-fhir.js';

const SELECT = '/cds-services/ctd-neuropathy-order-select';
const unmatched: string[] = [];

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  unmatched.length = 0;
  // Requests that reached no interceptor (the app itself on 127.0.0.1 is reached through the network).
  nock.emitter.on('no match', (req: { hostname?: string; path?: string }) => {
    if (req.hostname !== '127.0.0.1') {
      unmatched.push(`${req.hostname ?? '?'}${req.path ?? ''}`);
    }
  });
});
afterEach(() => {
  nock.cleanAll();
  nock.emitter.removeAllListeners('no match');
  nock.enableNetConnect();
});

type Body = Record<string, unknown> & { prefetch: Record<string, unknown> };
const body = (name = 'order-select.ctd-neuropathy-nitrofurantoin'): Body => fixture(name) as Body;
const ruleIds = (res: { body: unknown }): string[] =>
  expectCdsResponse(res.body).cards.map((c) => c.source.topic?.code ?? '');
const conditionsOf = (b: Body): Record<string, unknown>[] =>
  (b.prefetch['conditions'] as { entry: { resource: Record<string, unknown> }[] }).entry.map((e) => e.resource);

describe('prefetch supplied', () => {
  test('every key present: no FHIR traffic at all', async () => {
    const server = mockFhirServer([]);
    const res = await request(testService().app).post(SELECT).send(body()).expect(200);
    expect(ruleIds(res)).toEqual(['nitrofurantoin-neuropathy-risk']);
    expect(server.queries).toEqual([]);
  });

  test('a key that is null means "no data", not an error: nothing is fetched', async () => {
    const b = body('order-select.ctd-no-risk-nitrofurantoin');
    delete b['fhirServer'];
    delete b['fhirAuthorization'];
    for (const key of Object.keys(b.prefetch)) {
      if (key !== 'conditions') {
        b.prefetch[key] = null;
      }
    }
    const res = await request(testService().app).post(SELECT).send(b).expect(200);
    expect(expectCdsResponse(res.body).cards).toEqual([]);
  });
});

describe('prefetch not supplied: fetched from fhirServer with the bearer token', () => {
  test('an absent key is fetched, with tokens substituted and the access token sent', async () => {
    const b = body();
    const conditions = conditionsOf(b);
    delete b.prefetch['conditions'];
    const server = mockFhirServer(conditions);
    const res = await request(testService().app).post(SELECT).send(b).expect(200);
    expect(ruleIds(res)).toEqual(['nitrofurantoin-neuropathy-risk']);
    expect(server.queries).toHaveLength(1);
    const [query] = server.queries;
    expect(query?.path).toBe('/fhir/Condition');
    expect(query?.params.get('patient')).toBe('pat-ctd-001');
    // No clinical-status filter, which would lose encounter diagnoses recorded without a status.
    expect(query?.params.has('clinical-status')).toBe(false);
    expect(query?.authorization).toBe(`Bearer ${TOKEN}`);
  });

  test('the whole prefetch absent: every key fetched in parallel, and the card is the same', async () => {
    const withPrefetch = body();
    const server = mockFhirServer(prefetchResources(withPrefetch));
    const res = await request(testService().app)
      .post(SELECT)
      .send(body('order-select.ctd-neuropathy-nitrofurantoin.no-prefetch'))
      .expect(200);
    const cards = expectCdsResponse(res.body).cards;
    expect(cards.map((c) => [c.source.topic?.code, c.indicator])).toEqual([
      ['nitrofurantoin-neuropathy-risk', 'critical'],
    ]);
    expect(new Set(server.queries.map((q) => q.path))).toEqual(
      new Set([
        '/fhir/Condition',
        '/fhir/Observation',
        '/fhir/MedicationRequest',
        '/fhir/MedicationStatement',
        '/fhir/Procedure',
        '/fhir/ServiceRequest',
        '/fhir/DiagnosticReport',
      ])
    );
    expect(server.queries.every((q) => q.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  test('relative-date tokens are computed from today: labs since today - 365 days', async () => {
    const b = body();
    delete b.prefetch['labs'];
    const server = mockFhirServer([]);
    await request(testService().app).post(SELECT).send(b).expect(200);
    const labs = server.queries.find((q) => q.path === '/fhir/Observation');
    expect(labs?.params.get('date')).toBe('ge2025-06-01');
    expect(labs?.params.get('code')).toContain('http://loinc.org|2132-9');
  });

  test('a key holding an OperationOutcome is treated as not supplied and fetched', async () => {
    const b = body();
    const conditions = conditionsOf(b);
    b.prefetch['conditions'] = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'timeout' }] };
    const server = mockFhirServer(conditions);
    const res = await request(testService().app).post(SELECT).send(b).expect(200);
    expect(ruleIds(res)).toEqual(['nitrofurantoin-neuropathy-risk']);
    expect(server.queries.map((q) => q.path)).toEqual(['/fhir/Condition']);
  });

  test('a searchset with an error outcome entry (search.mode = outcome) is treated as not supplied and fetched', async () => {
    const b = body();
    const conditions = conditionsOf(b);
    b.prefetch['conditions'] = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { resource: conditions[0], search: { mode: 'match' } },
        {
          resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing' }] },
          search: { mode: 'outcome' },
        },
      ],
    };
    const server = mockFhirServer(conditions);
    const res = await request(testService().app).post(SELECT).send(b).expect(200);
    expect(ruleIds(res)).toEqual(['nitrofurantoin-neuropathy-risk']);
    expect(server.queries.map((q) => q.path)).toEqual(['/fhir/Condition']);
  });

  test('an informational outcome entry ("no results") leaves the bundle usable: nothing is fetched', async () => {
    const b = body();
    b.prefetch['medications'] = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        {
          resource: {
            resourceType: 'OperationOutcome',
            issue: [
              { severity: 'warning', code: 'processing', details: { text: 'Resource request returns no results.' } },
            ],
          },
          search: { mode: 'outcome' },
        },
      ],
    };
    const server = mockFhirServer([]);
    await request(testService().app).post(SELECT).send(b).expect(200);
    expect(server.queries).toEqual([]);
  });
});

describe('paginated bundles', () => {
  const paged = (b: Body, next: string): void => {
    const [sle] = conditionsOf(b);
    b.prefetch['conditions'] = {
      resourceType: 'Bundle',
      type: 'searchset',
      link: [
        { relation: 'self', url: `${FHIR_BASE}/Condition?patient=pat-ctd-001&_page=1` },
        { relation: 'next', url: next },
      ],
      entry: [{ resource: sle }],
    };
  };

  test('a prefetched first page: the next pages are followed with the token', async () => {
    const b = body();
    const poly = conditionsOf(b)[1];
    paged(b, `${FHIR_BASE}/Condition?patient=pat-ctd-001&_page=2`);
    const scope = nock('https://ehr.example.org', { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get('/fhir/Condition')
      .query({ patient: 'pat-ctd-001', _page: '2' })
      .reply(200, { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: poly }] });
    const res = await request(testService().app).post(SELECT).send(b).expect(200);
    // The polyneuropathy is only on page 2: the card is critical only if page 2 was read.
    expect(expectCdsResponse(res.body).cards.map((c) => c.indicator)).toEqual(['critical']);
    scope.done();
  });

  test('more pages than the cap: 412 naming the key', async () => {
    const b = body();
    paged(b, `${FHIR_BASE}/Condition?page=2`);
    nock('https://ehr.example.org')
      .persist()
      .get('/fhir/Condition')
      .query(true)
      .reply(200, (uri) => ({
        resourceType: 'Bundle',
        type: 'searchset',
        link: [{ relation: 'next', url: `https://ehr.example.org${uri}x` }],
        entry: [],
      }));
    const res = await request(testService({ FHIR_PAGE_LIMIT: '3' }).app)
      .post(SELECT)
      .send(b)
      .expect(412);
    expect(expectOutcome(res.body, 'prefetch.conditions')).toMatch(/more than 3 pages/);
  });

  test('a next link to another server is not followed (the token never leaves fhirServer): 412', async () => {
    const b = body();
    paged(b, 'https://attacker.example.com/fhir/Condition?page=2');
    const res = await request(testService().app).post(SELECT).send(b).expect(412);
    expect(expectOutcome(res.body, 'prefetch.conditions')).toMatch(/outside fhirServer/);
    expect(unmatched).toEqual([]);
  });
});

describe('required data unobtainable: 412 Precondition Failed naming the keys', () => {
  test('no fhirServer to fetch from', async () => {
    const b = body();
    delete b['fhirServer'];
    delete b['fhirAuthorization'];
    delete b.prefetch['conditions'];
    delete b.prefetch['procedures'];
    const res = await request(testService().app).post(SELECT).send(b).expect(412);
    const outcome = res.body as { issue: { expression: string[] }[] };
    expect(outcome.issue.map((i) => i.expression[0]).sort()).toEqual(['prefetch.conditions', 'prefetch.procedures']);
    expectOutcome(res.body);
  });

  test.each([
    ['401 Unauthorized', 401, /refused access \(HTTP 401\)/],
    ['403 Forbidden', 403, /refused access \(HTTP 403\)/],
    ['500 server error', 500, /failed \(HTTP 500\)/],
    ['503 unavailable', 503, /failed \(HTTP 503\)/],
  ])('the FHIR server answers %s', async (_name, status, message) => {
    const b = body();
    delete b.prefetch['conditions'];
    nock('https://ehr.example.org')
      .get('/fhir/Condition')
      .query(true)
      .reply(status, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] });
    const res = await request(testService().app).post(SELECT).send(b).expect(412);
    expect(expectOutcome(res.body, 'prefetch.conditions')).toMatch(message);
  });

  test('a malformed (non-JSON) answer', async () => {
    const b = body();
    delete b.prefetch['conditions'];
    nock('https://ehr.example.org')
      .get('/fhir/Condition')
      .query(true)
      .reply(200, '<html>login</html>', { 'Content-Type': 'text/html' });
    const res = await request(testService().app).post(SELECT).send(b).expect(412);
    expect(expectOutcome(res.body, 'prefetch.conditions')).toMatch(/not JSON/);
  });

  test('an answer that is JSON but not FHIR', async () => {
    const b = body();
    delete b.prefetch['conditions'];
    nock('https://ehr.example.org').get('/fhir/Condition').query(true).reply(200, { hello: 'world' });
    const res = await request(testService().app).post(SELECT).send(b).expect(412);
    expect(expectOutcome(res.body, 'prefetch.conditions')).toMatch(/not a FHIR resource/);
  });

  test('a slow server: the request deadline ends the wait', async () => {
    const b = body();
    delete b.prefetch['conditions'];
    nock('https://ehr.example.org')
      .get('/fhir/Condition')
      .query(true)
      .delay(2000)
      .reply(200, { resourceType: 'Bundle', type: 'searchset' });
    const started = Date.now();
    const res = await request(testService({ FHIR_DEADLINE_MS: '100' }).app)
      .post(SELECT)
      .send(b)
      .expect(412);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(expectOutcome(res.body, 'prefetch.conditions')).toMatch(/deadline/);
  });

  test('fetched data of another patient is not used', async () => {
    const b = body();
    const [sle] = conditionsOf(b);
    delete b.prefetch['conditions'];
    nock('https://ehr.example.org')
      .get('/fhir/Condition')
      .query(true)
      .reply(200, {
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [{ resource: { ...sle, subject: { reference: 'Patient/other' } } }],
      });
    const res = await request(testService().app).post(SELECT).send(b).expect(412);
    expect(expectOutcome(res.body, 'prefetch.conditions')).toMatch(/another patient/);
  });

  test('an optional key that cannot be had does not stop the request', async () => {
    const b = body();
    delete b.prefetch['medicationStatements'];
    nock('https://ehr.example.org').get('/fhir/MedicationStatement').query(true).reply(500, {});
    const res = await request(testService().app).post(SELECT).send(b).expect(200);
    expect((res.body as CdsResponse).cards).toHaveLength(1);
  });
});
