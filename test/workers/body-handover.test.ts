import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { CallTask } from '../../src/service-call/evaluate-call.js';
import { workerCaller } from '../../src/service-call/service-caller.js';
import { fixture } from '../support/service.js';

/**
 * A service call's body reaches its worker thread as the chunks it arrived in (src/http/body-chunks.ts): moved, not
 * copied, where a chunk owns its memory, and joined in the worker.
 */
const caller = workerCaller(parseConfig({ LOG_LEVEL: 'silent', WORKERS: '1' }), createLogger('silent'));
beforeAll(() => caller.ready());
afterAll(() => caller.close());

const bytes = Buffer.from(JSON.stringify(fixture('patient-view.pan-mononeuritis-foot-drop')));

/** The cards' rules and indicators: what does not change from one evaluation to the next (ids and dates do). */
async function cardsOf(body: readonly Uint8Array[]): Promise<unknown> {
  const task: CallTask = {
    serviceId: 'ctd-neuropathy-patient-view',
    body,
    publicBaseUrl: 'http://127.0.0.1',
    logPhi: false,
  };
  const result = await caller.call(task);
  expect(result.status).toBe(200);
  const cards = (JSON.parse(result.body) as { cards: { indicator: string; source: { topic?: { code: string } } }[] })
    .cards;
  return cards.map((card) => [card.source.topic?.code, card.indicator]);
}

describe('the request body handed to a worker thread', () => {
  test('chunks owning their memory are moved, a view on shared memory is copied; the cards are the same', async () => {
    const expected = await cardsOf([Buffer.from(bytes)]);
    expect(expected).not.toEqual([]);
    // Buffer.alloc gives each chunk memory of its own; the last chunk is a view on part of a larger buffer.
    const owned = [bytes.subarray(0, 1000), bytes.subarray(1000, 5000)].map((part) => {
      const chunk = Buffer.alloc(part.length);
      part.copy(chunk);
      return chunk;
    });
    const shared = Buffer.alloc(bytes.length);
    const view = shared.subarray(16, 16 + bytes.length - 5000);
    bytes.copy(view, 0, 5000);
    expect(await cardsOf([...owned, view])).toEqual(expected);
    // Moved: this thread's views of the moved memory are empty now.
    expect(owned.map((chunk) => chunk.length)).toEqual([0, 0]);
    expect(view.equals(bytes.subarray(5000))).toBe(true);
  });
});
