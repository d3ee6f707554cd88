import type { IncomingMessage, ServerResponse } from 'node:http';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createFhirKitReader, MAX_REDIRECTS } from '../../src/fhir/fhir-kit-reader.js';
import { FetchFailure } from '../../src/fhir/fhir-reader.js';
import { listenOnLoopback, type Loopback } from '../support/loopback.js';
import { expectCdsResponse, expectOutcome, fixture, testService } from '../support/service.js';

/**
 * Redirects from the EHR's FHIR server, with two real HTTP servers on 127.0.0.1: different ports are different
 * origins. `ehr` is the fhirServer of the request; `other` is another origin that must never be read from.
 */
const TOKEN = 'redirect-test-token';
const SELECT = '/cds-services/ctd-neuropathy-order-select';

interface Seen {
  readonly url: string;
  readonly authorization: string | undefined;
}

let ehr: Loopback;
let other: Loopback;
let ehrSeen: Seen[];
let otherSeen: Seen[];
let ehrHandler: (req: IncomingMessage, res: ServerResponse) => void;

const emptySearchset = JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total: 0, entry: [] });
const fhirJson = { 'Content-Type': 'application/fhir+json' };

beforeEach(async () => {
  ehrSeen = [];
  otherSeen = [];
  ehrHandler = (_req, res) => {
    res.writeHead(200, fhirJson).end(emptySearchset);
  };
  ehr = await listenOnLoopback((req, res) => {
    ehrSeen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    ehrHandler(req, res);
  });
  other = await listenOnLoopback((req, res) => {
    otherSeen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    // What an attacker would answer: a patient's data that is not the patient's.
    res.writeHead(200, fhirJson).end(emptySearchset);
  });
});
afterEach(async () => {
  await ehr.close();
  await other.close();
});

const redirectTo = (location: (req: IncomingMessage) => string, status = 302) => {
  return (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(status, { Location: location(req) }).end();
  };
};
const signal = (): AbortSignal => AbortSignal.timeout(5000);

describe('the FHIR reader and redirects', () => {
  test('a redirect to another origin is a failed read: nothing is fetched there', async () => {
    ehrHandler = redirectTo((req) => `${other.base}${req.url ?? ''}`);
    const reader = createFhirKitReader(`${ehr.base}/fhir`, TOKEN);
    const error = await reader.get('Condition?patient=p1', signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FetchFailure);
    expect((error as FetchFailure).message).toMatch(/another origin/);
    expect(otherSeen).toEqual([]);
    expect(ehrSeen).toEqual([{ url: '/fhir/Condition?patient=p1', authorization: `Bearer ${TOKEN}` }]);
  });

  test.each([301, 303, 307, 308])('HTTP %i to another origin fails the same way', async (status) => {
    ehrHandler = redirectTo(() => `${other.base}/fhir/Condition`, status);
    const error = await createFhirKitReader(`${ehr.base}/fhir`, TOKEN)
      .get('Condition', signal())
      .catch((e: unknown) => e);
    expect((error as FetchFailure).reason).toBe('refused');
    expect(otherSeen).toEqual([]);
  });

  test('a same-origin redirect is followed, with the token, to the resource', async () => {
    ehrHandler = (req, res) => {
      if (req.url === '/fhir/Patient/old') {
        redirectTo(() => '/fhir/Patient/new', 301)(req, res);
        return;
      }
      res.writeHead(200, fhirJson).end(JSON.stringify({ resourceType: 'Patient', id: 'new' }));
    };
    const reader = createFhirKitReader(`${ehr.base}/fhir`, TOKEN);
    await expect(reader.get('Patient/old', signal())).resolves.toMatchObject({ id: 'new' });
    expect(ehrSeen.map((s) => s.url)).toEqual(['/fhir/Patient/old', '/fhir/Patient/new']);
    expect(ehrSeen.every((s) => s.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  test(`same-origin redirects are followed at most ${String(MAX_REDIRECTS)} times`, async () => {
    ehrHandler = redirectTo((req) => `${req.url ?? ''}x`);
    const error = await createFhirKitReader(`${ehr.base}/fhir`, TOKEN)
      .get('Patient/a', signal())
      .catch((e: unknown) => e);
    expect((error as FetchFailure).message).toMatch(/more than 3 times/);
    expect(ehrSeen).toHaveLength(MAX_REDIRECTS + 1);
  });

  test('a redirect without a Location fails the read', async () => {
    ehrHandler = (_req, res) => {
      res.writeHead(302).end();
    };
    const error = await createFhirKitReader(`${ehr.base}/fhir`, TOKEN)
      .get('Patient/a', signal())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FetchFailure);
    expect(ehrSeen).toHaveLength(1);
  });
});

describe('a service call whose FHIR server redirects elsewhere', () => {
  test('the data counts as unobtainable (412), never as absent, and the other origin is not asked', async () => {
    ehrHandler = redirectTo((req) => `${other.base}${req.url ?? ''}`);
    const b = fixture('order-select.ctd-neuropathy-nitrofurantoin.no-prefetch');
    b['fhirServer'] = `${ehr.base}/fhir`;
    b['fhirAuthorization'] = { ...(b['fhirAuthorization'] as object), access_token: TOKEN };
    const res = await request(testService().app).post(SELECT).send(b).expect(412);
    expect(expectOutcome(res.body)).toMatch(/another origin/);
    expect(otherSeen).toEqual([]);
  });

  test('the same call is answered when the FHIR server answers itself', async () => {
    const b = fixture('order-select.ctd-neuropathy-nitrofurantoin.no-prefetch');
    b['fhirServer'] = `${ehr.base}/fhir`;
    b['fhirAuthorization'] = { ...(b['fhirAuthorization'] as object), access_token: TOKEN };
    const res = await request(testService().app).post(SELECT).send(b).expect(200);
    expectCdsResponse(res.body);
    expect(ehrSeen.length).toBeGreaterThan(0);
  });
});
