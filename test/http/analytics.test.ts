import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Card } from '../../src/cds-hooks/types.js';
import type { ComposedService } from '../../src/compose.js';
import type { FeedbackAnalytics } from '../../src/feedback/feedback-analytics.js';
import { fileStoreKind, type StoreKind } from '../support/feedback-stores.js';
import { expectOutcome, fixture, testService } from '../support/service.js';

const ORDER_SELECT = 'ctd-neuropathy-order-select';
const PATIENT_VIEW = 'ctd-neuropathy-patient-view';
const RISK = 'nitrofurantoin-neuropathy-risk';
const RISK_ACTIVE = 'nitrofurantoin-neuropathy-risk-active';

let kind: StoreKind;
let service: ComposedService;
beforeEach(async () => {
  // The file store, as `npm start` runs it; the contract tests hold the other stores to the same numbers.
  kind = fileStoreKind();
  service = testService({}, { feedbackStore: await kind.open() });
});
afterEach(async () => {
  await service.feedbackStore.close();
  await kind.dispose();
});

async function call(serviceId: string, name: string): Promise<Card[]> {
  const res = await request(service.app).post(`/cds-services/${serviceId}`).send(fixture(name)).expect(200);
  return (res.body as { cards: Card[] }).cards;
}

async function feedback(serviceId: string, items: object[]): Promise<void> {
  await request(service.app).post(`/cds-services/${serviceId}/feedback`).send({ feedback: items }).expect(200);
}

const analytics = async (query = ''): Promise<FeedbackAnalytics> =>
  (await request(service.app).get(`/analytics/feedback${query}`).expect(200).expect('Cache-Control', 'no-store'))
    .body as FeedbackAnalytics;

describe('GET /analytics/feedback', () => {
  test('a day of use: cards shown, accepted, overridden, reasons and rates per rule', async () => {
    const select = [
      ...(await call(ORDER_SELECT, 'order-select.ctd-neuropathy-nitrofurantoin')),
      ...(await call(ORDER_SELECT, 'order-select.ctd-neuropathy-nitrofurantoin')),
      ...(await call(ORDER_SELECT, 'order-select.ctd-neuropathy-nitrofurantoin')),
    ];
    // This chart gets three patient-view cards; feedback is given on the nitrofurantoin one only.
    const viewed = [
      ...(await call(PATIENT_VIEW, 'patient-view.ctd-neuropathy-active-nitrofurantoin')),
      ...(await call(PATIENT_VIEW, 'patient-view.ctd-neuropathy-active-nitrofurantoin')),
    ];
    const view = viewed.filter((c) => c.source.topic?.code === RISK_ACTIVE);
    await call(PATIENT_VIEW, 'patient-view.no-relevant-data');
    expect(select).toHaveLength(3);
    expect(viewed).toHaveLength(6);
    expect(view).toHaveLength(2);
    const [first, second, third] = select as [Card, Card, Card];
    const reason = first.overrideReasons?.[0];
    expect(reason).toBeDefined();

    await feedback(ORDER_SELECT, [
      {
        card: first.uuid,
        outcome: 'accepted',
        acceptedSuggestions: [{ id: first.suggestions?.[0]?.uuid }],
        outcomeTimestamp: '2026-06-01T10:00:00Z',
      },
    ]);
    // Epic batches feedback and uses the plural key.
    await feedback(ORDER_SELECT, [
      {
        card: second.uuid,
        outcome: 'overridden',
        overrideReason: { reason, userComment: 'Patient-specific words that must not come back' },
        outcomeTimestamp: '2026-06-01T10:01:00Z',
      },
      {
        card: third.uuid,
        outcome: 'overridden',
        overrideReasons: [{ reason }],
        outcomeTimestamp: '2026-06-01T10:02:00Z',
      },
      { card: 'a-card-we-never-issued', outcome: 'overridden', outcomeTimestamp: '2026-06-01T10:03:00Z' },
    ]);
    await feedback(PATIENT_VIEW, [
      { card: view[0]?.uuid, outcome: 'overridden', outcomeTimestamp: '2026-06-01T10:04:00Z' },
    ]);

    const report = await analytics();
    expect(report.rules.map((r) => [r.ruleId, r.cardsShown, r.accepted, r.overridden, r.acceptanceRate])).toEqual([
      ['neuropathy-workup-labs', 2, 0, 0, null],
      [RISK, 3, 1, 2, 0.3333],
      [RISK_ACTIVE, 2, 0, 1, 0],
      ['symmetric-neuropathy-vasculitis-not-excluded', 2, 0, 0, null],
      ['unknown', 0, 0, 1, 0],
    ]);
    expect(report.rules[1]?.overrideReasons).toEqual([{ ...reason, count: 2 }]);
    expect(report.rules[1]?.feedbackRate).toBe(1);
    expect(report.rules[2]).toMatchObject({ overriddenWithoutReason: 1, feedbackRate: 0.5 });
    expect(report.totals).toMatchObject({ cardsShown: 9, accepted: 1, overridden: 4, acceptanceRate: 0.2 });
    expect(JSON.stringify(report)).not.toContain('Patient-specific');
    // What is kept about a card shown: ids, indicator and time; no patient, encounter or user.
    const kept = readFileSync(join(kind.env['FEEDBACK_DIR']!, 'cards-shown.jsonl'), 'utf8');
    const lines = kept
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(9);
    expect(lines.every((l) => Object.keys(l).join() === 'cardUuid,ruleId,serviceId,indicator,shownAt')).toBe(true);
    expect(kept).not.toMatch(/pat-|Practitioner|enc-|Patient/);
  });

  test('the warm-up on a synthetic patient shows no cards to anyone', async () => {
    await service.warm();
    expect((await analytics()).rules).toEqual([]);
  });

  test('since and until select a window; a date is its start in UTC', async () => {
    await call(ORDER_SELECT, 'order-select.ctd-neuropathy-nitrofurantoin');
    const past = await analytics('?since=2000-01-01&until=2000-01-02');
    expect(past.window).toEqual({ since: '2000-01-01T00:00:00.000Z', until: '2000-01-02T00:00:00.000Z' });
    expect(past.rules).toEqual([]);
    const now = await analytics(`?since=${encodeURIComponent('2000-01-01T00:00:00+02:00')}`);
    expect(now.window.since).toBe('1999-12-31T22:00:00.000Z');
    expect(now.rules.map((r) => [r.ruleId, r.cardsShown])).toEqual([[RISK, 1]]);
  });

  test.each([
    ['since=yesterday', 'since', 'is not a date'],
    ['since=2026-02-30', 'since', 'is not a date'],
    ['until=2026-06-01T25:00:00Z', 'until', 'is not a date'],
    ['until=2026-06-01T10:00:00', 'until', 'is not a date'],
    ['since=2026-06-02&until=2026-06-01', 'since', 'before until'],
    ['since=2026-06-01&since=2026-06-02', 'since', 'given once'],
    ['from=2026-06-01', 'from', 'not a parameter'],
  ])('?%s: 400 naming %s', async (query, expression, message) => {
    const res = await request(service.app).get(`/analytics/feedback?${query}`).expect(400);
    expect(expectOutcome(res.body, expression)).toContain(message);
  });

  test('other methods: 405 with Allow', async () => {
    const res = await request(service.app).post('/analytics/feedback').send({}).expect(405).expect('Allow', 'GET');
    expectOutcome(res.body);
  });
});
