import type { RequestListener } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FhirReaderFactory } from '../../src/fhir/fhir-reader.js';
import { FetchFailure } from '../../src/fhir/fhir-reader.js';
import { authEnv, clientJwt, clientKey, EHR_ISS, jwks, NOW_MS, trustedClientsFile } from '../support/client-jwt.js';
import { mutatedJson, mutationArbitrary } from '../support/mutate-json.js';
import { fixture, testService } from '../support/service.js';
import { listenOnLoopback, type Loopback } from '../support/loopback.js';

/**
 * Property: whatever arrives, every endpoint answers 2xx or 4xx, every non-2xx body is an OperationOutcome, and
 * the process does not crash (thousands of random and mutated requests against every endpoint). The
 * requests go over real HTTP to one server per suite. A failure prints fast-check's seed and the shrunk request;
 * rerun it with `fc.assert(..., { seed, path })`.
 */
const FIXTURES = {
  'patient-view': ['patient-view.ctd-neuropathy-active-nitrofurantoin', 'patient-view.no-relevant-data'],
  'order-select': [
    'order-select.ctd-neuropathy-nitrofurantoin',
    'order-select.sandbox-rx-view-macrobid',
    'order-select.ctd-neuropathy-nitrofurantoin.no-prefetch',
  ],
  'order-sign': ['order-sign.ctd-neuropathy-nitrofurantoin', 'order-sign.ctd-diabetes-nitrofurantoin-text'],
} as const;

const FEEDBACK = {
  feedback: [
    {
      card: '4e0a3a1e-3283-4575-ab82-028d55fe2719',
      outcome: 'accepted',
      acceptedSuggestions: [{ id: 'e56e1945-20b3-4393-8503-a1a20fd73152' }],
      outcomeTimestamp: '2026-06-01T10:05:31Z',
    },
    {
      card: '9368d37b-283f-44a0-93ea-547cebab93ed',
      outcome: 'overridden',
      overrideReasons: [{ reason: { code: 'x', system: 'urn:epic', display: 'Not relevant' }, userComment: 'c' }],
      outcomeTimestamp: '2026-06-01T10:06:00.52Z',
    },
  ],
};

/**
 * The EHR's FHIR server, faked: mutated requests name arbitrary fhirServer URLs, and nothing may leave the
 * machine. It answers with empty searchsets, refusals, or data of the wrong shape, depending on the URL.
 */
const fakeFhir: FhirReaderFactory = (fhirServer) => ({
  get(url) {
    const pick = (fhirServer.length + url.length) % 4;
    if (pick === 0) {
      return Promise.reject(new FetchFailure('unauthorized', 'refused', 401));
    }
    if (pick === 1) {
      return Promise.resolve({ resourceType: 'OperationOutcome', issue: [] });
    }
    return Promise.resolve({ resourceType: 'Bundle', type: 'searchset', entry: pick === 2 ? [] : undefined });
  },
});

/** PROPERTY_RUNS_FACTOR=10 npm test -- test/property: a longer hunt than CI's (about 30 s on 2 cores). */
const runs = (n: number): number => n * Number(process.env['PROPERTY_RUNS_FACTOR'] ?? '1');

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly contentType: string | null;
}

let base = '';
const servers: Loopback[] = [];

async function send(
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {}
): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body }),
  });
  return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') };
}

/** The contract every answer keeps, whatever the request. */
function expectWellFormed(answer: Answer, method = 'POST'): void {
  expect(answer.status, answer.body.slice(0, 500)).toBeLessThan(500);
  if (answer.status >= 400 && method !== 'HEAD') {
    expect(answer.contentType).toMatch(/^application\/json/);
    const outcome = JSON.parse(answer.body) as { resourceType?: unknown; issue?: unknown[] };
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue?.length).toBeGreaterThan(0);
  }
}

async function listen(app: RequestListener): Promise<void> {
  const server = await listenOnLoopback(app);
  servers.push(server);
  base = server.base;
}

afterAll(async () => {
  for (const server of servers) {
    await server.close();
  }
  // Nothing sent could reach Object.prototype.
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
});

describe('mutated and random requests, authentication off', () => {
  beforeAll(async () => {
    const service = testService({}, { readerFor: fakeFhir });
    await service.warm(); // so that /readyz answers 200, not its designed 503 while warming
    await listen(service.app);
  });

  for (const [hook, names] of Object.entries(FIXTURES)) {
    test(`POST /cds-services/ctd-neuropathy-${hook}: mutated ${hook} requests`, async () => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...names),
          fc.array(mutationArbitrary, { minLength: 1, maxLength: 6 }),
          async (name, mutations) => {
            const answer = await send(
              'POST',
              `/cds-services/ctd-neuropathy-${hook}`,
              mutatedJson(fixture(name), mutations)
            );
            expectWellFormed(answer);
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            if (answer.status === 200) {
              expect(Array.isArray((JSON.parse(answer.body) as { cards?: unknown }).cards)).toBe(true);
            }
          }
        ),
        { numRuns: runs(500) }
      );
      // Not vacuous: many mutated requests still pass validation and run through the whole pipeline.
      expect(statuses.get(200) ?? 0, JSON.stringify([...statuses])).toBeGreaterThan(runs(500) / 5);
    });
  }

  test('POST /cds-services/{id}/feedback: mutated feedback', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(FIXTURES)),
        fc.array(mutationArbitrary, { minLength: 1, maxLength: 6 }),
        async (hook, mutations) => {
          const answer = await send(
            'POST',
            `/cds-services/ctd-neuropathy-${hook}/feedback`,
            mutatedJson(FEEDBACK, mutations)
          );
          expectWellFormed(answer);
        }
      ),
      { numRuns: runs(500) }
    );
  });

  test('a valid body sent to the wrong service, and random JSON to every service', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('patient-view', 'order-select', 'order-sign', 'patient-view/feedback', 'order-sign/feedback'),
        fc.oneof(
          fc.jsonValue({ maxDepth: 6 }),
          fc.constantFrom(...Object.values(FIXTURES).flat()).map((name) => fixture(name))
        ),
        async (target, body) => {
          expectWellFormed(await send('POST', `/cds-services/ctd-neuropathy-${target}`, JSON.stringify(body)));
        }
      ),
      { numRuns: runs(400) }
    );
  });

  test('any method, path, content type and body', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'cds-services',
        'guidance',
        'healthz',
        'readyz',
        'feedback',
        '__proto__',
        'constructor',
        '..',
        '%ff',
        '%2e%2e',
        ''
      ),
      fc.constantFrom('ctd-neuropathy-patient-view', 'ctd-neuropathy-order-sign', 'nitrofurantoin-neuropathy-risk'),
      fc.string({ maxLength: 12 }).map(encodeURIComponent)
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(
          'application/json',
          'application/fhir+json',
          'application/json; charset=latin1',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json; charset=utf-16'
        ),
        fc.option(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.json({ maxDepth: 4 })), {
          nil: undefined,
        }),
        fc.option(
          fc.string({ maxLength: 20 }).map((q) => `?${encodeURIComponent(q)}`),
          { nil: '' }
        ),
        async (method, segments, contentType, body, query) => {
          const hasBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
          const answer = await send(
            method,
            `/${segments.join('/')}${query}`,
            hasBody ? body : undefined,
            hasBody ? { 'Content-Type': contentType } : {}
          );
          expectWellFormed(answer, method);
        }
      ),
      { numRuns: runs(400) }
    );
  });
});

describe('random and mutated client JWTs, authentication required', () => {
  let validToken: () => Promise<string>;
  beforeAll(async () => {
    const key = await clientKey('ES384', 'ehr');
    const file = trustedClientsFile({
      clients: [
        { iss: EHR_ISS, description: 'EHR', jwks: jwks(key) },
        // A client whose keys are fetched: random tokens naming it must still never cause a fetch elsewhere.
        { iss: 'https://remote.example.org', description: 'remote', jku: ['http://127.0.0.1:9/jwks.json'] },
      ],
    });
    await listen(testService(authEnv(file), { readerFor: fakeFhir, now: () => NOW_MS }).app);
    validToken = () => clientJwt(key, { path: '/cds-services' });
  });

  test('every token that is not exactly right gets 401 with an OperationOutcome, never a 5xx', async () => {
    const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const header = fc.record(
      {
        alg: fc.oneof(fc.constantFrom('ES384', 'RS384', 'none', 'HS256', 'EdDSA', 'PS384', 'ES256'), fc.jsonValue()),
        kid: fc.oneof(fc.constantFrom('ehr', '', 'other'), fc.jsonValue()),
        typ: fc.oneof(fc.constant('JWT'), fc.jsonValue()),
        jku: fc.oneof(fc.constantFrom('http://127.0.0.1:9/jwks.json', 'https://evil.example/jwks'), fc.jsonValue()),
        crit: fc.array(fc.string()),
      },
      { requiredKeys: [] }
    );
    const payload = fc.record(
      {
        iss: fc.oneof(fc.constantFrom(EHR_ISS, 'https://remote.example.org'), fc.jsonValue()),
        aud: fc.oneof(fc.constant('https://cds.example.org/cds-services'), fc.jsonValue()),
        iat: fc.oneof(fc.constant(NOW_MS / 1000), fc.double(), fc.jsonValue()),
        exp: fc.oneof(fc.constant(NOW_MS / 1000 + 300), fc.double(), fc.jsonValue()),
        nbf: fc.jsonValue(),
        jti: fc.jsonValue(),
        tenant: fc.jsonValue(),
      },
      { requiredKeys: [] }
    );
    const token = fc.oneof(
      fc.tuple(header, payload, fc.base64String()).map(([h, p, s]) => `${b64(h)}.${b64(p)}.${s.replace(/=/g, '')}`),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 3 })).map(([at, text]) => ({ at, text }))
    );
    await fc.assert(
      fc.asyncProperty(token, fc.constantFrom('Bearer ', 'bearer ', 'Bearer  ', 'Basic ', ''), async (t, scheme) => {
        // The third kind: a valid token with a few characters changed somewhere.
        let value: string;
        if (typeof t === 'string') {
          value = t;
        } else {
          const valid = await validToken();
          const at = t.at % valid.length;
          value = `${valid.slice(0, at)}${t.text}${valid.slice(at + t.text.length)}`;
          if (value === valid) {
            return;
          }
        }
        const authorization = `${scheme}${value}`;
        // fetch refuses header values with control characters; those never reach a server anyway.
        if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(authorization)) {
          return;
        }
        const answer = await send('GET', '/cds-services', undefined, { Authorization: authorization });
        expect(answer.status).toBe(401);
        expectWellFormed(answer, 'GET');
      }),
      { numRuns: runs(500) }
    );
  });
});
