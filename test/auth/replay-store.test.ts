import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { RedisReplayStore } from '../../src/auth/redis-replay-store.js';
import { MemoryReplayStore, ReplayStoreUnavailable } from '../../src/auth/replay-store.js';
import { authEnv, clientJwt, clientKey, EHR_ISS, jwks, NOW_MS, trustedClientsFile } from '../support/client-jwt.js';
import { captureLogs } from '../support/log-capture.js';
import { expectOutcome, testService } from '../support/service.js';

describe('in-memory jti store', () => {
  test('a key is refused until it expires, then accepted again', async () => {
    let now = 1_000_000;
    const store = new MemoryReplayStore({ now: () => now });
    expect(await store.claim('iss\njti-1', now + 300_000)).toBe(true);
    expect(await store.claim('iss\njti-1', now + 300_000)).toBe(false);
    expect(await store.claim('iss\njti-2', now + 300_000)).toBe(true);
    now += 300_001;
    expect(await store.claim('iss\njti-1', now + 300_000)).toBe(true);
  });

  test('bounded: full of live entries it fails closed; expired entries are swept to make room', async () => {
    let now = 0;
    const store = new MemoryReplayStore({ capacity: 2, now: () => now });
    await store.claim('a', 1000);
    await store.claim('b', 5000);
    await expect(store.claim('c', 5000)).rejects.toBeInstanceOf(ReplayStoreUnavailable);
    now = 2000; // 'a' has expired
    expect(await store.claim('c', 5000)).toBe(true);
    expect(store.size).toBe(2);
  });

  test('a store that cannot answer makes the call fail closed: 503, never let through', async () => {
    const key = await clientKey('ES384', 'k');
    const file = trustedClientsFile({ clients: [{ iss: EHR_ISS, description: 'EHR', jwks: jwks(key) }] });
    const logs = captureLogs();
    const app = testService(authEnv(file), {
      logger: logs.logger,
      now: () => NOW_MS,
      replayStore: new MemoryReplayStore({ capacity: 1, now: () => NOW_MS }),
    }).app;
    const call = async (): Promise<request.Response> =>
      request(app)
        .get('/cds-services')
        .set('Authorization', `Bearer ${await clientJwt(key)}`);
    expect((await call()).status).toBe(200);
    const refused = await call();
    expect(refused.status).toBe(503);
    expectOutcome(refused.body);
    expect(logs.lines().find((l) => l['msg'] === 'request failed')?.['err']).toMatchObject({
      type: 'CdsError',
      cause: { type: 'ReplayStoreUnavailable' },
    });
  });
});

describe('Redis jti store', () => {
  test('Redis unreachable: claims fail fast (no offline queue), so the call fails closed', async () => {
    const store = new RedisReplayStore('redis://127.0.0.1:1', captureLogs().logger);
    const started = performance.now();
    await expect(store.claim('k', Date.now() + 1000)).rejects.toBeInstanceOf(ReplayStoreUnavailable);
    expect(performance.now() - started).toBeLessThan(1500);
    await store.close();
  });

  const url = process.env['REDIS_URL'];
  test.runIf(url !== undefined)('shared between two instances of the service (REDIS_URL)', async () => {
    const key = await clientKey('ES384', 'k');
    const file = trustedClientsFile({ clients: [{ iss: EHR_ISS, description: 'EHR', jwks: jwks(key) }] });
    const env = authEnv(file, { REDIS_URL: url ?? '' });
    const first = testService(env, { now: Date.now });
    const second = testService(env, { now: Date.now });
    await Promise.all([first.warm(), second.warm()]);
    const iat = Math.floor(Date.now() / 1000);
    const token = await clientJwt(key, { iat, jti: `redis-test-${String(Math.random())}` });
    await request(first.app).get('/cds-services').set('Authorization', `Bearer ${token}`).expect(200);
    await request(second.app).get('/cds-services').set('Authorization', `Bearer ${token}`).expect(401);
    await Promise.all([first.close(), second.close()]);
  });

  test.runIf(url !== undefined)('an entry lives until the time given, then the key is free again', async () => {
    const store = new RedisReplayStore(url ?? '', captureLogs().logger);
    await store.ready();
    const key = `expiry-${String(Math.random())}`;
    expect(await store.claim(key, Date.now() + 60_000)).toBe(true);
    expect(await store.claim(key, Date.now() + 60_000)).toBe(false);
    // An entry whose time has passed is gone at once (PXAT in the past): no waiting needed to see expiry work.
    const gone = `gone-${String(Math.random())}`;
    expect(await store.claim(gone, Date.now() - 1)).toBe(true);
    expect(await store.claim(gone, Date.now() + 60_000)).toBe(true);
    await store.close();
  });
});
