import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { CardShown } from '../../src/feedback/card-shown.js';
import { toFeedbackRecord } from '../../src/feedback/feedback-record.js';
import type { FeedbackStore } from '../../src/feedback/feedback-store.js';
import { FileFeedbackStore } from '../../src/feedback/file-feedback-store.js';
import { PostgresFeedbackStore } from '../../src/feedback/postgres-feedback-store.js';
import { DATABASE_URL, dropSchema } from '../support/feedback-stores.js';

/**
 * A card shown is stored before feedback about it is acknowledged. The cards-shown batch interval is set to a
 * minute, so only the feedback can have caused the write; a second store on the same storage, opened while the
 * first was never closed (as after a crash), must find the card and count the feedback under its rule.
 */
const LONG_FLUSH_MS = 60_000;
const card: CardShown = {
  cardUuid: 'card-shown-just-now',
  ruleId: 'nitrofurantoin-neuropathy-risk',
  serviceId: 'ctd-neuropathy-order-sign',
  indicator: 'warning',
  shownAt: '2026-06-01T10:00:00.000Z',
};
const feedback = (cardUuid: string) =>
  toFeedbackRecord('ctd-neuropathy-order-sign', {
    card: cardUuid,
    outcome: 'overridden',
    outcomeTimestamp: '2026-06-01T10:00:05Z',
  });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

async function expectAttributedAfterCrash(open: () => Promise<FeedbackStore>): Promise<void> {
  const first = await open();
  cleanups.push(() => first.close());
  first.recordCardShown(card);
  first.recordCardShown({ ...card, cardUuid: 'another-card-no-feedback' });
  expect(await first.save([feedback(card.cardUuid)])).toEqual({ stored: 1, duplicates: 0 });

  const second = await open();
  cleanups.push(() => second.close());
  const tally = await second.tally({});
  expect(tally.find((t) => t.ruleId === 'unknown')).toBeUndefined();
  expect(tally.find((t) => t.ruleId === card.ruleId)).toMatchObject({ overridden: 1 });
}

describe('a card shown is stored before feedback about it is acknowledged', () => {
  test('file store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'card-before-feedback-'));
    cleanups.push(() => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    });
    await expectAttributedAfterCrash(() => FileFeedbackStore.open(dir, { cardFlushMs: LONG_FLUSH_MS }));
  });

  test.runIf(DATABASE_URL !== undefined)('PostgreSQL', async () => {
    const connectionString = DATABASE_URL ?? '';
    const schema = `test_card_first_${String(process.pid)}_${String(Date.now() % 1_000_000)}`;
    cleanups.push(() => dropSchema(connectionString, schema));
    await expectAttributedAfterCrash(() =>
      PostgresFeedbackStore.open({ connectionString, schema, cardFlushMs: LONG_FLUSH_MS })
    );
  });

  test('feedback about cards that are not waiting writes nothing extra', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'card-before-feedback-'));
    cleanups.push(() => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    });
    const store = await FileFeedbackStore.open(dir, { cardFlushMs: LONG_FLUSH_MS });
    cleanups.push(() => store.close());
    store.recordCardShown(card);
    await store.save([feedback('a-card-of-another-deployment')]);
    // The waiting card was not written by that save: a second store does not see it yet.
    const second = await FileFeedbackStore.open(dir, { cardFlushMs: LONG_FLUSH_MS });
    cleanups.push(() => second.close());
    expect((await second.tally({})).find((t) => t.ruleId === card.ruleId)).toBeUndefined();
  });
});
