import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { FeedbackItem } from '../../src/cds-hooks/types.js';
import type { CardShown } from '../../src/feedback/card-shown.js';
import { feedbackAnalytics } from '../../src/feedback/feedback-analytics.js';
import { toFeedbackRecord, type FeedbackRecord } from '../../src/feedback/feedback-record.js';
import type { FeedbackStore } from '../../src/feedback/feedback-store.js';
import type { TimeWindow } from '../../src/feedback/feedback-tally.js';
import { storeKinds, type StoreKind } from '../support/feedback-stores.js';
import { testService } from '../support/service.js';
import { listenOnLoopback } from '../support/loopback.js';

/**
 * The store contract: every store (memory, file, PostgreSQL) answers these the same way. PostgreSQL runs where
 * DATABASE_URL is set (always in CI, see .ci/run).
 */
const SERVICE = 'ctd-neuropathy-order-select';
const R1 = { system: 'urn:ctd-neuropathy-cds:override-reason', code: 'benefit-outweighs-risk' };
const R2 = { system: 'urn:epic:reasons', code: 'not-relevant', display: 'Not clinically relevant' };

function item(card: string, outcome: 'accepted' | 'overridden', at: string, extra: Partial<FeedbackItem> = {}) {
  return toFeedbackRecord(SERVICE, {
    card,
    outcome,
    outcomeTimestamp: at,
    ...(outcome === 'accepted' ? { acceptedSuggestions: [{ id: `suggestion-of-${card}` }] } : {}),
    ...extra,
  });
}

function shown(cardUuid: string, ruleId: string, shownAt: string): CardShown {
  return { cardUuid, ruleId, serviceId: SERVICE, indicator: 'warning', shownAt };
}

for (const { name, make, durable, skip } of storeKinds) {
  describe.skipIf(skip)(`feedback store contract: ${name}`, () => {
    let kind: StoreKind;
    let store: FeedbackStore;
    beforeEach(async () => {
      kind = make();
      store = await kind.open();
    });
    afterEach(async () => {
      await store.close();
      await kind.dispose();
    });

    test('saves records and gives them back in the order stored, every field intact', async () => {
      const a = item('card-a', 'accepted', '2026-06-01T10:00:00Z');
      const b = item('card-b', 'overridden', '2026-06-01T10:01:00.52Z', {
        overrideReason: { reason: { ...R1, display: 'Benefit outweighs risk' }, userComment: 'Discussed with patient' },
        // Epic's variant: plural key, one or many reasons.
        overrideReasons: [{ reason: R2 }, { userComment: 'comment only' }],
      });
      expect(await store.save([a, b])).toEqual({ stored: 2, duplicates: 0 });
      expect(await store.all()).toEqual([a, b]);
      expect(b.overrideReasons).toEqual([
        { ...R1, display: 'Benefit outweighs risk', userComment: 'Discussed with patient' },
        R2,
        { userComment: 'comment only' },
      ]);
    });

    test('the same feedback is stored once, within a batch and across batches', async () => {
      const a = item('card-a', 'accepted', '2026-06-01T10:00:00Z');
      const b = item('card-b', 'overridden', '2026-06-01T10:00:00Z');
      expect(await store.save([a, a])).toEqual({ stored: 1, duplicates: 1 });
      expect(await store.save([a, b])).toEqual({ stored: 1, duplicates: 1 });
      expect(await store.save([b, a])).toEqual({ stored: 0, duplicates: 2 });
      expect((await store.all()).map((r) => r.key)).toEqual([a.key, b.key]);
    });

    test('200 concurrent saves of 50 distinct records store 50, each once', async () => {
      const distinct = Array.from({ length: 50 }, (_, i) =>
        item(`card-${String(i)}`, 'overridden', '2026-06-01T10:00:00Z')
      );
      const results = await Promise.all(Array.from({ length: 200 }, (_, n) => store.save([distinct[n % 50]!])));
      expect(results.reduce((sum, r) => sum + r.stored, 0)).toBe(50);
      expect(results.reduce((sum, r) => sum + r.duplicates, 0)).toBe(150);
      const keys = (await store.all()).map((r) => r.key);
      expect(keys).toHaveLength(50);
      expect(new Set(keys)).toEqual(new Set(distinct.map((r) => r.key)));
    });

    test('200 concurrent POSTs to the feedback endpoint of 50 distinct items: all 200, 50 stored', async () => {
      const service = testService({}, { feedbackStore: store });
      const server = await listenOnLoopback(service.app);
      try {
        const url = `${server.base}/cds-services/${SERVICE}/feedback`;
        const responses = await Promise.all(
          Array.from({ length: 200 }, async (_, n) => {
            const body = {
              feedback: [
                { card: `card-${String(n % 50)}`, outcome: 'overridden', outcomeTimestamp: '2026-06-01T10:00:00Z' },
              ],
            };
            const res = await fetch(url, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(body),
            });
            return { status: res.status, body: (await res.json()) as { stored: number } };
          })
        );
        expect(responses.map((r) => r.status)).toEqual(Array(200).fill(200));
        expect(responses.reduce((sum, r) => sum + r.body.stored, 0)).toBe(50);
        expect(await store.all()).toHaveLength(50);
      } finally {
        await server.close();
      }
    });

    // The in-memory store keeps nothing by design: it has no restart to survive, so it gets no such test.
    if (durable) {
      test('feedback and cards shown outlive the store object (a restart)', async () => {
        const a = item('card-a', 'accepted', '2026-06-01T10:00:00Z');
        await store.save([a]);
        store.recordCardShown(shown('card-a', 'rule-a', '2026-06-01T09:00:00Z'));
        await store.close();
        store = await kind.open();
        expect(await store.all()).toEqual([a]);
        expect(await store.save([a])).toEqual({ stored: 0, duplicates: 1 });
        const [rule] = await store.tally({});
        expect(rule).toMatchObject({ ruleId: 'rule-a', cardsShown: 1, accepted: 1 });
      });
    }

    describe('tally: the numbers behind GET /analytics/feedback', () => {
      beforeEach(async () => {
        for (const card of [
          shown('c1', 'rule-a', '2026-06-01T09:00:00Z'),
          shown('c1', 'rule-a', '2026-06-01T09:00:00Z'), // recorded twice, counted once
          shown('c2', 'rule-a', '2026-06-01T09:10:00Z'),
          shown('c3', 'rule-a', '2026-06-01T09:20:00Z'),
          shown('c6', 'rule-a', '2026-06-01T09:40:00Z'),
          shown('c4', 'rule-b', '2026-06-01T09:30:00Z'),
          shown('c5', 'rule-b', '2026-06-02T09:00:00Z'),
        ]) {
          store.recordCardShown(card);
        }
        const records: FeedbackRecord[] = [
          item('c1', 'accepted', '2026-06-01T10:00:00Z'),
          // c2: accepted, then overridden; the latest outcome counts.
          item('c2', 'accepted', '2026-06-01T09:59:00Z'),
          item('c2', 'overridden', '2026-06-01T10:00:00Z', {
            overrideReason: {
              reason: { ...R1, display: 'Benefit outweighs the risk' },
              userComment: 'PHI may be here',
            },
          }),
          // c3: Epic's plural list, the same reason twice in one item (counted once per card).
          item('c3', 'overridden', '2026-06-01T10:05:00Z', {
            overrideReasons: [{ reason: { ...R1, display: 'Benefit outweighs risk' } }, { reason: R2 }, { reason: R1 }],
          }),
          item('c4', 'overridden', '2026-06-01T10:10:00Z', { overrideReason: { userComment: 'no coded reason' } }),
          item('c5', 'overridden', '2026-06-02T10:00:00Z', { overrideReasons: { reason: R2 } }),
          // c6: two outcomes at the same instant: accepted wins the tie.
          item('c6', 'overridden', '2026-06-01T11:00:00Z', { overrideReason: { reason: R1 } }),
          item('c6', 'accepted', '2026-06-01T11:00:00Z'),
          // A card this service never showed.
          item('not-ours', 'accepted', '2026-06-01T10:15:00Z'),
        ];
        await store.save(records);
      });

      const report = async (window: TimeWindow) => feedbackAnalytics(await store.tally(window), window);
      const benefit = { ...R1, display: 'Benefit outweighs risk' };

      test('the whole history', async () => {
        const { rules, totals } = await report({});
        expect(rules).toEqual([
          {
            ruleId: 'rule-a',
            cardsShown: 4,
            accepted: 2,
            overridden: 2,
            overriddenWithoutReason: 0,
            acceptanceRate: 0.5,
            feedbackRate: 1,
            overrideReasons: [
              { ...benefit, count: 2 },
              { ...R2, count: 1 },
            ],
          },
          {
            ruleId: 'rule-b',
            cardsShown: 2,
            accepted: 0,
            overridden: 2,
            overriddenWithoutReason: 1,
            acceptanceRate: 0,
            feedbackRate: 1,
            overrideReasons: [{ ...R2, count: 1 }],
          },
          {
            ruleId: 'unknown',
            cardsShown: 0,
            accepted: 1,
            overridden: 0,
            overriddenWithoutReason: 0,
            acceptanceRate: 1,
            feedbackRate: null,
            overrideReasons: [],
          },
        ]);
        expect(totals).toEqual({
          cardsShown: 6,
          accepted: 3,
          overridden: 4,
          overriddenWithoutReason: 1,
          acceptanceRate: 0.4286,
          feedbackRate: 1.1667,
          // Equal counts: by system, then code.
          overrideReasons: [
            { ...benefit, count: 2 },
            { ...R2, count: 2 },
          ],
        });
        expect(JSON.stringify(rules)).not.toContain('PHI may be here');
      });

      test('until is exclusive, since inclusive, for cards shown and for feedback alike', async () => {
        const untilDay2 = await report({ until: new Date('2026-06-02T00:00:00Z') });
        expect(untilDay2.rules.find((r) => r.ruleId === 'rule-b')).toMatchObject({
          cardsShown: 1,
          overridden: 1,
          overriddenWithoutReason: 1,
          overrideReasons: [],
        });
        const fromTen = await report({ since: new Date('2026-06-01T10:05:00Z') });
        expect(fromTen.rules.map((r) => [r.ruleId, r.cardsShown, r.accepted, r.overridden])).toEqual([
          ['rule-a', 0, 1, 1],
          ['rule-b', 1, 0, 2],
          ['unknown', 0, 1, 0],
        ]);
        expect(fromTen.window).toEqual({ since: '2026-06-01T10:05:00.000Z', until: null });
        const empty = await report({ since: new Date('2030-01-01T00:00:00Z') });
        expect(empty.rules).toEqual([]);
        expect(empty.totals).toMatchObject({ cardsShown: 0, acceptanceRate: null, feedbackRate: null });
      });

      test('a card shown just now is counted at once (buffered cards are written first)', async () => {
        store.recordCardShown(shown('c7', 'rule-c', '2026-06-01T12:00:00Z'));
        const { rules } = await report({});
        expect(rules.find((r) => r.ruleId === 'rule-c')).toMatchObject({ cardsShown: 1, accepted: 0 });
      });
    });
  });
}
