import { afterEach, describe, expect, test } from 'vitest';
import type { FeedbackAnalytics } from '../../src/feedback/feedback-analytics.js';
import { storeKinds, type StoreKind } from '../support/feedback-stores.js';
import { startServer, stopServer, type ServerProcess } from '../support/server-process.js';
import { fixture } from '../support/service.js';

/**
 * The promise of a 200 on feedback: it is stored. The real server process is killed without warning (SIGKILL, no
 * shutdown hook runs) while feedback posts are in flight, restarted on the same storage, and every item that was
 * acknowledged before the kill must be there. Items whose post had no answer may or may not be.
 */
const FEEDBACK_URL = '/cds-services/ctd-neuropathy-order-sign/feedback';
const POSTS = 60;
const KILL_AFTER = 40;

const running: ServerProcess[] = [];
let kind: StoreKind | undefined;
afterEach(async () => {
  for (const server of running.splice(0)) {
    await stopServer(server);
  }
  await kind?.dispose();
  kind = undefined;
});

async function start(env: Record<string, string>): Promise<ServerProcess> {
  const server = await startServer(env);
  running.push(server);
  return server;
}

function post(baseUrl: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** A server on the store, and one order-sign call that gives cards (answered 200). */
async function startAndSign(env: Record<string, string>): Promise<{ first: ServerProcess; call: Response }> {
  const first = await start(env);
  const call = await post(
    first.baseUrl,
    '/cds-services/ctd-neuropathy-order-sign',
    fixture('order-sign.ctd-neuropathy-nitrofurantoin')
  );
  expect(call.status).toBe(200);
  return { first, call };
}

const durableKinds = storeKinds.filter((k) => k.durable);

describe.each(durableKinds)('SIGKILL and restart: $name store', ({ make, skip }) => {
  // PostgreSQL runs where DATABASE_URL says where it is (always in CI: .ci/run starts it).
  test.skipIf(skip)(
    'every acknowledged feedback item is there after the restart',
    async () => {
      kind = make();
      const { first } = await startAndSign(kind.env);

      const items = (n: number) =>
        [0, 1].map((i) => ({
          card: `durability-card-${String(n)}-${String(i)}`,
          outcome: 'overridden',
          overrideReasons: [{ reason: { system: 'urn:test', code: `reason-${String(i)}` } }],
          outcomeTimestamp: '2026-06-01T10:00:00Z',
        }));
      const acknowledged: object[] = [];
      let acks = 0;
      const posts = Array.from({ length: POSTS }, async (_, n) => {
        const res = await post(first.baseUrl, FEEDBACK_URL, { feedback: items(n) });
        if (res.status === 200) {
          acknowledged.push(...items(n));
          acks += 1;
          if (acks === KILL_AFTER) {
            // Right after the 200s, with other posts still in flight: no warning, no shutdown hook.
            first.child.kill('SIGKILL');
          }
        }
      });
      await Promise.allSettled(posts);
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(acks).toBeGreaterThanOrEqual(KILL_AFTER);

      const second = await start(kind.env);
      // Posting the acknowledged items again stores none of them: they are all there already.
      const again = await post(second.baseUrl, FEEDBACK_URL, { feedback: acknowledged });
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ stored: 0, duplicates: acknowledged.length });
      const report = (await (await fetch(`${second.baseUrl}/analytics/feedback`)).json()) as FeedbackAnalytics;
      expect(report.totals.overridden).toBeGreaterThanOrEqual(acknowledged.length);

      // A graceful stop (SIGTERM) closes the store and exits 0.
      second.child.kill('SIGTERM');
      expect(await second.exited).toEqual({ code: 0, signal: null });
    },
    90_000
  );

  test.skipIf(skip)(
    'feedback acknowledged for a card shown a moment earlier keeps its rule after a SIGKILL',
    async () => {
      kind = make();
      const { first, call } = await startAndSign(kind.env);
      const cards = ((await call.json()) as { cards: { uuid: string; source: { topic?: { code?: string } } }[] }).cards;
      expect(cards.length).toBeGreaterThan(0);
      // At once, well inside the cards-shown batch interval (1 s), then killed right after the 200.
      const feedback = await post(first.baseUrl, FEEDBACK_URL, {
        feedback: cards.map((card) => ({
          card: card.uuid,
          outcome: 'overridden',
          outcomeTimestamp: new Date().toISOString(),
        })),
      });
      expect(feedback.status).toBe(200);
      first.child.kill('SIGKILL');
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

      const second = await start(kind.env);
      const report = (await (await fetch(`${second.baseUrl}/analytics/feedback`)).json()) as FeedbackAnalytics;
      // Every acknowledged item is counted under the rule of its card, none under `unknown`.
      expect(report.rules.find((r) => r.ruleId === 'unknown')).toBeUndefined();
      for (const ruleId of new Set(cards.map((card) => card.source.topic?.code))) {
        const expected = cards.filter((card) => card.source.topic?.code === ruleId).length;
        expect(report.rules.find((r) => r.ruleId === ruleId)).toMatchObject({
          cardsShown: expected,
          overridden: expected,
        });
      }
      second.child.kill('SIGTERM');
      expect(await second.exited).toEqual({ code: 0, signal: null });
    },
    90_000
  );
});
