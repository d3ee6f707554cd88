import request from 'supertest';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  authEnv,
  clientJwt,
  clientKey,
  EHR_ISS,
  jwks,
  NOW_MS,
  trustedClientsFile,
  type ClientKey,
} from '../support/client-jwt.js';
import { fixture, testService } from '../support/service.js';

/**
 * Spec "Trusting CDS Clients" applies to every CDS Hooks endpoint: what needs the client JWT (discovery, service
 * calls, feedback, the analytics) and what stays public (health, readiness, guidance pages, CORS preflight).
 * The refusals themselves, one test vector each, are in client-jwt.test.ts.
 */
const DISCOVERY = '/cds-services';
const PATIENT_VIEW = '/cds-services/ctd-neuropathy-patient-view';
const FEEDBACK = '/cds-services/ctd-neuropathy-order-select/feedback';

let ehr: ClientKey;
let app: ReturnType<typeof testService>['app'];
beforeAll(async () => {
  ehr = await clientKey('ES384', 'ehr-es384');
  const file = trustedClientsFile({ clients: [{ iss: EHR_ISS, description: 'the EHR', jwks: jwks(ehr) }] });
  app = testService(authEnv(file), { now: () => NOW_MS }).app;
});

const get = (path: string, token?: string): request.Test => {
  const req = request(app).get(path);
  return token === undefined ? req : req.set('Authorization', `Bearer ${token}`);
};

describe('what is protected', () => {
  test('discovery, service calls and feedback all need the JWT', async () => {
    await get(DISCOVERY).expect(401);
    await request(app).post(PATIENT_VIEW).send(fixture('patient-view.no-relevant-data')).expect(401);
    await request(app)
      .post(FEEDBACK)
      .send({ feedback: [{ card: 'c', outcome: 'overridden', outcomeTimestamp: '2026-06-01T10:00:00Z' }] })
      .expect(401);
    // Unknown services and methods under /cds-services too: nothing there answers an unauthenticated caller.
    await get('/cds-services/nope').expect(401);
    await request(app).delete(DISCOVERY).expect(401);
  });

  test('the feedback analytics need the JWT too, with their own aud', async () => {
    const ANALYTICS = '/analytics/feedback';
    await get(ANALYTICS).expect(401);
    await get(ANALYTICS, await clientJwt(ehr, { path: DISCOVERY })).expect(401);
    const report = await get(ANALYTICS, await clientJwt(ehr, { path: ANALYTICS })).expect(200);
    expect(report.body).toMatchObject({ rules: [] });
  });

  test('an unauthenticated body is not even parsed (invalid JSON still gets 401)', async () => {
    await request(app).post(PATIENT_VIEW).set('Content-Type', 'application/json').send('{not json').expect(401);
  });

  test('health, readiness, guidance pages and CORS preflight stay public', async () => {
    await get('/healthz').expect(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(503); // not warmed in this test, but not 401
    await get('/guidance/nitrofurantoin-neuropathy-risk').expect(200);
    await request(app)
      .options(PATIENT_VIEW)
      .set('Origin', 'https://sandbox.cds-hooks.org')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type')
      .expect(204);
  });
});
