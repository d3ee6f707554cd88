import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Card } from '../../src/cds-hooks/types.js';
import type { FeedbackAnalytics } from '../../src/feedback/feedback-analytics.js';
import {
  BASE,
  clientJwt,
  clientKey,
  EHR_ISS,
  jwks,
  trustedClientsFile,
  type ClientKey,
} from '../support/client-jwt.js';
import { dropSchema } from '../support/feedback-stores.js';
import { startServer, stopServer, type ServerProcess } from '../support/server-process.js';
import { fixture } from '../support/service.js';

/**
 * Scale-out: two service processes, as two replicas behind a load balancer, in production mode
 * and sharing one PostgreSQL (feedback, cards shown) and one Redis (the JWT `jti` replay cache). Each request goes
 * straight to one replica; both are configured with the balancer's URL (PUBLIC_BASE_URL), which every JWT's `aud`
 * names. Runs where DATABASE_URL and REDIS_URL are set (.ci/run sets both).
 */
const DATABASE_URL = process.env['DATABASE_URL'];
const REDIS_URL = process.env['REDIS_URL'];
const PATIENT_VIEW = '/cds-services/ctd-neuropathy-patient-view';

describe.runIf(DATABASE_URL !== undefined && REDIS_URL !== undefined)(
  'two replicas sharing PostgreSQL and Redis',
  () => {
    const schema = `test_scale_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    let key: ClientKey;
    let a: ServerProcess | undefined;
    let b: ServerProcess | undefined;

    beforeAll(async () => {
      key = await clientKey('ES384', 'ehr');
      const env = {
        NODE_ENV: 'production',
        PUBLIC_BASE_URL: BASE,
        TRUSTED_CLIENTS: trustedClientsFile({ clients: [{ iss: EHR_ISS, description: 'EHR', jwks: jwks(key) }] }),
        DATABASE_URL: DATABASE_URL ?? '',
        DATABASE_SCHEMA: schema,
        REDIS_URL: REDIS_URL ?? '',
        WORKERS: '1',
      };
      [a, b] = await Promise.all([startServer(env, 60_000), startServer(env, 60_000)]);
    }, 120_000);

    afterAll(async () => {
      await Promise.all([stopServer(a), stopServer(b)]);
      await dropSchema(DATABASE_URL ?? '', schema);
    });

    /** A request with a fresh client JWT for that path, as the EHR sends it (real time: the servers' clock). */
    async function call(server: ServerProcess | undefined, path: string, init: RequestInit = {}): Promise<Response> {
      const token = await clientJwt(key, { path, iat: Math.floor(Date.now() / 1000) });
      return fetch(`${server!.baseUrl}${path}`, {
        ...init,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      });
    }

    test('a JWT accepted by one replica is refused as a replay by the other', async () => {
      const token = await clientJwt(key, { path: '/cds-services', iat: Math.floor(Date.now() / 1000) });
      const discover = (server: ServerProcess | undefined): Promise<Response> =>
        fetch(`${server!.baseUrl}/cds-services`, { headers: { Authorization: `Bearer ${token}` } });
      expect((await discover(a)).status).toBe(200);
      expect((await discover(b)).status).toBe(401);
      // And a fresh token is accepted by the second: it is the replay that was refused, not the replica.
      expect((await call(b, '/cds-services')).status).toBe(200);
    });

    test("feedback posted to one replica is counted by the other's analytics, with the card the first showed", async () => {
      const shown = await call(a, PATIENT_VIEW, {
        method: 'POST',
        body: JSON.stringify(fixture('patient-view.ctd-neuropathy-active-nitrofurantoin')),
      });
      expect(shown.status).toBe(200);
      const [card] = ((await shown.json()) as { cards: Card[] }).cards;
      const ruleId = card?.source.topic?.code;
      expect(ruleId).toBeDefined();

      const feedback = await call(b, `${PATIENT_VIEW}/feedback`, {
        method: 'POST',
        body: JSON.stringify({
          feedback: [{ card: card?.uuid, outcome: 'overridden', outcomeTimestamp: new Date().toISOString() }],
        }),
      });
      expect(feedback.status).toBe(200);
      expect(await feedback.json()).toEqual({ stored: 1, duplicates: 0 });

      // A writes the cards it showed before it counts; B then finds them in the shared tables too.
      for (const server of [a, b]) {
        const res = await call(server, '/analytics/feedback');
        expect(res.status).toBe(200);
        const analytics = (await res.json()) as FeedbackAnalytics;
        expect(analytics.rules.find((r) => r.ruleId === ruleId)).toMatchObject({ cardsShown: 1, overridden: 1 });
      }
    });
  }
);
