import nock from 'nock';
import request from 'supertest';
import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';
import { mockFhirServer, prefetchResources } from '../support/nock-fhir.js';
import { expectOutcome, fixture, testService } from '../support/service.js';

const TOKEN = 'a-long-random-metrics-token-0123';

afterEach(() => {
  nock.cleanAll();
});

/** The value of one sample line (`name{labels} value`), 0 when the series is absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('GET /metrics (Prometheus)', () => {
  test('exposes the service metrics and the process metrics', async () => {
    const service = testService();
    const res = await request(service.app)
      .get('/metrics')
      .expect(200)
      .expect('Content-Type', /text\/plain/);
    for (const name of [
      'cds_requests_total',
      'cds_request_duration_seconds',
      'cds_stage_duration_seconds',
      'cds_fhir_fetch_total',
      'cds_cards_total',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(res.text).toContain(`# TYPE ${name} `);
    }
    // Series that exist before the first event, so alerts on rates work from the start.
    expect(res.text).toContain('cds_fhir_fetch_total{outcome="timeout"} 0');
    expect(res.text).toContain('cds_stage_duration_seconds_count{service="ctd-neuropathy-order-sign",stage="map"} 0');
  });

  test('a service call moves requests, every stage, FHIR fetches and cards', async () => {
    const service = testService();
    const scrape = async (): Promise<string> => (await request(service.app).get('/metrics').expect(200)).text;
    const before = await scrape();
    // Prefetch left out: the service fetches it from the (mocked) FHIR server.
    mockFhirServer(prefetchResources(fixture('order-select.ctd-neuropathy-nitrofurantoin')));
    await request(service.app)
      .post('/cds-services/ctd-neuropathy-order-select')
      .send(fixture('order-select.ctd-neuropathy-nitrofurantoin.no-prefetch'))
      .expect(200);
    await request(service.app).post('/cds-services/ctd-neuropathy-order-select').send({}).expect(400);
    const after = await scrape();

    const call = 'service="ctd-neuropathy-order-select"';
    expect(sample(after, `cds_requests_total{${call},endpoint="service",status="200"}`)).toBe(1);
    expect(sample(after, `cds_requests_total{${call},endpoint="service",status="400"}`)).toBe(1);
    expect(sample(after, 'cds_requests_total{service="none",endpoint="metrics",status="200"}')).toBe(1);
    expect(sample(after, `cds_request_duration_seconds_count{${call},endpoint="service"}`)).toBe(2);
    // validate is timed for both calls (refusals included); the pipeline stages for the valid one.
    expect(sample(after, `cds_stage_duration_seconds_count{${call},stage="validate"}`)).toBe(2);
    for (const stage of ['gather', 'map', 'decide', 'render']) {
      const series = `cds_stage_duration_seconds_count{${call},stage="${stage}"}`;
      expect([sample(before, series), sample(after, series)], stage).toEqual([0, 1]);
    }
    expect(sample(after, 'cds_fhir_fetch_total{outcome="ok"}')).toBeGreaterThan(0);
    expect(sample(after, 'cds_cards_total{rule="nitrofurantoin-neuropathy-risk",indicator="critical"}')).toBe(1);
  });

  test('FHIR fetch failures are counted by outcome', async () => {
    const service = testService();
    mockFhirServer(prefetchResources(fixture('order-select.ctd-neuropathy-nitrofurantoin')), { token: 'another' });
    await request(service.app)
      .post('/cds-services/ctd-neuropathy-order-select')
      .send(fixture('order-select.ctd-neuropathy-nitrofurantoin.no-prefetch'))
      .expect(412);
    const text = (await request(service.app).get('/metrics').expect(200)).text;
    expect(sample(text, 'cds_fhir_fetch_total{outcome="unauthorized"}')).toBeGreaterThan(0);
    expect(sample(text, 'cds_fhir_fetch_total{outcome="ok"}')).toBe(0);
  });

  test('an unknown service id in the URL never becomes a label value', async () => {
    const service = testService();
    await request(service.app).post('/cds-services/made-up-id').send({}).expect(404);
    const text = (await request(service.app).get('/metrics').expect(200)).text;
    expect(text).not.toContain('made-up-id');
    expect(sample(text, 'cds_requests_total{service="none",endpoint="service",status="404"}')).toBe(1);
  });
});

/** Production, with client authentication off: these tests are about the metrics token, not the client JWT. */
const PRODUCTION = { NODE_ENV: 'production', AUTH_MODE: 'off', ALLOW_AUTH_OFF_IN_PRODUCTION: 'true' };

describe('GET /metrics: METRICS_TOKEN', () => {
  test('with METRICS_TOKEN set, the bearer token is required', async () => {
    const service = testService({ METRICS_TOKEN: TOKEN });
    const missing = await request(service.app)
      .get('/metrics')
      .expect(401)
      .expect('WWW-Authenticate', /Bearer/);
    expectOutcome(missing.body);
    await request(service.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}x`).expect(401);
    await request(service.app).get('/metrics').set('Authorization', TOKEN).expect(401);
    await request(service.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
  });

  test('without METRICS_TOKEN: open in development, refused in production', async () => {
    await request(testService().app).get('/metrics').expect(200);
    const res = await request(testService(PRODUCTION).app).get('/metrics').expect(403);
    expect(expectOutcome(res.body)).toContain('METRICS_TOKEN');
    await request(testService({ ...PRODUCTION, METRICS_TOKEN: TOKEN }).app)
      .get('/metrics')
      .set('Authorization', `Bearer ${TOKEN}`)
      .expect(200);
  });

  test('a short token is refused at start-up', () => {
    expect(() => parseConfig({ METRICS_TOKEN: 'short' })).toThrow(ConfigError);
  });
});
