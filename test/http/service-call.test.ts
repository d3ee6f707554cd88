import request from 'supertest';
import { beforeAll, describe, expect, test } from 'vitest';
import type { ComposedService } from '../../src/compose.js';
import { expectCdsResponse, expectOutcome, fixture, testService } from '../support/service.js';

let service: ComposedService;
beforeAll(() => {
  service = testService();
});

const post = (id: string, body: unknown) =>
  request(service.app)
    .post(`/cds-services/${id}`)
    .send(body as object);

describe('POST /cds-services/{id}: valid calls (spec "Calling a CDS Service")', () => {
  test.each([
    ['ctd-neuropathy-patient-view', 'patient-view.no-relevant-data'],
    ['ctd-neuropathy-order-select', 'order-select.ctd-no-risk-nitrofurantoin'],
    ['ctd-neuropathy-order-sign', 'order-sign.ctd-neuropathy-nitrofurantoin'],
  ])('%s answers 200 with a spec-valid response', async (id, name) => {
    const res = await post(id, fixture(name)).expect(200).expect('Content-Type', /json/);
    expectCdsResponse(res.body);
  });

  test('a patient with no relevant data gets {"cards": []}', async () => {
    const res = await post('ctd-neuropathy-patient-view', fixture('patient-view.no-relevant-data')).expect(200);
    expect(res.body).toEqual({ cards: [] });
  });
});

describe('POST /cds-services/{id}: refusals are 4xx OperationOutcomes, never 5xx', () => {
  test('unknown service: 404', async () => {
    const res = await post('no-such-service', fixture('patient-view.no-relevant-data')).expect(404);
    expect(expectOutcome(res.body)).toContain('no-such-service');
  });

  test('wrong hook for the service: 400 naming hook', async () => {
    const body = fixture('patient-view.no-relevant-data');
    const res = await post('ctd-neuropathy-order-sign', body).expect(400);
    expect(expectOutcome(res.body, 'hook')).toMatch(/answers the 'order-sign' hook, not 'patient-view'/);
  });

  test('malformed JSON: 400', async () => {
    const res = await request(service.app)
      .post('/cds-services/ctd-neuropathy-patient-view')
      .set('Content-Type', 'application/json')
      .send('{"hook": "patient-view", "hookInstance": ')
      .expect(400);
    expect(expectOutcome(res.body)).toMatch(/not valid JSON/);
  });

  test('truncated body of a valid request: 400', async () => {
    const text = JSON.stringify(fixture('order-select.ctd-neuropathy-nitrofurantoin'));
    const res = await request(service.app)
      .post('/cds-services/ctd-neuropathy-order-select')
      .set('Content-Type', 'application/json')
      .send(text.slice(0, Math.floor(text.length / 2)))
      .expect(400);
    expectOutcome(res.body);
  });

  test('not JSON at all: 415', async () => {
    const res = await request(service.app)
      .post('/cds-services/ctd-neuropathy-patient-view')
      .set('Content-Type', 'text/plain')
      .send('hello')
      .expect(415);
    expectOutcome(res.body);
  });

  test('a JSON array instead of an object: 400', async () => {
    const res = await post('ctd-neuropathy-patient-view', [1, 2, 3]).expect(400);
    expect(expectOutcome(res.body)).toMatch(/must be of type object/);
  });

  /** Sets (or, with undefined, deletes) a dotted path in a request body. */
  const mutate = (body: Record<string, unknown>, path: string, value: unknown): void => {
    const keys = path.split('.');
    const last = keys.pop() ?? '';
    const parent = keys.reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, body);
    if (value === undefined) {
      Reflect.deleteProperty(parent, last);
    } else {
      parent[last] = value;
    }
  };

  test.each([
    ['hookInstance', 'hookInstance', undefined, 'hookInstance is required'],
    ['context.patientId', 'context.patientId', undefined, 'context.patientId is required'],
    ['context.userId', 'context.userId', 'Device/1', 'context.userId is not in the expected format'],
    ['context.patientId', 'context.patientId', 42, 'context.patientId must be of type string'],
    ['fhirServer', 'fhirServer', undefined, 'fhirServer is required when fhirAuthorization is present'],
    ['fhirServer', 'fhirServer', 'ftp://ehr.example.org', 'fhirServer is not in the expected format'],
    ['fhirAuthorization.expires_in', 'fhirAuthorization.expires_in', '300', 'must be of type integer'],
    ['prefetch.conditions', 'prefetch.conditions', 'a string', 'prefetch.conditions'],
  ])('wrongly typed or missing %s: 400 naming the field', async (expression, path, value, message) => {
    const body = fixture('patient-view.no-relevant-data');
    mutate(body, path, value);
    const res = await post('ctd-neuropathy-patient-view', body).expect(400);
    expect(expectOutcome(res.body, expression)).toContain(message);
  });

  test('order-select without draftOrders: 400 naming context.draftOrders', async () => {
    const body = fixture('order-select.ctd-no-risk-nitrofurantoin');
    delete (body['context'] as Record<string, unknown>)['draftOrders'];
    const res = await post('ctd-neuropathy-order-select', body).expect(400);
    expectOutcome(res.body, 'context.draftOrders');
  });

  test('order-select with a selection that is not a draft order: 400 naming context.selections[0]', async () => {
    const body = fixture('order-select.ctd-no-risk-nitrofurantoin');
    (body['context'] as Record<string, unknown>)['selections'] = ['MedicationRequest/not-drafted'];
    const res = await post('ctd-neuropathy-order-select', body).expect(400);
    expect(expectOutcome(res.body, 'context.selections[0]')).toContain('not an order in context.draftOrders');
  });

  test('order-select with an empty selections array: 400', async () => {
    const body = fixture('order-select.ctd-no-risk-nitrofurantoin');
    (body['context'] as Record<string, unknown>)['selections'] = [];
    const res = await post('ctd-neuropathy-order-select', body).expect(400);
    expectOutcome(res.body, 'context.selections');
  });

  test('body over the configured limit: 413', async () => {
    const small = testService({ BODY_LIMIT: '2kb' });
    const res = await request(small.app)
      .post('/cds-services/ctd-neuropathy-order-select')
      .send(fixture('order-select.ctd-neuropathy-nitrofurantoin'))
      .expect(413);
    expectOutcome(res.body);
  });

  test('unknown paths: 404 OperationOutcome', async () => {
    const res = await request(service.app).get('/nothing-here').expect(404);
    expectOutcome(res.body);
  });
});

describe('safety: data of another patient is refused, never mixed in', () => {
  test('a prefetched resource of another patient: 400 naming the prefetch key', async () => {
    const body = fixture('order-select.ctd-neuropathy-nitrofurantoin');
    const conditions = (
      body['prefetch'] as Record<string, { entry: { resource: { subject: { reference: string } } }[] }>
    )['conditions'];
    conditions!.entry[1]!.resource.subject.reference = 'Patient/someone-else';
    const res = await post('ctd-neuropathy-order-select', body).expect(400);
    expect(expectOutcome(res.body, 'prefetch.conditions')).toContain('another patient');
  });

  test('an absolute reference to the same patient is accepted', async () => {
    const body = fixture('order-select.ctd-neuropathy-nitrofurantoin');
    const conditions = (
      body['prefetch'] as Record<string, { entry: { resource: { subject: { reference: string } } }[] }>
    )['conditions'];
    conditions!.entry[0]!.resource.subject.reference = 'https://ehr.example.org/fhir/Patient/pat-ctd-001';
    await post('ctd-neuropathy-order-select', body).expect(200);
  });

  test('a draft order for another patient: 400 naming the draft order', async () => {
    const body = fixture('order-select.ctd-neuropathy-nitrofurantoin');
    const draft = (body['context'] as { draftOrders: { entry: { resource: { subject: { reference: string } } }[] } })
      .draftOrders.entry[0]!;
    draft.resource.subject.reference = 'Patient/someone-else';
    const res = await post('ctd-neuropathy-order-select', body).expect(400);
    expectOutcome(res.body, 'context.draftOrders.entry[0].resource');
  });

  test('a prefetched Patient resource with another id: 400', async () => {
    const body = fixture('patient-view.no-relevant-data');
    (body['prefetch'] as Record<string, unknown>)['conditions'] = { resourceType: 'Patient', id: 'other-patient' };
    const res = await post('ctd-neuropathy-patient-view', body).expect(400);
    expectOutcome(res.body, 'prefetch.conditions');
  });
});

describe('health', () => {
  test('/healthz is alive at once; /readyz is 503 until warm, then 200', async () => {
    const cold = testService();
    await request(cold.app).get('/healthz').expect(200, { status: 'alive' });
    const notReady = await request(cold.app).get('/readyz').expect(503);
    expectOutcome(notReady.body);
    await cold.warm();
    const ready = await request(cold.app).get('/readyz').expect(200);
    expect(ready.body).toMatchObject({ status: 'ready', services: 3 });
  });

  test('each rule has a guidance page, linked from its cards', async () => {
    const res = await request(service.app)
      .get('/guidance/nitrofurantoin-neuropathy-risk')
      .expect(200)
      .expect('Content-Type', /html/);
    expect(res.text).toContain('avoid nitrofurantoin');
    expect(res.text).toMatch(/The overview(&#39;|')s reference 7/);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    await request(service.app).get('/guidance/no-such-rule').expect(404);
  });
});
