import request from 'supertest';
import { afterEach, describe, expect, test } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { assertJsonDepth, JsonTooDeep } from '../../src/http/json-depth.js';
import { expectCdsResponse, expectOutcome, fixture, testService } from '../support/service.js';

const PATIENT_VIEW = '/cds-services/ctd-neuropathy-patient-view';
const ORDER_SELECT = '/cds-services/ctd-neuropathy-order-select';
const FEEDBACK = `${ORDER_SELECT}/feedback`;

describe('security headers (helmet)', () => {
  test('a JSON answer may not be framed, sniffed or run; no x-powered-by; no HSTS on plain http', async () => {
    const res = await request(testService().app).get('/cds-services').expect(200);
    expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  test('HSTS when the public base URL is https', async () => {
    const res = await request(testService({ PUBLIC_BASE_URL: 'https://cds.example.org' }).app).get('/healthz');
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  test('errors carry the headers too', async () => {
    const res = await request(testService().app).get('/nowhere').expect(404);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expectOutcome(res.body);
  });

  test('the guidance page keeps its own policy (inline styles only)', async () => {
    const res = await request(testService().app).get('/guidance/nitrofurantoin-neuropathy-risk').expect(200);
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'");
  });
});

describe('JSON nesting depth (MAX_JSON_DEPTH, default 64)', () => {
  const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

  test.each([65, 10_000, 1_000_000])('%i levels: 400, not a stack overflow', async (depth) => {
    const res = await request(testService().app)
      .post(PATIENT_VIEW)
      .set('Content-Type', 'application/json')
      .send(`{"hook":"patient-view","context":${nested(depth)}}`)
      .expect(400);
    expect(expectOutcome(res.body)).toMatch(/nested deeper than this service accepts/);
  });

  test('deep nesting inside a prefetch resource is refused the same way', async () => {
    const body = fixture('patient-view.no-relevant-data');
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100; i++) {
      deep = { extension: [deep] };
    }
    body['prefetch'] = { conditions: { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: deep }] } };
    const res = await request(testService().app).post(PATIENT_VIEW).send(body).expect(400);
    expect(expectOutcome(res.body)).toMatch(/nested deeper/);
  });

  test('the same depths on the main thread, where the bytes are checked before parsing (feedback)', async () => {
    for (const [depth, deep] of [
      [65, true],
      [1_000_000, true],
      [63, false],
    ] as const) {
      const res = await request(testService().app)
        .post(FEEDBACK)
        .set('Content-Type', 'application/json')
        .send(`{"feedback":${nested(depth)}}`)
        .expect(400);
      const outcome = expectOutcome(res.body);
      if (deep) {
        expect(outcome).toMatch(/nested deeper/);
      } else {
        expect(outcome).not.toMatch(/nested deeper/);
      }
    }
  });

  test('64 levels pass the parser (and are then judged by the schemas)', async () => {
    const res = await request(testService().app)
      .post(PATIENT_VIEW)
      .set('Content-Type', 'application/json')
      .send(`{"hook":"patient-view","extension":${nested(63)}}`)
      .expect(400);
    expect(expectOutcome(res.body)).not.toMatch(/nested deeper/);
  });

  test('brackets and escaped quotes inside strings are not structure', () => {
    const text = (s: string): Buffer => Buffer.from(s, 'utf8');
    expect(() => {
      assertJsonDepth(text(`{"a":"${'['.repeat(100)}"}`), 2);
    }).not.toThrow();
    expect(() => {
      assertJsonDepth(text(`{"a":"\\"${'['.repeat(100)}\\\\"}`), 2);
    }).not.toThrow();
    expect(() => {
      assertJsonDepth(text(`{"a":"\\\\"${'['.repeat(3)}`), 2);
    }).toThrow(JsonTooDeep);
    expect(() => {
      assertJsonDepth(text(`{"ü":"[[[[","b":[[{"c":"ß"}]]}`), 4);
    }).not.toThrow();
    expect(() => {
      assertJsonDepth(text(`{"ü":"[[[[","b":[[{"c":[]}]]}`), 4);
    }).toThrow(JsonTooDeep);
  });

  test('a body in another charset than UTF-8 is refused with 415', async () => {
    const res = await request(testService().app)
      .post(PATIENT_VIEW)
      .set('Content-Type', 'application/json; charset=utf-16le')
      .send(Buffer.from(JSON.stringify(fixture('patient-view.no-relevant-data')), 'utf16le'))
      .expect(415);
    expectOutcome(res.body);
  });
});

describe('array and size caps (ajv maxItems, BODY_LIMIT)', () => {
  const small = (): ReturnType<typeof testService> =>
    testService({ MAX_BUNDLE_ENTRIES: '3', MAX_FEEDBACK_ITEMS: '2', MAX_PREFETCH_KEYS: '2' });

  test('a prefetch Bundle with more entries than MAX_BUNDLE_ENTRIES', async () => {
    const body = fixture('patient-view.no-relevant-data');
    const entry = Array.from({ length: 4 }, (_, i) => ({
      resource: { resourceType: 'Condition', id: `c${String(i)}` },
    }));
    body['prefetch'] = { conditions: { resourceType: 'Bundle', type: 'searchset', entry } };
    const res = await request(small().app).post(PATIENT_VIEW).send(body).expect(400);
    expect(expectOutcome(res.body, 'prefetch.conditions.entry')).toMatch(/more than the 3 items/);
  });

  test('more prefetch keys than MAX_PREFETCH_KEYS', async () => {
    const body = fixture('patient-view.no-relevant-data');
    body['prefetch'] = { a: null, b: null, c: null };
    const res = await request(small().app).post(PATIENT_VIEW).send(body).expect(400);
    expect(expectOutcome(res.body, 'prefetch')).toMatch(/more than the 2 items/);
  });

  test('draftOrders and selections beyond MAX_BUNDLE_ENTRIES', async () => {
    const app = testService({ MAX_BUNDLE_ENTRIES: '3' }).app;
    const body = fixture('order-select.ctd-neuropathy-nitrofurantoin');
    delete body['prefetch'];
    const context = body['context'] as { draftOrders: { entry: unknown[] }; selections: string[] };
    context.selections = ['MedicationRequest/a', 'MedicationRequest/b', 'MedicationRequest/c', 'MedicationRequest/d'];
    const res = await request(app).post(ORDER_SELECT).send(body).expect(400);
    expect(expectOutcome(res.body, 'context.selections')).toMatch(/more than the 3 items/);
    const entry = { resource: { resourceType: 'MedicationRequest', id: 'x' } };
    context.draftOrders.entry = [entry, entry, entry, entry];
    const drafts = await request(app).post(ORDER_SELECT).send(body).expect(400);
    expect(expectOutcome(drafts.body, 'context.draftOrders.entry')).toMatch(/more than the 3 items/);
  });

  test('more feedback items than MAX_FEEDBACK_ITEMS', async () => {
    const item = { card: 'c', outcome: 'overridden', outcomeTimestamp: '2026-06-01T10:00:00Z' };
    const res = await request(small().app)
      .post(FEEDBACK)
      .send({ feedback: [item, item, item] })
      .expect(400);
    expect(expectOutcome(res.body, 'feedback')).toMatch(/more than the 2 items/);
  });
});

describe('__proto__, constructor and prototype keys in bodies are harmless', () => {
  afterEach(() => {
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  const DANGEROUS = ['__proto__', 'constructor', 'prototype'];

  /**
   * Gives every object of a JSON value the dangerous keys as own properties, as JSON.parse would produce them
   * (defineProperty: assigning `__proto__` would set the prototype instead). In `skip` objects (the prefetch map,
   * where a key is a prefetch key) they get null, which the spec reads as "no data".
   */
  function poisoned(value: unknown, skip: ReadonlySet<unknown> = new Set()): unknown {
    if (Array.isArray(value)) {
      return value.map((v) => poisoned(v, skip));
    }
    if (typeof value !== 'object' || value === null) {
      return value;
    }
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      Object.defineProperty(copy, key, { value: poisoned(child, skip), enumerable: true, writable: true });
    }
    for (const key of DANGEROUS) {
      const bad = skip.has(value) ? null : { polluted: 'yes', prototype: { polluted: 'yes' } };
      Object.defineProperty(copy, key, { value: bad, enumerable: true, writable: true });
    }
    return copy;
  }

  test('a service call with them in every object answers exactly as without them', async () => {
    const name = 'order-select.ctd-neuropathy-nitrofurantoin';
    const env = { PUBLIC_BASE_URL: 'http://cds.test' }; // the same card links from both services
    const clean = await request(testService(env).app).post(ORDER_SELECT).send(fixture(name)).expect(200);
    const body = fixture(name);
    const text = JSON.stringify(poisoned(body, new Set([body['prefetch']])));
    expect(text.match(/"__proto__"/g)?.length).toBeGreaterThan(50);
    const res = await request(testService(env).app)
      .post(ORDER_SELECT)
      .set('Content-Type', 'application/json')
      .send(text)
      .expect(200);
    expect(expectCdsResponse(res.body)).toEqual(clean.body);
    expect(clean.body).toMatchObject({ cards: [{ source: { topic: { code: 'nitrofurantoin-neuropathy-risk' } } }] });
  });

  test('feedback with them is stored without them leaking into the records', async () => {
    const service = testService();
    const item = { card: 'c-1', outcome: 'overridden', outcomeTimestamp: '2026-06-01T10:00:00Z' };
    await request(service.app)
      .post(FEEDBACK)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(poisoned({ feedback: [item] })))
      .expect(200);
    const [record] = await service.feedbackStore.all();
    expect(record?.card).toBe('c-1');
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
  });

  test.each(['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString'])(
    'a service or rule named %s does not exist',
    async (name) => {
      const app = testService().app;
      expectOutcome((await request(app).post(`/cds-services/${name}`).send({}).expect(404)).body);
      expectOutcome((await request(app).post(`/cds-services/${name}/feedback`).send({}).expect(404)).body);
      expectOutcome((await request(app).get(`/guidance/${name}`).expect(404)).body);
    }
  );

  test('a hook or prefetch key named like them', async () => {
    const app = testService().app;
    const body = fixture('patient-view.no-relevant-data');
    await request(app)
      .post(PATIENT_VIEW)
      .send({ ...body, hook: '__proto__' })
      .expect(400);
    const text = JSON.stringify({ ...body, prefetch: { ...(body['prefetch'] as object), toString: null } });
    const res = await request(app).post(PATIENT_VIEW).set('Content-Type', 'application/json').send(text);
    expect(res.status).toBeLessThan(500);
  });
});

describe('malformed paths', () => {
  test('a path parameter that is not valid percent-encoding: 400, not 500 (found by the property tests)', async () => {
    const app = testService().app;
    for (const [method, path] of [
      ['get', '/cds-services/%ff'],
      ['post', '/cds-services/%ff'],
      ['post', '/cds-services/%ff/feedback'],
      ['get', '/guidance/%E0%A4%A'],
    ] as const) {
      const res = await request(app)[method](path);
      expect(res.status).toBe(400);
      expect(expectOutcome(res.body)).toMatch(/malformed percent-encoding/);
    }
  });
});

describe('server timeouts (REQUEST_TIMEOUT_MS, HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS)', () => {
  test('defaults, and headers may not outlast the whole request', () => {
    expect(parseConfig({}).timeouts).toEqual({ requestMs: 30_000, headersMs: 10_000, keepAliveMs: 5000 });
    expect(() => parseConfig({ REQUEST_TIMEOUT_MS: '5000', HEADERS_TIMEOUT_MS: '6000' })).toThrow(
      /HEADERS_TIMEOUT_MS: must not exceed/
    );
  });

  test('LOG_PHI is a development aid only', () => {
    expect(parseConfig({ LOG_PHI: 'true' }).logPhi).toBe(true);
    expect(parseConfig({}).logPhi).toBe(false);
    expect(() => parseConfig({ NODE_ENV: 'production', LOG_PHI: 'true', AUTH_MODE: 'off' })).toThrow(/LOG_PHI/);
    expect(() => parseConfig({ LOG_PHI: 'yes' })).toThrow(/LOG_PHI/);
  });
});
