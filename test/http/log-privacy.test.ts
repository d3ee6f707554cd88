import nock from 'nock';
import request from 'supertest';
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { FeedbackStore } from '../../src/feedback/feedback-store.js';
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
import { captureLogs, type CapturedLogs } from '../support/log-capture.js';
import { mockFhirServer, prefetchResources, TOKEN } from '../support/nock-fhir.js';
import { expectCdsResponse, fixture, testService } from '../support/service.js';

/**
 * Issue "keep PHI out of logs": full requests through the service with a logger that captures every level, then
 * a search of everything logged for the patient's id and name, the FHIR access token and the client JWTs.
 */
const PATIENT_ID = 'pat-ctd-001';
const GIVEN = 'Philippa';
const FAMILY = 'Quenneville-Hargreaves';
const PATIENT_VIEW = '/cds-services/ctd-neuropathy-patient-view';
const ORDER_SELECT = '/cds-services/ctd-neuropathy-order-select';
const FEEDBACK = `${ORDER_SELECT}/feedback`;

let key: ClientKey;
let file: string;
beforeAll(async () => {
  key = await clientKey('ES384', 'ehr');
  file = trustedClientsFile({ clients: [{ iss: EHR_ISS, description: 'EHR', jwks: jwks(key) }] });
});
beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/** The patient-view fixture with the patient's name in it, where EHRs put it. */
function patientViewWithName(): Record<string, unknown> {
  const body = fixture('patient-view.ctd-neuropathy-active-nitrofurantoin');
  const prefetch = body['prefetch'] as Record<string, { entry: { resource: Record<string, unknown> }[] }>;
  for (const bundle of Object.values(prefetch)) {
    for (const { resource } of bundle.entry) {
      resource['subject'] = { reference: `Patient/${PATIENT_ID}`, display: `${GIVEN} ${FAMILY}` };
    }
  }
  (prefetch as Record<string, unknown>)['patient'] = {
    resourceType: 'Patient',
    id: PATIENT_ID,
    name: [{ use: 'official', family: FAMILY, given: [GIVEN] }],
    birthDate: '1961-04-12',
  };
  return body;
}

/** A store that fails the way a database client does: the failing request (with its credentials) on the error. */
function failingStore(secret: string): FeedbackStore {
  return {
    save() {
      const error = new Error('connection reset');
      Object.assign(error, {
        request: { headers: { authorization: `Bearer ${secret}` } },
        body: { userComment: `${GIVEN} ${FAMILY}` },
        value: PATIENT_ID,
      });
      return Promise.reject(error);
    },
    all: () => Promise.resolve([]),
    recordCardShown: () => undefined,
    tally: () => Promise.resolve([]),
    close: () => Promise.resolve(),
  };
}

async function runFullRequests(logs: CapturedLogs, extraEnv: Record<string, string> = {}): Promise<string[]> {
  const jwts: string[] = [];
  const bearer = async (path: string, options: { aud?: string } = {}): Promise<string> => {
    const token = await clientJwt(key, { path, tenant: 'org-1', ...options });
    jwts.push(token);
    return `Bearer ${token}`;
  };
  const service = testService(authEnv(file, extraEnv), { logger: logs.logger, now: () => NOW_MS });
  const app = service.app;

  // patient-view with prefetch (the patient's name in every resource and in a Patient resource)
  const view = await request(app)
    .post(PATIENT_VIEW)
    .set('Authorization', await bearer(PATIENT_VIEW))
    .send(patientViewWithName())
    .expect(200);
  expect(expectCdsResponse(view.body).cards.length).toBeGreaterThan(0);

  // order-select with prefetch
  await request(app)
    .post(ORDER_SELECT)
    .set('Authorization', await bearer(ORDER_SELECT))
    .send(fixture('order-select.ctd-neuropathy-nitrofurantoin'))
    .expect(200);

  // order-select without prefetch: everything fetched from the FHIR server with the access token
  const fhir = mockFhirServer(prefetchResources(fixture('order-select.ctd-neuropathy-nitrofurantoin')));
  await request(app)
    .post(ORDER_SELECT)
    .set('Authorization', await bearer(ORDER_SELECT))
    .send(fixture('order-select.ctd-neuropathy-nitrofurantoin.no-prefetch'))
    .expect(200);
  expect(fhir.queries.every((q) => q.authorization === `Bearer ${TOKEN}`)).toBe(true);
  expect(fhir.queries.length).toBeGreaterThan(0);

  // the FHIR server refusing the token: 412
  nock.cleanAll();
  mockFhirServer([], { token: 'another-token' });
  await request(app)
    .post(ORDER_SELECT)
    .set('Authorization', await bearer(ORDER_SELECT))
    .send(fixture('order-select.ctd-neuropathy-nitrofurantoin.no-prefetch'))
    .expect(412);

  // feedback with the patient's name in the comment
  await request(app)
    .post(FEEDBACK)
    .set('Authorization', await bearer(FEEDBACK))
    .send({
      feedback: [
        {
          card: 'c-1',
          outcome: 'overridden',
          overrideReason: { userComment: `Discussed with ${GIVEN} ${FAMILY}` },
          outcomeTimestamp: '2026-06-01T10:00:00Z',
        },
      ],
    })
    .expect(200);

  // a refused token, invalid bodies with patient data in them
  await request(app)
    .get('/cds-services')
    .set('Authorization', await bearer('/cds-services', { aud: 'https://elsewhere.example' }))
    .expect(401);
  await request(app)
    .post(PATIENT_VIEW)
    .set('Authorization', await bearer(PATIENT_VIEW))
    .set('Content-Type', 'application/json')
    .send(`{"patient": "${GIVEN} ${FAMILY}", "id": "${PATIENT_ID}"`)
    .expect(400);
  await request(app)
    .post(PATIENT_VIEW)
    .set('Authorization', await bearer(PATIENT_VIEW))
    .send({ ...patientViewWithName(), context: { patientId: 'another-patient', userId: `Patient/${PATIENT_ID}` } })
    .expect(400);

  // a 500 whose error object carries a credential and patient data
  const failing = testService(authEnv(file, extraEnv), {
    logger: logs.logger,
    now: () => NOW_MS,
    feedbackStore: failingStore(TOKEN),
  });
  await request(failing.app)
    .post(FEEDBACK)
    .set('Authorization', await bearer(FEEDBACK))
    .send({ feedback: [{ card: 'c-2', outcome: 'overridden', outcomeTimestamp: '2026-06-01T10:00:00Z' }] })
    .expect(500);
  return jwts;
}

function expectNothingSensitive(text: string, jwts: readonly string[]): void {
  for (const secret of [TOKEN, GIVEN, FAMILY]) {
    expect(text).not.toContain(secret);
  }
  for (const jwt of jwts) {
    for (const part of jwt.split('.')) {
      expect(text).not.toContain(part);
    }
  }
}

describe('logs of full requests', () => {
  test('carry no patient id, patient name, FHIR access token or client JWT', async () => {
    const logs = captureLogs('trace');
    const jwts = await runFullRequests(logs);
    const text = logs.text();
    expectNothingSensitive(text, jwts);
    expect(text).not.toContain(PATIENT_ID);
    expect(text).not.toContain('1961-04-12');
  });

  test('but do say what happened: hookInstance, service, status, timing, client and tenant', async () => {
    const logs = captureLogs('trace');
    await runFullRequests(logs);
    const requests = logs.lines().filter((l) => l['msg'] === 'request');
    expect(requests.map((l) => l['status'])).toEqual([200, 200, 200, 412, 200, 401, 400, 400, 500]);
    expect(requests[0]).toMatchObject({
      method: 'POST',
      route: '/cds-services/:id',
      service: 'ctd-neuropathy-patient-view',
      hook: 'patient-view',
      hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
      client: EHR_ISS,
      tenant: 'org-1',
      cards: 3,
    });
    expect(typeof requests[0]?.['ms']).toBe('number');
    expect(logs.lines().find((l) => l['msg'] === 'client authentication failed')).toMatchObject({
      level: 40,
      reason: 'wrong-audience',
    });
    // The 500 is logged with the error's name, message and stack, and nothing the error object carried along.
    const failed = logs.lines().find((l) => l['msg'] === 'request failed');
    expect(failed?.['err']).toMatchObject({ type: 'Error', message: 'connection reset' });
    expect(Object.keys(failed?.['err'] as object).sort()).toEqual(['message', 'stack', 'type']);
  });

  test('LOG_PHI=true (development only) adds the patient and user ids, and still no name or token', async () => {
    const logs = captureLogs('trace');
    const jwts = await runFullRequests(logs, { LOG_PHI: 'true' });
    expectNothingSensitive(logs.text(), jwts);
    const first = logs.lines().find((l) => l['msg'] === 'request');
    expect(first).toMatchObject({ patientId: PATIENT_ID, userId: 'Practitioner/prac-neuro-01' });
  });
});

describe('paths in logs', () => {
  test('an unmatched path is logged by a fixed label, never raw: paths can carry patient ids', async () => {
    const logs = captureLogs('trace');
    const app = testService(authEnv(file), { logger: logs.logger, now: () => NOW_MS }).app;
    const withPatient = `${PATIENT_VIEW}/${PATIENT_ID}`;
    // Authenticated (aud is the path called), then no route matches: 404.
    await request(app)
      .get(withPatient)
      .set('Authorization', `Bearer ${await clientJwt(key, { path: withPatient })}`)
      .expect(404);
    // Refused by client authentication before any route is matched.
    await request(app).post(withPatient).send({}).expect(401);
    // Outside every protected path.
    await request(app).get(`/patients/${PATIENT_ID}?name=${FAMILY}`).expect(404);
    expect(logs.text()).not.toContain(PATIENT_ID);
    expect(logs.text()).not.toContain(FAMILY);
    const routes = logs
      .lines()
      .filter((l) => l['msg'] === 'request')
      .map((l) => l['route']);
    expect(routes).toEqual(['unmatched', 'unmatched', 'unmatched']);
    expect(logs.lines().find((l) => l['msg'] === 'client authentication failed')).toMatchObject({
      reason: 'missing-token',
      route: 'unmatched',
    });
  });

  test('a matched route is logged by its pattern, also when authentication fails', async () => {
    const logs = captureLogs('trace');
    const app = testService(authEnv(file), { logger: logs.logger, now: () => NOW_MS }).app;
    await request(app).post(FEEDBACK).send({}).expect(401);
    expect(logs.lines().find((l) => l['msg'] === 'client authentication failed')).toMatchObject({
      route: '/cds-services/:id/feedback',
    });
  });
});
