import request from 'supertest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Card } from '../../src/cds-hooks/types.js';
import { parseConfig } from '../../src/config.js';
import { composeService, type ComposedService } from '../../src/compose.js';
import { createLogger } from '../../src/logger.js';
import { workerCaller } from '../../src/service-call/service-caller.js';
import { fixture, testService } from '../support/service.js';

/**
 * The same requests answered inline and by worker threads (WORKERS, the default of `npm start`): the same cards,
 * the same refusals, the same metrics.
 */
const config = parseConfig({ LOG_LEVEL: 'silent', WORKERS: '2' });
let workers: ComposedService;
const inline = testService();

beforeAll(async () => {
  workers = composeService(config, {
    logger: createLogger('silent'),
    caller: workerCaller(config, createLogger('silent')),
  });
  await workers.warm();
});
afterAll(async () => {
  await workers.close();
});

async function post(service: ComposedService, path: string, body: string | object): Promise<request.Response> {
  return request(service.app).post(path).set('Content-Type', 'application/json').send(body);
}

describe('evaluation in worker threads', () => {
  test.each([
    'patient-view.pan-mononeuritis-foot-drop',
    'order-select.sle-mononeuritis-skin-punch-biopsy',
    'order-sign.non-severe-vasculitic-prednisone-60mg',
    'patient-view.no-relevant-data',
  ])('%s: the same cards as inline', async (name) => {
    const body = fixture(name);
    const path = `/cds-services/ctd-neuropathy-${String(body['hook'])}`;
    const [a, b] = await Promise.all([post(inline, path, body), post(workers, path, body)]);
    expect(b.status).toBe(200);
    expect(a.status).toBe(200);
    // Today differs (fixed in tests, the system clock in workers): these charts' cards do not depend on it.
    const summary = (cards: Card[]): unknown =>
      cards.map((c) => [c.source.topic?.code, c.indicator, (c.suggestions ?? []).map((s) => s.label)]);
    expect(summary((b.body as { cards: Card[] }).cards)).toEqual(summary((a.body as { cards: Card[] }).cards));
  });

  test.each([
    ['not JSON', '{"hook": "patient-view",', 400, 'not valid JSON'],
    ['not an object', '"patient-view"', 400, 'not valid JSON'],
    [
      'the wrong hook',
      JSON.stringify({ ...fixture('order-sign.ctd-neuropathy-nitrofurantoin') }),
      400,
      "answers the 'patient-view' hook",
    ],
    ['nested too deep', `${'['.repeat(100)}${']'.repeat(100)}`, 400, 'nested deeper'],
    [
      'an invalid request',
      JSON.stringify({ hook: 'patient-view', hookInstance: 'x', context: {} }),
      400,
      'context.userId',
    ],
  ])('%s: the same refusal as inline', async (_what, body, status, text) => {
    const path = '/cds-services/ctd-neuropathy-patient-view';
    const [a, b] = await Promise.all([post(inline, path, body), post(workers, path, body)]);
    expect(b.status).toBe(status);
    expect(b.body).toEqual(a.body);
    expect(JSON.stringify(b.body)).toContain(text);
  });

  test('what the pipeline observed in a worker reaches the main thread (metrics, cards shown)', async () => {
    const body = fixture('order-select.ctd-neuropathy-nitrofurantoin');
    expect((await post(workers, '/cds-services/ctd-neuropathy-order-select', body)).status).toBe(200);
    const metrics = (await request(workers.app).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^cds_cards_total\{rule="nitrofurantoin-neuropathy-risk",indicator="critical"\} [1-9]/m);
    expect(metrics).toMatch(
      /^cds_stage_duration_seconds_count\{service="ctd-neuropathy-order-select",stage="map"\} [1-9]/m
    );
  });
});
