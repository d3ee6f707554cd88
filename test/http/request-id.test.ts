import request from 'supertest';
import { beforeAll, describe, expect, test } from 'vitest';
import type { FeedbackStore } from '../../src/feedback/feedback-store.js';
import { MemoryFeedbackStore } from '../../src/feedback/feedback-store.js';
import { traceIdOf } from '../../src/http/request-id.js';
import type { CallTask } from '../../src/service-call/evaluate-call.js';
import type { ServiceCaller } from '../../src/service-call/service-caller.js';
import { authEnv, EHR_ISS, clientKey, jwks, trustedClientsFile } from '../support/client-jwt.js';
import { captureLogs } from '../support/log-capture.js';
import { fixture, testService } from '../support/service.js';

/**
 * Each request has an id (the caller's `X-Request-Id`, else the W3C `traceparent` trace id, else a new
 * one), returned in `X-Request-Id` and carried by every log line written for that request.
 */
const PATIENT_VIEW = '/cds-services/ctd-neuropathy-patient-view';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('traceparent (W3C Trace Context, section 3.2)', () => {
  test.each([
    ['version 00', TRACEPARENT, TRACE_ID],
    ['a later version with an extra field', `cc-${TRACE_ID}-00f067aa0ba902b7-09-what-comes-next`, TRACE_ID],
    ['version ff', `ff-${TRACE_ID}-00f067aa0ba902b7-01`, undefined],
    ['version 00 with an extra field', `${TRACEPARENT}-x`, undefined],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, undefined],
    ['an all-zero parent id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`, undefined],
    ['upper-case hex', TRACEPARENT.toUpperCase(), undefined],
    ['a short trace id', `00-${TRACE_ID.slice(1)}-00f067aa0ba902b7-01`, undefined],
  ])('%s', (_name, header, expected) => {
    expect(traceIdOf(header)).toBe(expected);
  });
});

describe('the id of a request', () => {
  const service = testService();
  const get = (headers: Record<string, string>): request.Test => {
    const req = request(service.app).get('/cds-services');
    for (const [name, value] of Object.entries(headers)) {
      req.set(name, value);
    }
    return req;
  };

  test("the caller's X-Request-Id is returned", async () => {
    const res = await get({ 'X-Request-Id': 'ehr-7f3a:call/42' });
    expect(res.headers['x-request-id']).toBe('ehr-7f3a:call/42');
  });

  test('without one, the traceparent trace id', async () => {
    const res = await get({ traceparent: TRACEPARENT });
    expect(res.headers['x-request-id']).toBe(TRACE_ID);
  });

  test('X-Request-Id wins over traceparent', async () => {
    const res = await get({ 'X-Request-Id': 'ehr-1', traceparent: TRACEPARENT });
    expect(res.headers['x-request-id']).toBe('ehr-1');
  });

  test.each([
    ['too long', 'a'.repeat(129)],
    ['a space', 'ehr 1'],
    ['a quote', 'ehr"1'],
    ['a brace (a forged JSON log field)', 'x","level":60'],
  ])('an X-Request-Id with %s is replaced by the trace id, or a new id', async (_name, value) => {
    expect((await get({ 'X-Request-Id': value, traceparent: TRACEPARENT })).headers['x-request-id']).toBe(TRACE_ID);
    expect((await get({ 'X-Request-Id': value })).headers['x-request-id']).toMatch(UUID);
  });

  test('each request without an id of its own gets a new one', async () => {
    const [a, b] = await Promise.all([get({}), get({})]);
    expect(a.headers['x-request-id']).toMatch(UUID);
    expect(b.headers['x-request-id']).toMatch(UUID);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  test('a refused request (404 OperationOutcome) has one too', async () => {
    const res = await request(service.app).get('/nowhere').set('X-Request-Id', 'ehr-404');
    expect(res.status).toBe(404);
    expect(res.headers['x-request-id']).toBe('ehr-404');
  });
});

describe('every log line of a request carries its id', () => {
  let file: string;
  beforeAll(async () => {
    file = trustedClientsFile({
      clients: [{ iss: EHR_ISS, description: 'EHR', jwks: jwks(await clientKey('ES384', 'ehr')) }],
    });
  });

  test('a service call: the request line', async () => {
    const logs = captureLogs();
    const service = testService({}, { logger: logs.logger });
    const res = await request(service.app)
      .post(PATIENT_VIEW)
      .set('traceparent', TRACEPARENT)
      .send(fixture('patient-view.ctd-neuropathy-active-nitrofurantoin'));
    expect(res.status).toBe(200);
    const lines = logs.lines();
    expect(lines.map((line) => line['msg'])).toContain('request');
    expect(lines.every((line) => line['requestId'] === TRACE_ID)).toBe(true);
  });

  test('a failed client authentication: the warning and the request line', async () => {
    const logs = captureLogs();
    const service = testService(authEnv(file), { logger: logs.logger });
    const res = await request(service.app).get('/cds-services').set('X-Request-Id', 'ehr-unauth');
    expect(res.status).toBe(401);
    const lines = logs.lines();
    expect(lines.map((line) => line['msg'])).toEqual(['client authentication failed', 'request']);
    expect(lines.every((line) => line['requestId'] === 'ehr-unauth')).toBe(true);
  });

  test('a failure answered 500: the error and the request line', async () => {
    const logs = captureLogs();
    const failing: FeedbackStore = Object.assign(new MemoryFeedbackStore(), {
      save: () => Promise.reject(new Error('disk full')),
    });
    const service = testService({}, { logger: logs.logger, feedbackStore: failing });
    const res = await request(service.app)
      .post(`${PATIENT_VIEW}/feedback`)
      .set('X-Request-Id', 'ehr-500')
      .send({
        feedback: [
          {
            card: '9368d37b-283f-44a0-93ea-547cebab93ed',
            outcome: 'overridden',
            outcomeTimestamp: '2026-06-01T10:06:00Z',
          },
        ],
      });
    expect(res.status).toBe(500);
    const lines = logs.lines();
    expect(lines.map((line) => line['msg'])).toEqual(['request failed', 'request']);
    expect(lines.every((line) => line['requestId'] === 'ehr-500')).toBe(true);
  });

  test('a rule failure reported by the evaluation: logged on the request, whose id the evaluation was given', async () => {
    const logs = captureLogs();
    const tasks: CallTask[] = [];
    const caller: ServiceCaller = {
      call: (task) => {
        tasks.push(task);
        return Promise.resolve({
          status: 200,
          body: '{"cards":[]}',
          headers: {},
          facts: {},
          events: [{ kind: 'ruleFailed', service: task.serviceId, ruleId: 'some-rule', code: 'T1001' }],
        });
      },
      ready: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const service = testService({}, { logger: logs.logger, caller });
    await request(service.app)
      .post(PATIENT_VIEW)
      .set('X-Request-Id', 'ehr-rule')
      .send(fixture('patient-view.ctd-neuropathy-active-nitrofurantoin'))
      .expect(200);
    // The worker thread logs its own failures with this id (src/workers/evaluation-worker.ts).
    expect(tasks.map((task) => task.requestId)).toEqual(['ehr-rule']);
    const lines = logs.lines();
    expect(lines.map((line) => line['msg'])).toEqual([
      'rule condition failed; rule skipped for this request',
      'request',
    ]);
    expect(lines.every((line) => line['requestId'] === 'ehr-rule')).toBe(true);
  });
});
