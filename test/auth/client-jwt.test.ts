import { SignJWT, UnsecuredJWT } from 'jose';
import nock from 'nock';
import request from 'supertest';
import type { CardShown } from '../../src/feedback/card-shown.js';
import { MemoryFeedbackStore } from '../../src/feedback/feedback-store.js';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  authEnv,
  BASE,
  clientJwt,
  clientKey,
  EHR_ISS,
  jwks,
  jwksServer,
  NOW,
  NOW_MS,
  rawJwt,
  trustedClientsFile,
  type ClientKey,
  type JwksServer,
} from '../support/client-jwt.js';
import { captureLogs, type CapturedLogs } from '../support/log-capture.js';
import { expectCdsResponse, expectOutcome, fixture, testService } from '../support/service.js';

/**
 * Spec "Trusting CDS Clients": a test vector for every refusal, and acceptance of ES384 and RS384 tokens, through
 * the HTTP edge. The EHR's keys are configured in the trusted-clients file; a second client publishes its keys at
 * an allowlisted jku (served on 127.0.0.1); an attacker serves keys at a jku that is on no allowlist.
 */
const DISCOVERY = '/cds-services';
const PATIENT_VIEW = '/cds-services/ctd-neuropathy-patient-view';
const FEEDBACK = '/cds-services/ctd-neuropathy-order-select/feedback';
const REMOTE_ISS = 'https://other-ehr.example.org';
const TENANT_ISS = 'https://multi-tenant.example.org';
const GENERIC = 'The request could not be authenticated.';

let ehr: ClientKey;
let remote: ClientKey;
let tenantKey: ClientKey;
let attacker: ClientKey;
let attackerRs: ClientKey;
let remoteJwks: JwksServer;
let attackerJwks: JwksServer;
let file: string;

beforeAll(async () => {
  ehr = await clientKey('ES384', 'ehr-es384');
  remote = await clientKey('RS384', 'other-rs384');
  tenantKey = await clientKey('ES384', 'tenant-es384');
  attacker = await clientKey('ES384', 'ehr-es384');
  attackerRs = await clientKey('RS384', 'other-rs384');
  remoteJwks = await jwksServer(jwks(remote));
  attackerJwks = await jwksServer(jwks(attacker, attackerRs));
  file = trustedClientsFile({
    clients: [
      { iss: EHR_ISS, description: 'the EHR, keys out-of-band', jwks: jwks(ehr) },
      { iss: REMOTE_ISS, description: 'keys at an allowlisted jku', jku: [remoteJwks.url], algorithms: ['RS384'] },
      { iss: TENANT_ISS, description: 'one iss, two tenants', jwks: jwks(tenantKey), tenants: ['org-a', 'org-b'] },
    ],
  });
});
afterAll(async () => {
  await remoteJwks.close();
  await attackerJwks.close();
});

let logs: CapturedLogs;
let app: ReturnType<typeof testService>['app'];
beforeEach(() => {
  logs = captureLogs();
  app = testService(authEnv(file), { logger: logs.logger, now: () => NOW_MS }).app;
});

const get = (path: string, token?: string): request.Test => {
  const req = request(app).get(path);
  return token === undefined ? req : req.set('Authorization', `Bearer ${token}`);
};

/** The reasons logged for refused calls; the token itself must be in no log line. */
function refusalReasons(token?: string): unknown[] {
  if (token !== undefined && token.length > 0) {
    expect(logs.text()).not.toContain(token);
    // Not even the signature or the payload part on its own.
    for (const part of token.split('.').filter((p) => p.length > 8)) {
      expect(logs.text()).not.toContain(part);
    }
  }
  return logs
    .lines()
    .filter((l) => l['msg'] === 'client authentication failed')
    .map((l) => l['reason']);
}

function expectRefused(res: request.Response, reason: string, token?: string): void {
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toBe('Bearer');
  expect(expectOutcome(res.body)).toBe(GENERIC);
  expect(res.body).toEqual({
    resourceType: 'OperationOutcome',
    id: 'unauthorized',
    issue: [{ severity: 'error', code: 'login', details: { text: GENERIC } }],
  });
  expect(refusalReasons(token)).toEqual([reason]);
  const warn = logs.lines().find((l) => l['msg'] === 'client authentication failed');
  expect(warn?.['level']).toBe(40);
}

describe('valid tokens are accepted', () => {
  test('ES384 with keys from the trusted-clients file, on discovery, a service call and feedback', async () => {
    const discovery = await get(DISCOVERY, await clientJwt(ehr, { path: DISCOVERY })).expect(200);
    expect((discovery.body as { services: unknown[] }).services).toHaveLength(3);

    const call = await request(app)
      .post(PATIENT_VIEW)
      .set('Authorization', `Bearer ${await clientJwt(ehr, { path: PATIENT_VIEW })}`)
      .send(fixture('patient-view.ctd-neuropathy-active-nitrofurantoin'))
      .expect(200);
    expect(expectCdsResponse(call.body).cards.length).toBeGreaterThan(0);

    await request(app)
      .post(FEEDBACK)
      .set('Authorization', `Bearer ${await clientJwt(ehr, { path: FEEDBACK })}`)
      .send({ feedback: [{ card: 'c-1', outcome: 'overridden', outcomeTimestamp: '2026-06-01T10:00:00Z' }] })
      .expect(200);
    expect(refusalReasons()).toEqual([]);
  });

  test('RS384 with keys fetched from an allowlisted jku, fetched once and then cached', async () => {
    const before = remoteJwks.fetches();
    for (let i = 0; i < 3; i++) {
      const token = await clientJwt(remote, { iss: REMOTE_ISS, jku: remoteJwks.url, path: DISCOVERY });
      await get(DISCOVERY, token).expect(200);
    }
    expect(remoteJwks.fetches() - before).toBeLessThanOrEqual(1);
  });

  test.each([
    ['a one-element array', [`${BASE}${DISCOVERY}`]],
    ['an array with other audiences too', ['https://elsewhere.example', `${BASE}${DISCOVERY}`]],
    ['a trailing slash', `${BASE}${DISCOVERY}/`],
    ['another case in scheme and host', `HTTPS://CDS.EXAMPLE.ORG${DISCOVERY}`],
  ])('aud as %s', async (_name, aud) => {
    await get(DISCOVERY, await clientJwt(ehr, { aud })).expect(200);
  });

  test('the query string is not part of aud; the path called is', async () => {
    await get(`${DISCOVERY}?x=1`, await clientJwt(ehr, { path: DISCOVERY })).expect(200);
  });

  test('exp and iat within the clock skew (60 s) are accepted', async () => {
    await get(DISCOVERY, await clientJwt(ehr, { iat: NOW - 400, exp: NOW - 30 })).expect(200);
    await get(DISCOVERY, await clientJwt(ehr, { iat: NOW + 30, exp: NOW + 330 })).expect(200);
  });

  test('the cards shown are recorded with the tenant of the client that asked', async () => {
    const shown: CardShown[] = [];
    const store = new MemoryFeedbackStore();
    store.recordCardShown = (card) => shown.push(card);
    const withStore = testService(authEnv(file), { logger: logs.logger, now: () => NOW_MS, feedbackStore: store });
    await request(withStore.app)
      .post(PATIENT_VIEW)
      .set(
        'Authorization',
        `Bearer ${await clientJwt(tenantKey, { iss: TENANT_ISS, tenant: 'org-a', path: PATIENT_VIEW })}`
      )
      .send(fixture('patient-view.ctd-neuropathy-active-nitrofurantoin'))
      .expect(200);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((card) => card.tenant === 'org-a')).toBe(true);
  });

  test('the client and its tenant are on the request log line', async () => {
    await get(DISCOVERY, await clientJwt(tenantKey, { iss: TENANT_ISS, tenant: 'org-b' })).expect(200);
    const line = logs.lines().find((l) => l['msg'] === 'request');
    expect(line).toMatchObject({ status: 200, client: TENANT_ISS, tenant: 'org-b' });
  });

  test('the typ header is compared case-insensitively ("jwt")', async () => {
    await get(DISCOVERY, await clientJwt(ehr, { typ: 'jwt' })).expect(200);
  });
});

describe('every refusal is a generic 401 with the reason in the log, never the token', () => {
  test('no token', async () => {
    expectRefused(await get(DISCOVERY), 'missing-token');
  });

  test('another scheme than Bearer', async () => {
    const res = await request(app).get(DISCOVERY).set('Authorization', 'Basic dXNlcjpwYXNz');
    expectRefused(res, 'missing-token');
  });

  test.each([
    ['two parts', 'abc.def'],
    ['not base64url JSON', 'abc.def.ghi'],
    ['characters outside base64url', 'a$c.d%f.g^i'],
    ['a JSON array as payload', `${Buffer.from('{"alg":"ES384"}').toString('base64url')}.W10.c2ln`],
  ])('malformed: %s', async (_name, token) => {
    expectRefused(await get(DISCOVERY, token), 'malformed-token', token);
  });

  test('alg none (an unsecured JWT)', async () => {
    const token = new UnsecuredJWT({ iss: EHR_ISS, aud: `${BASE}${DISCOVERY}`, iat: NOW, exp: NOW + 300, jti: 'n1' })
      .setIssuedAt(NOW)
      .encode();
    expectRefused(await get(DISCOVERY, token), 'algorithm-not-allowed', token);
    const withKid = rawJwt(
      { alg: 'none', typ: 'JWT', kid: ehr.kid },
      { iss: EHR_ISS, aud: `${BASE}${DISCOVERY}`, iat: NOW, exp: NOW + 300, jti: 'n2' }
    );
    logs = captureLogs();
    app = testService(authEnv(file), { logger: logs.logger, now: () => NOW_MS }).app;
    expectRefused(await get(DISCOVERY, withKid), 'algorithm-not-allowed', withKid);
  });

  test('HS256 signed with the public key as the HMAC secret (the key-confusion attack)', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(ehr.publicJwk));
    const token = await new SignJWT({ iss: EHR_ISS, aud: `${BASE}${DISCOVERY}`, iat: NOW, exp: NOW + 300, jti: 'h1' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: ehr.kid })
      .sign(secret);
    expectRefused(await get(DISCOVERY, token), 'algorithm-not-allowed', token);
  });

  test("an algorithm that is not on the client's own list", async () => {
    // REMOTE_ISS signs with RS384 only; an ES384 token claiming to be from it is refused before any key lookup.
    const token = await clientJwt(ehr, { iss: REMOTE_ISS, jku: remoteJwks.url });
    const before = remoteJwks.fetches();
    expectRefused(await get(DISCOVERY, token), 'algorithm-not-allowed', token);
    expect(remoteJwks.fetches()).toBe(before);
  });

  test('signed with the wrong key (same kid)', async () => {
    const token = await clientJwt(attacker);
    expectRefused(await get(DISCOVERY, token), 'bad-signature', token);
  });

  test('a payload changed after signing', async () => {
    const [header, , signature] = (await clientJwt(ehr)).split('.');
    const forged = `${header ?? ''}.${rawJwt({}, { iss: EHR_ISS, aud: `${BASE}${DISCOVERY}`, iat: NOW, exp: NOW + 9999, jti: 'f' }).split('.')[1] ?? ''}.${signature ?? ''}`;
    expectRefused(await get(DISCOVERY, forged), 'bad-signature', forged);
  });

  test('unknown kid', async () => {
    const token = await clientJwt(ehr, { kid: 'no-such-kid' });
    expectRefused(await get(DISCOVERY, token), 'unknown-key', token);
  });

  test('a jku that is not on the client allowlist: refused, and nothing is fetched', async () => {
    const token = await clientJwt(attacker, { jku: attackerJwks.url });
    expectRefused(await get(DISCOVERY, token), 'jku-not-allowlisted', token);
    // The same attack on the client whose keys are only ever fetched.
    const other = await clientJwt(attackerRs, { iss: REMOTE_ISS, jku: attackerJwks.url });
    logs = captureLogs();
    app = testService(authEnv(file), { logger: logs.logger, now: () => NOW_MS }).app;
    expectRefused(await get(DISCOVERY, other), 'jku-not-allowlisted', other);
    expect(attackerJwks.fetches()).toBe(0);
  });

  test('nothing is fetched from anywhere but 127.0.0.1 (nock blocks every other host)', async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    try {
      const token = await clientJwt(attacker, { jku: 'https://evil.example/jwks.json' });
      expectRefused(await get(DISCOVERY, token), 'jku-not-allowlisted', token);
    } finally {
      nock.enableNetConnect();
    }
  });

  test('wrong iss', async () => {
    const token = await clientJwt(ehr, { iss: 'https://unknown-ehr.example.org' });
    expectRefused(await get(DISCOVERY, token), 'unknown-issuer', token);
  });

  test.each([
    ['another endpoint of this service', `${BASE}${PATIENT_VIEW}`],
    ['the same path on another host', `https://cds.example.net${DISCOVERY}`],
    ['another scheme', `http://cds.example.org${DISCOVERY}`],
    ['a prefix of the endpoint', BASE],
    ['an array without it', [`${BASE}${PATIENT_VIEW}`, BASE]],
  ])('wrong aud: %s', async (_name, aud) => {
    const token = await clientJwt(ehr, { aud });
    expectRefused(await get(DISCOVERY, token), 'wrong-audience', token);
  });

  test('a token for discovery is refused on a service call (aud is the endpoint invoked)', async () => {
    const token = await clientJwt(ehr, { path: DISCOVERY });
    const res = await request(app)
      .post(PATIENT_VIEW)
      .set('Authorization', `Bearer ${token}`)
      .send(fixture('patient-view.no-relevant-data'));
    expectRefused(res, 'wrong-audience', token);
  });

  test('expired (beyond the clock skew)', async () => {
    const token = await clientJwt(ehr, { iat: NOW - 400, exp: NOW - 61 });
    expectRefused(await get(DISCOVERY, token), 'expired', token);
  });

  test('issued in the future (beyond the clock skew)', async () => {
    const token = await clientJwt(ehr, { iat: NOW + 120, exp: NOW + 420 });
    expectRefused(await get(DISCOVERY, token), 'issued-in-future', token);
  });

  test('issued longer ago than JWT_MAX_AGE_SECONDS, whatever its exp', async () => {
    const token = await clientJwt(ehr, { iat: NOW - 3600, exp: NOW + 3600 });
    expectRefused(await get(DISCOVERY, token), 'too-old', token);
  });

  test('exp more than five minutes ahead (plus the skew), even with a fresh iat', async () => {
    const token = await clientJwt(ehr, { iat: NOW, exp: NOW + 300 + 60 + 1 });
    expectRefused(await get(DISCOVERY, token), 'lifetime-too-long', token);
    // The limit itself (five minutes plus the 60 s skew) is still accepted.
    await get(DISCOVERY, await clientJwt(ehr, { iat: NOW, exp: NOW + 360 })).expect(200);
  });

  test('a day-long token issued a moment ago is refused', async () => {
    const token = await clientJwt(ehr, { iat: NOW - 5, exp: NOW + 86_400 });
    expectRefused(await get(DISCOVERY, token), 'lifetime-too-long', token);
  });

  test('sub empty', async () => {
    const token = await clientJwt(ehr, { sub: '' });
    expectRefused(await get(DISCOVERY, token), 'missing-claim', token);
  });

  test('not valid yet (nbf in the future)', async () => {
    const token = await clientJwt(ehr, { nbf: NOW + 600 });
    expectRefused(await get(DISCOVERY, token), 'not-yet-valid', token);
  });

  test.each(['jti', 'exp', 'iat', 'aud', 'iss', 'sub'])('a REQUIRED claim missing: %s', async (claim) => {
    const token = await clientJwt(ehr, { omit: [claim] });
    expectRefused(await get(DISCOVERY, token), claim === 'iss' ? 'unknown-issuer' : 'missing-claim', token);
  });

  test.each([
    ['kid empty', { kid: '' }],
    ['typ not JWT', { typ: 'at+jwt' }],
  ])('a REQUIRED header field wrong: %s', async (_name, options) => {
    const token = await clientJwt(ehr, options);
    expectRefused(await get(DISCOVERY, token), 'missing-header-field', token);
  });

  test('replayed jti: the first call passes, the same token again is refused', async () => {
    const token = await clientJwt(ehr, { jti: 'once-only' });
    await get(DISCOVERY, token).expect(200);
    expectRefused(await get(DISCOVERY, token), 'replayed', token);
  });

  test('the same jti from another client is not a replay (jti is unique per issuer)', async () => {
    await get(DISCOVERY, await clientJwt(ehr, { jti: 'shared' })).expect(200);
    await get(DISCOVERY, await clientJwt(tenantKey, { iss: TENANT_ISS, tenant: 'org-a', jti: 'shared' })).expect(200);
  });

  test.each([
    ['no tenant', undefined],
    ['a tenant not listed', 'org-z'],
  ])('a client with a tenant list: %s', async (_name, tenant) => {
    const token = await clientJwt(tenantKey, { iss: TENANT_ISS, ...(tenant === undefined ? {} : { tenant }) });
    expectRefused(await get(DISCOVERY, token), 'tenant-not-allowed', token);
  });
});
