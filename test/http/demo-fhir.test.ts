import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';
import { defaultDemoDir } from '../../src/demo/demo-data.js';
import { createLogger } from '../../src/logger.js';
import { expectOutcome, testService } from '../support/service.js';

/** The demo FHIR server's HTTP contract (src/demo/demo-fhir-server.ts), in-process with supertest. */
const TOKEN = 'demo-fhir-token';
let logged = '';
const logStream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logged += chunk.toString();
    done();
  },
});
const service = testService({ DEMO_FHIR: 'true', LOG_LEVEL: 'info' }, { logger: createLogger('info', logStream) });
const app = service.app;
const auth = { Authorization: `Bearer ${TOKEN}` };

type SearchBundle = {
  resourceType: string;
  total?: number;
  link?: { relation: string; url: string }[];
  entry?: { fullUrl?: string; resource: { id: string; resourceType: string }; search?: { mode: string } }[];
};
const ids = (bundle: SearchBundle): string[] => (bundle.entry ?? []).map((e) => e.resource.id);

describe('demo FHIR server', () => {
  test('searches as the services query it: patient=<id>, code lists, date, status, sort, count', async () => {
    const res = await request(app)
      .get('/fhir/Observation')
      .query({
        patient: 'sle-diabetic-neuropathy-metformin',
        code: 'http://loinc.org|2132-9,http://loinc.org|4548-4',
        date: 'ge2025-06-01',
        _sort: '-date',
        _count: '100',
      })
      .set(auth)
      .expect(200)
      .expect('Content-Type', /application\/fhir\+json/);
    const bundle = res.body as SearchBundle;
    expect(bundle.resourceType).toBe('Bundle');
    // The vitamin B12 of 2024-09 is older than the date filter; the HbA1c is recent.
    expect(ids(bundle)).toEqual(['sle-diabetic-neuropathy-metformin-obs-a1c']);
    expect(bundle.entry?.[0]?.search?.mode).toBe('match');
    expect(bundle.entry?.[0]?.fullUrl).toMatch(/\/fhir\/Observation\/sle-diabetic-neuropathy-metformin-obs-a1c$/);

    const byReference = await request(app)
      .get('/fhir/Condition?patient=Patient/sle-polyneuropathy&clinical-status=active,recurrence,relapse,remission')
      .set(auth)
      .expect(200);
    const byId = await request(app)
      .get('/fhir/Condition?patient=sle-polyneuropathy&clinical-status=active,recurrence,relapse,remission')
      .set(auth)
      .expect(200);
    expect(ids(byId.body as SearchBundle)).toEqual(ids(byReference.body as SearchBundle));
    expect(ids(byId.body as SearchBundle).length).toBe(3);
  });

  test('a result cut by _count links to the next page, which has the rest', async () => {
    const patients = readdirSync(join(defaultDemoDir(), 'patients')).length;
    const first = (await request(app).get('/fhir/Patient?_count=25').set(auth).expect(200)).body as SearchBundle;
    expect(first.total).toBe(patients);
    expect(ids(first).length).toBe(25);
    const next = first.link?.find((l) => l.relation === 'next')?.url ?? '';
    const second = (
      await request(app)
        .get(new URL(next).pathname + new URL(next).search)
        .set(auth)
        .expect(200)
    ).body as SearchBundle;
    expect(ids(second).length).toBe(patients - 25);
    expect(second.link?.some((l) => l.relation === 'next')).toBe(false);
    expect(new Set([...ids(first), ...ids(second)]).size).toBe(patients);
  });

  test('reads a resource; an unknown id is a 404 OperationOutcome', async () => {
    const patient = await request(app).get('/fhir/Patient/sensory-ataxia').set(auth).expect(200);
    expect(patient.body).toMatchObject({ resourceType: 'Patient', id: 'sensory-ataxia', name: [{ family: 'Cohen' }] });
    const missing = await request(app).get('/fhir/Patient/nobody').set(auth).expect(404);
    expect((missing.body as { resourceType: string }).resourceType).toBe('OperationOutcome');
  });

  test('every request but metadata needs the demo token: 401 OperationOutcome with WWW-Authenticate', async () => {
    await request(app).get('/fhir/metadata').expect(200);
    for (const headers of [{}, { Authorization: 'Bearer wrong-token' }, { Authorization: `Basic ${TOKEN}` }]) {
      const res = await request(app).get('/fhir/Patient/sensory-ataxia').set(headers).expect(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(expectOutcome(res.body)).toMatch(/needs Authorization: Bearer/);
    }
  });

  // The CDS Hooks Sandbox tries POST [type]/_search first (FHIR R4 search 3.1.1.2.3).
  test('POST [type]/_search with a form-encoded body answers as the same GET search', async () => {
    const query = { patient: 'sle-polyneuropathy', _count: '100' };
    const byGet = (await request(app).get('/fhir/Condition').query(query).set(auth).expect(200)).body as SearchBundle;
    const byPost = await request(app)
      .post('/fhir/Condition/_search')
      .set(auth)
      .type('form')
      .send(query)
      .expect(200)
      .expect('Content-Type', /application\/fhir\+json/);
    expect(ids(byPost.body as SearchBundle)).toEqual(ids(byGet));
    expect(ids(byGet).length).toBeGreaterThan(0);
    // Parameters may also sit in the URL, and the body must be a form.
    const mixed = await request(app)
      .post('/fhir/Condition/_search?patient=sle-polyneuropathy')
      .set(auth)
      .type('form')
      .send({ _count: '100' })
      .expect(200);
    expect(ids(mixed.body as SearchBundle)).toEqual(ids(byGet));
    await request(app).post('/fhir/Condition/_search').set(auth).send({ patient: 'x' }).expect(400);
    await request(app)
      .post('/fhir/Condition/_search')
      .type('form')
      .send(query)
      .set({ Authorization: 'Bearer wrong' })
      .expect(401);
  });

  test('_include=MedicationRequest:medication adds the referenced Medication once, as an include entry', async () => {
    const res = await request(app)
      .get('/fhir/MedicationRequest')
      .query({ patient: 'sle-nitrofurantoin-by-reference', status: 'active', _include: 'MedicationRequest:medication' })
      .set(auth)
      .expect(200);
    const bundle = res.body as SearchBundle;
    const included = (bundle.entry ?? []).filter((e) => e.search?.mode === 'include');
    expect(included.map((e) => e.resource.resourceType)).toEqual(['Medication']);
    expect((bundle.entry ?? []).filter((e) => e.search?.mode === 'match').length).toBeGreaterThan(0);
  });

  test('it is read-only: writes are refused with 405 and an OperationOutcome', async () => {
    const resource = { resourceType: 'Patient', id: 'sensory-ataxia' };
    for (const method of ['post', 'put', 'patch', 'delete'] as const) {
      const res = await request(app)[method]('/fhir/Patient/sensory-ataxia').set(auth).send(resource).expect(405);
      expect(expectOutcome(res.body)).toMatch(/read-only/);
      expect(res.headers['allow']).toBe('GET, POST');
    }
    await request(app).get('/fhir/Patient/sensory-ataxia').set(auth).expect(200);
  });

  test('what the in-memory search cannot do is refused (400), never silently ignored', async () => {
    for (const [query, message] of [
      ['Observation?foo=bar', /'foo' is not a search parameter of Observation/],
      ['Observation?code:text=numbness', /modifier ':text' is not supported/],
      ['Observation?_include=Observation:patient', /_include=Observation:patient is not supported/],
      ['Observation?_sort=-foo', /_sort=-foo/],
      ['Appointment?patient=sensory-ataxia', /Appointment is not a resource type this server holds/],
      ['Observation?date=ge{{today()}}', /Invalid format for date search parameter/],
    ] as const) {
      const res = await request(app).get(`/fhir/${query}`).set(auth).expect(400);
      expect(JSON.stringify(res.body), query).toMatch(message);
    }
  });

  test('neither token appears in the log', async () => {
    await request(app).get('/fhir/Patient/sensory-ataxia').set({ Authorization: 'Bearer wrong-token-42' });
    await request(app).get('/fhir/Patient/sensory-ataxia').set(auth);
    expect(logged).toContain('"status":401');
    expect(logged).not.toContain('wrong-token-42');
    expect(logged).not.toContain(TOKEN);
  });

  test('the relative dates follow the day: tomorrow, every date has moved by one day', async () => {
    let today = '2026-06-01';
    const moving = testService({ DEMO_FHIR: 'true' }, { clock: { today: () => today } });
    const read = async (): Promise<string> =>
      (
        (await request(moving.app).get('/fhir/Observation/sle-foot-numbness-obs-numb-foot').set(auth).expect(200))
          .body as { effectiveDateTime: string }
      ).effectiveDateTime;
    const before = await read();
    today = '2026-06-02';
    const after = await read();
    expect(Date.parse(after) - Date.parse(before)).toBe(24 * 3600 * 1000);
  });
});

describe("the SMART App Launcher's encounter lookup (it drops the /fhir base path)", () => {
  test('GET /Encounter/ at the root is sent, query and all, to the demo server, which answers the search', async () => {
    const query = '_count=1&_sort:desc=date&patient=pan-mononeuritis-foot-drop';
    const res = await request(app).get(`/Encounter/?${query}`).expect(307);
    expect(res.headers['location']).toBe(`/fhir/Encounter?${query}`);
    const bundle = (await request(app).get(String(res.headers['location'])).set(auth).expect(200)).body as SearchBundle;
    expect(bundle.resourceType).toBe('Bundle');
  });

  test('not in production, where no demo server runs beside the service', async () => {
    const production = testService({ ...PRODUCTION, DEMO_FHIR: 'true', DEMO_FHIR_TOKEN: 'a-long-own-token' });
    await request(production.app).get('/Encounter/?patient=x').expect(404);
  });
});

/** Production with client authentication off: these tests are about the demo server's settings. */
const PRODUCTION = { NODE_ENV: 'production', AUTH_MODE: 'off', ALLOW_AUTH_OFF_IN_PRODUCTION: 'true' };

describe('demo FHIR server configuration', () => {
  test('on by default in development, off in production, and /fhir is then unknown', async () => {
    expect(parseConfig({}).demoFhir).toBe(true);
    expect(parseConfig(PRODUCTION).demoFhir).toBe(false);
    await request(testService({ DEMO_FHIR: 'false' }).app)
      .get('/fhir/metadata')
      .expect(404);
  });

  test('bad values stop start-up with the variable named', () => {
    expect(() => parseConfig({ DEMO_FHIR: 'maybe' })).toThrow(ConfigError);
    expect(() => parseConfig({ DEMO_FHIR: 'maybe' })).toThrow(/DEMO_FHIR: 'maybe' is not true or false/);
    expect(() => parseConfig({ DEMO_FHIR_TOKEN: 'short' })).toThrow(/DEMO_FHIR_TOKEN/);
    expect(() => parseConfig({ ...PRODUCTION, DEMO_FHIR: 'true' })).toThrow(/DEMO_FHIR_TOKEN: set your own token/);
    expect(parseConfig({ ...PRODUCTION, DEMO_FHIR: 'true', DEMO_FHIR_TOKEN: 'a-long-own-token' }).demoFhir).toBe(true);
  });
});
