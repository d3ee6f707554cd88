import request from 'supertest';
import { describe, expect, test } from 'vitest';
import type { Card } from '../../src/cds-hooks/types.js';
import type { ChartAnswer } from '../../src/smart/evaluate-chart.js';
import { captureLogs } from '../support/log-capture.js';
import { expectCdsResponse, expectOutcome, fixture, repositoryKnowledge, testService } from '../support/service.js';

/** The SMART app's routes (src/smart/smart-routes.ts) and the cards' SMART links, in-process with supertest. */
const logs = captureLogs('info');
const dev = testService({ LOG_LEVEL: 'info' }, { logger: logs.logger }).app;
const production = testService({
  NODE_ENV: 'production',
  AUTH_MODE: 'off',
  ALLOW_AUTH_OFF_IN_PRODUCTION: 'true',
  SMART_EHR_ORIGINS: 'https://ehr.example.org',
}).app;
const productionUnconfigured = testService({
  NODE_ENV: 'production',
  AUTH_MODE: 'off',
  ALLOW_AUTH_OFF_IN_PRODUCTION: 'true',
}).app;

/** The fixture's prefetch, as the app posts it (the request fixture holds what a client prefetched). */
function chartBody(name: string): { patientId: string; prefetch: Record<string, unknown> } {
  const body = fixture(name) as { context: { patientId: string }; prefetch: Record<string, unknown> };
  return { patientId: body.context.patientId, prefetch: body.prefetch };
}

describe('pages', () => {
  test('the launch page may be framed by the EHR and connect to it; scripts come from the service only', async () => {
    const res = await request(production)
      .get('/smart/launch')
      .query({ iss: 'https://ehr.example.org/fhir/r4', launch: 'abc' });
    expect(res.status).toBe(200);
    expect(res.headers['x-frame-options']).toBeUndefined();
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'self' https://ehr.example.org");
    expect(csp).toContain("connect-src 'self' https://ehr.example.org");
    expect(csp).toContain("script-src 'self';");
    expect(res.text).toContain('<meta name="smart-client-id" content="ctd-neuropathy-cds">');
    expect(res.text).toContain('Decision support, not a diagnosis');
  });

  test('an iss on an origin that SMART_EHR_ORIGINS does not list is refused (production lists none by default)', async () => {
    const foreign = await request(production).get('/smart/launch').query({ iss: 'https://evil.example/fhir' });
    expect(foreign.status).toBe(403);
    expectOutcome(foreign.body);
    const unconfigured = await request(productionUnconfigured)
      .get('/smart/launch')
      .query({ iss: 'https://ehr.example.org/fhir' });
    expect(unconfigured.status).toBe(403);
    expect((await request(dev).get('/smart/launch')).status).toBe(403);
    expect((await request(dev).get('/smart/launch').query({ iss: 'javascript:alert(1)' })).status).toBe(403);
  });

  test('the app page has landmarks, a heading per section and the disclaimer; assets are served, nothing else', async () => {
    const page = await request(dev).get('/smart/');
    expect(page.status).toBe(200);
    for (const landmark of ['<header', '<nav aria-label="Sections">', '<main id="main"', '<footer']) {
      expect(page.text).toContain(landmark);
    }
    expect(page.text.match(/<h2 /g)).toHaveLength(6);
    const client = await request(dev).get('/smart/vendor/fhir-client.js');
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toContain('javascript');
    expect(client.text).toContain('oauth2');
    expect((await request(dev).get('/smart/app/app.js')).status).toBe(200);
    expect((await request(dev).get('/smart/app/%2e%2e/package.json')).status).toBe(404);
    expect((await request(dev).get('/smart/app/missing.js')).status).toBe(404);
  });
});

describe('the app API', () => {
  test('queries: the services prefetch searches for the patient, every value percent-encoded', async () => {
    const res = await request(dev).get('/smart/api/queries').query({ patient: 'abc' });
    expect(res.status).toBe(200);
    const queries = (res.body as { queries: Record<string, string> }).queries;
    expect(Object.keys(queries).sort()).toEqual(
      [...new Set([...repositoryKnowledge().services.values()].flatMap((s) => s.prefetch.map((p) => p.key)))].sort()
    );
    // Conditions of every status (the mapping reads clinicalStatus; a filter would drop those without one).
    expect(queries['conditions']).toBe('Condition?patient=abc&_count=100');
    for (const query of Object.values(queries)) {
      expect(query).not.toMatch(/\/\/|\|/);
    }
    expect((await request(dev).get('/smart/api/queries').query({ patient: '../x' })).status).toBe(400);
  });

  test('evaluate: the model, the patient-view cards and the views, from the posted data only', async () => {
    const body = chartBody('patient-view.sle-mononeuritis-multiplex');
    const res = await request(dev).post('/smart/api/evaluate').send(body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const answer = res.body as ChartAnswer;
    expect(answer.cards.map((c) => c.source.topic?.code)).toEqual([
      'vasculitic-neuropathy-suspected',
      'neuropathy-workup-labs',
    ]);
    expect(answer.model.ctd.map((c) => c.concept)).toEqual(['ctd-sle']);
    expect(answer.view.cards[0]?.detailHtml).toContain('<strong>Patient data behind this card</strong>');
    expect(answer.view.cards[0]?.topic).toBe('workup');
    expect(answer.view.checklist.applies).toBe(true);
    expect(res.headers['cache-control']).toBe('no-store');
    // Nothing of the patient reaches the log: no id, no display text.
    expect(logs.text()).not.toContain(body.patientId);
    expect(logs.text()).not.toMatch(/lupus|mononeuritis/i);
  });

  test.each([
    ['no patientId', { prefetch: {} }, 'patientId'],
    ['a prefetch that is not an object', { patientId: 'p1', prefetch: [] }, 'prefetch'],
    ['a bad userId', { patientId: 'p1', userId: 'Device/1', prefetch: {} }, 'userId'],
  ])('evaluate refuses %s with 400 naming it', async (_name, body, expression) => {
    const res = await request(dev).post('/smart/api/evaluate').send(body);
    expect(res.status).toBe(400);
    expectOutcome(res.body, expression);
  });

  test.each([
    ['an OperationOutcome (the read failed)', { resourceType: 'OperationOutcome', issue: [] }],
    ['nothing (not posted)', undefined],
  ])('data the app could not read is unknown, not absent: a required key as %s gives 412', async (_name, value) => {
    const body = chartBody('patient-view.sle-mononeuritis-multiplex');
    const res = await request(dev)
      .post('/smart/api/evaluate')
      .send({ ...body, prefetch: { ...body.prefetch, conditions: value } });
    expect(res.status).toBe(412);
    expect(expectOutcome(res.body)).toMatch(/conditions/);
  });

  test("another patient's data in the post is refused, never mixed", async () => {
    const body = chartBody('patient-view.sle-mononeuritis-multiplex');
    const res = await request(dev)
      .post('/smart/api/evaluate')
      .send({ ...body, patientId: 'someone-else' });
    expect(res.status).toBe(400);
    expectOutcome(res.body);
  });

  test('a cross-site page may not use the API', async () => {
    const res = await request(dev)
      .post('/smart/api/evaluate')
      .set('Sec-Fetch-Site', 'cross-site')
      .send(chartBody('patient-view.sle-mononeuritis-multiplex'));
    expect(res.status).toBe(403);
    expectOutcome(res.body);
  });
});

describe('the cards link the app', () => {
  test('a card whose follow-up is a workup or treatment carries a smart link naming its rule; the others do not', async () => {
    const res = await request(dev)
      .post('/cds-services/ctd-neuropathy-patient-view')
      .send(fixture('patient-view.sle-mononeuritis-multiplex'));
    const cards = expectCdsResponse(res.body).cards;
    const smartLink = (card: Card) => card.links?.find((l) => l.type === 'smart');
    for (const card of cards) {
      const rule = card.source.topic?.code ?? '';
      expect(smartLink(card), rule).toEqual({
        label: expect.stringContaining('neuropathy workup app') as unknown,
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/smart\/launch$/) as unknown,
        type: 'smart',
        appContext: JSON.stringify({ rule }),
      });
    }
    const nitrofurantoin = await request(dev)
      .post('/cds-services/ctd-neuropathy-order-select')
      .send(fixture('order-select.ctd-neuropathy-nitrofurantoin'));
    const [drugCard] = expectCdsResponse(nitrofurantoin.body).cards;
    expect(drugCard?.source.topic?.code).toBe('nitrofurantoin-neuropathy-risk');
    expect(drugCard?.links?.map((l) => l.type)).toEqual(['absolute']);
  });

  test('the knowledge declares the link on workup and treatment rules only', () => {
    const declared = repositoryKnowledge()
      .rules.filter((r) => r.template.smartApp !== undefined)
      .map((r) => r.id);
    expect(declared).toContain('vasculitic-neuropathy-suspected');
    expect(declared).toContain('glucocorticoid-dose-range');
    expect(declared.filter((id) => id.startsWith('nitrofurantoin'))).toEqual([]);
  });
});
