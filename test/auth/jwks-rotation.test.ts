import request from 'supertest';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { JwksCachePolicy } from '../../src/auth/client-keys.js';
import {
  authEnv,
  clientJwt,
  clientKey,
  jwks,
  jwksServer,
  NOW_MS,
  trustedClientsFile,
  type ClientKey,
  type JwksServer,
} from '../support/client-jwt.js';
import { captureLogs } from '../support/log-capture.js';
import { testService } from '../support/service.js';

/**
 * Keys fetched from an allowlisted `jku` (spec "Trusting CDS Clients": clients SHOULD publish their JWK Set at
 * `jku` "and promote security best practices of rotating public keys"): cached, refetched for an unknown `kid`,
 * but no more often than the cooldown allows. The JWK Set is served on 127.0.0.1.
 */
const ISS = 'https://rotating-ehr.example.org';
let oldKey: ClientKey;
let newKey: ClientKey;
let server: JwksServer;

beforeAll(async () => {
  oldKey = await clientKey('ES384', 'key-2026-01');
  newKey = await clientKey('ES384', 'key-2026-06');
});
afterEach(async () => {
  await server.close();
});

function serviceWith(policy: Partial<JwksCachePolicy>, extraClient: Record<string, unknown> = {}) {
  const url = server.url;
  const file = trustedClientsFile({
    clients: [{ iss: ISS, description: 'publishes its keys at a jku', jku: [url], ...extraClient }],
  });
  const logs = captureLogs();
  const app = testService(authEnv(file), {
    logger: logs.logger,
    now: () => NOW_MS,
    jwksCachePolicy: { maxAgeMs: 600_000, cooldownMs: 30_000, timeoutMs: 2000, ...policy },
  }).app;
  const call = async (key: ClientKey): Promise<number> =>
    (
      await request(app)
        .get('/cds-services')
        .set('Authorization', `Bearer ${await clientJwt(key, { iss: ISS, jku: url })}`)
    ).status;
  return { call, logs };
}

describe('a rotating JWK Set at an allowlisted jku', () => {
  test('a new kid makes the service fetch the set again and accept the new key', async () => {
    server = await jwksServer(jwks(oldKey));
    const { call } = serviceWith({ cooldownMs: 0 });
    expect(await call(oldKey)).toBe(200);
    expect(server.fetches()).toBe(1);

    server.serve(jwks(oldKey, newKey)); // the client rotates: the new key is published
    expect(await call(newKey)).toBe(200);
    expect(server.fetches()).toBe(2);
    expect(await call(oldKey)).toBe(200); // both keys valid during the overlap
    expect(server.fetches()).toBe(2);
  });

  test('unknown kids do not cause a fetch storm: within the cooldown the set is not fetched again', async () => {
    server = await jwksServer(jwks(oldKey));
    const { call, logs } = serviceWith({ cooldownMs: 30_000 });
    expect(await call(oldKey)).toBe(200);
    for (let i = 0; i < 5; i++) {
      expect(await call(newKey)).toBe(401);
    }
    expect(server.fetches()).toBe(1);
    expect(logs.lines().filter((l) => l['reason'] === 'unknown-key')).toHaveLength(5);
  });

  test('keys in the trusted-clients file are used first; the jku is fetched only for a kid they lack', async () => {
    server = await jwksServer(jwks(newKey));
    const { call } = serviceWith({ cooldownMs: 0 }, { jwks: jwks(oldKey) });
    expect(await call(oldKey)).toBe(200);
    expect(server.fetches()).toBe(0);
    expect(await call(newKey)).toBe(200);
    expect(server.fetches()).toBe(1);
  });

  test.each([
    ['answers 500', { error: 'down' }, 500],
    ['answers something that is not a JWK Set', { keys: 'nope' }, 200],
    ['redirects elsewhere (redirects are not followed)', {}, 302],
  ])('a jku that %s: 401, logged as jwks-unavailable', async (_name, body, status) => {
    server = await jwksServer(body);
    server.serve(body, status);
    const { call, logs } = serviceWith({ cooldownMs: 0 });
    expect(await call(oldKey)).toBe(401);
    expect(logs.lines().find((l) => l['msg'] === 'client authentication failed')?.['reason']).toBe('jwks-unavailable');
  });

  test('a jku that cannot be reached: 401, not a hang and not a 500', async () => {
    server = await jwksServer(jwks(oldKey));
    const { call, logs } = serviceWith({ cooldownMs: 0 });
    await server.close();
    server = await jwksServer(jwks(oldKey)); // another port: the allowlisted one is now closed
    expect(await call(oldKey)).toBe(401);
    expect(logs.lines().find((l) => l['msg'] === 'client authentication failed')?.['reason']).toBe('jwks-unavailable');
  });
});
