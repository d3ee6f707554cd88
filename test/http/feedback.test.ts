import request from 'supertest';
import { beforeEach, describe, expect, test } from 'vitest';
import type { ComposedService } from '../../src/compose.js';
import { expectOutcome, testService } from '../support/service.js';

let service: ComposedService;
beforeEach(() => {
  service = testService();
});

const URL = '/cds-services/ctd-neuropathy-order-select/feedback';
const accepted = {
  card: '4e0a3a1e-3283-4575-ab82-028d55fe2719',
  outcome: 'accepted',
  acceptedSuggestions: [{ id: 'e56e1945-20b3-4393-8503-a1a20fd73152' }],
  outcomeTimestamp: '2026-06-01T10:05:31Z',
};
const overridden = {
  card: '9368d37b-283f-44a0-93ea-547cebab93ed',
  outcome: 'overridden',
  overrideReason: {
    reason: {
      code: 'benefit-outweighs-risk',
      system: 'urn:ctd-neuropathy-cds:override-reason',
      display: 'Benefit outweighs risk',
    },
    userComment: 'Discussed with the patient.',
  },
  outcomeTimestamp: '2026-06-01T10:06:00.52Z',
};

describe('POST /cds-services/{id}/feedback (spec "Feedback")', () => {
  test('accepted and overridden feedback is stored, and the 200 says so', async () => {
    const res = await request(service.app)
      .post(URL)
      .send({ feedback: [accepted, overridden] })
      .expect(200);
    expect(res.body).toEqual({ stored: 2, duplicates: 0 });
    const records = await service.feedbackStore.all();
    expect(records.map((r) => [r.card, r.outcome])).toEqual([
      [accepted.card, 'accepted'],
      [overridden.card, 'overridden'],
    ]);
    expect(records[0]?.acceptedSuggestions).toEqual(['e56e1945-20b3-4393-8503-a1a20fd73152']);
    expect(records[1]?.overrideReasons).toEqual([
      {
        system: 'urn:ctd-neuropathy-cds:override-reason',
        code: 'benefit-outweighs-risk',
        display: 'Benefit outweighs risk',
        userComment: 'Discussed with the patient.',
      },
    ]);
    expect(records.every((r) => r.serviceId === 'ctd-neuropathy-order-select')).toBe(true);
  });

  test('repeated identical feedback is stored once', async () => {
    await request(service.app)
      .post(URL)
      .send({ feedback: [accepted] })
      .expect(200);
    const again = await request(service.app)
      .post(URL)
      .send({ feedback: [accepted, accepted] })
      .expect(200);
    expect(again.body).toEqual({ stored: 0, duplicates: 2 });
    expect(await service.feedbackStore.all()).toHaveLength(1);
  });

  test('the same instant written differently is the same feedback', async () => {
    await request(service.app)
      .post(URL)
      .send({ feedback: [{ ...accepted, outcomeTimestamp: '2026-06-01T10:05:31Z' }] });
    const res = await request(service.app)
      .post(URL)
      .send({ feedback: [{ ...accepted, outcomeTimestamp: '2026-06-01T10:05:31.000Z' }] });
    expect(res.body).toEqual({ stored: 0, duplicates: 1 });
  });

  test("Epic's variant: overrideReasons (plural) is accepted and kept", async () => {
    const epic = {
      card: overridden.card,
      outcome: 'overridden',
      overrideReasons: { reason: { code: 'x1', system: 'urn:epic', display: 'Not clinically relevant' } },
      outcomeTimestamp: '2026-06-01T10:00:00Z',
    };
    await request(service.app)
      .post(URL)
      .send({ feedback: [epic] })
      .expect(200);
    const [record] = await service.feedbackStore.all();
    expect(record?.overrideReasons).toEqual([{ system: 'urn:epic', code: 'x1', display: 'Not clinically relevant' }]);
  });

  test('overridden without a reason is valid (spec: "dismissed without providing a reason")', async () => {
    await request(service.app)
      .post(URL)
      .send({ feedback: [{ card: overridden.card, outcome: 'overridden', outcomeTimestamp: '2026-06-01T10:00:00Z' }] })
      .expect(200);
  });

  test.each([
    ['feedback', {}, 'feedback is required'],
    ['feedback', { feedback: [] }, 'must not be empty'],
    ['feedback[0].outcome', { feedback: [{ ...accepted, outcome: 'maybe' }] }, 'not allowed'],
    ['feedback[0].acceptedSuggestions', { feedback: [{ ...accepted, acceptedSuggestions: undefined }] }, 'is required'],
    ['feedback[0].outcomeTimestamp', { feedback: [{ ...accepted, outcomeTimestamp: 'yesterday' }] }, 'expected format'],
    ['feedback[0].card', { feedback: [{ ...accepted, card: 7 }] }, 'must be of type string'],
    [
      'feedback[0].acceptedSuggestions[0].id',
      { feedback: [{ ...accepted, acceptedSuggestions: [{}] }] },
      'is required',
    ],
  ])('invalid feedback is refused with 400 naming %s, and nothing is stored', async (expression, body, message) => {
    const res = await request(service.app).post(URL).send(body).expect(400);
    expect(expectOutcome(res.body, expression)).toContain(message);
    expect(await service.feedbackStore.all()).toEqual([]);
  });

  test('feedback for an unknown service: 404', async () => {
    const res = await request(service.app)
      .post('/cds-services/unknown/feedback')
      .send({ feedback: [accepted] })
      .expect(404);
    expectOutcome(res.body);
  });
});
