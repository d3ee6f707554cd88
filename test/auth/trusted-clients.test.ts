import { join } from 'node:path';
import nock from 'nock';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { loadTrustedClients } from '../../src/auth/trusted-clients.js';
import { defaultKnowledgeDir } from '../../src/config.js';
import { authEnv, BASE, clientJwt, clientKey, jwks, NOW, NOW_MS, trustedClientsFile } from '../support/client-jwt.js';
import { captureLogs } from '../support/log-capture.js';
import { testService } from '../support/service.js';

const SANDBOX_FILE = join(defaultKnowledgeDir(), 'config', 'trusted-clients', 'sandbox.json');
const SANDBOX_ISS = 'https://sandbox.cds-hooks.org';
const SANDBOX_KID = '44823f3d-0b01-4a6c-a80e-b9d3e8a7226f';
const SANDBOX_JKU = 'https://sandbox.cds-hooks.org/.well-known/jwks.json';

describe('the shipped CDS Hooks Sandbox entry (config/trusted-clients/sandbox.json)', () => {
  test('loads in development with the published key, its jku allowlisted and ES384 only', () => {
    const sandbox = loadTrustedClients(SANDBOX_FILE, { mode: 'development' }).get(SANDBOX_ISS);
    expect(sandbox?.testingOnly).toBe(true);
    // The public Sandbox signs no `sub` (its token has iss, aud, exp, iat, jti): only this entry may omit it.
    expect(sandbox?.subOptional).toBe(true);
    expect(sandbox?.jwks?.keys.map((k) => [k.kid, k.kty, k['crv'], k.alg])).toEqual([
      [SANDBOX_KID, 'EC', 'P-384', 'ES384'],
    ]);
    expect(sandbox?.jku).toEqual([SANDBOX_JKU]);
    expect(sandbox?.algorithms).toEqual(['ES384']);
  });

  test('is refused in production: anyone can call a service through the public Sandbox', () => {
    expect(() => loadTrustedClients(SANDBOX_FILE, { mode: 'production' })).toThrow(
      `${SANDBOX_FILE} at $.clients[0].testingOnly: '${SANDBOX_ISS}' is for testing only`
    );
    expect(() => testService(authEnv(SANDBOX_FILE, { NODE_ENV: 'production' }))).toThrow(/testing only/);
  });

  test('is never trusted unless TRUSTED_CLIENTS names it', async () => {
    const other = trustedClientsFile({ clients: [{ iss: 'https://ehr.example.org', description: 'x', jku: [BASE] }] });
    const logs = captureLogs();
    const app = testService(authEnv(other), { logger: logs.logger, now: () => NOW_MS }).app;
    const key = await clientKey('ES384', SANDBOX_KID);
    const token = await clientJwt(key, { iss: SANDBOX_ISS, jku: SANDBOX_JKU });
    await request(app).get('/cds-services').set('Authorization', `Bearer ${token}`).expect(401);
    expect(logs.lines().find((l) => l['reason'] !== undefined)?.['reason']).toBe('unknown-issuer');
  });

  test("a token shaped like the Sandbox's but not signed with its key: refused with no network access", async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    const attempts: string[] = [];
    const record = (req: { hostname?: string }): void => {
      attempts.push(req.hostname ?? '?');
    };
    nock.emitter.on('no match', record);
    try {
      const logs = captureLogs();
      const app = testService(authEnv(SANDBOX_FILE), { logger: logs.logger, now: () => NOW_MS }).app;
      const impostor = await clientKey('ES384', SANDBOX_KID);
      const token = await clientJwt(impostor, { iss: SANDBOX_ISS, jku: SANDBOX_JKU, iat: NOW, exp: NOW + 300 });
      await request(app).get('/cds-services').set('Authorization', `Bearer ${token}`).expect(401);
      expect(logs.lines().find((l) => l['reason'] !== undefined)?.['reason']).toBe('bad-signature');
      expect(attempts.filter((host) => host !== '127.0.0.1')).toEqual([]);
    } finally {
      nock.emitter.removeListener('no match', record);
      nock.enableNetConnect();
    }
  });
});

describe('sub: REQUIRED, except of a testing-only client that declares it sends none', () => {
  const TESTING_ISS = 'https://sandbox.example.org';

  test('a testingOnly client with subOptional: a token without sub passes, an empty sub is still refused', async () => {
    const key = await clientKey('ES384', 'sandbox-like');
    const file = trustedClientsFile({
      clients: [{ iss: TESTING_ISS, description: 'a Sandbox', testingOnly: true, subOptional: true, jwks: jwks(key) }],
    });
    const logs = captureLogs();
    const app = testService(authEnv(file), { logger: logs.logger, now: () => NOW_MS }).app;
    const call = async (token: string): Promise<number> =>
      (await request(app).get('/cds-services').set('Authorization', `Bearer ${token}`)).status;
    expect(await call(await clientJwt(key, { iss: TESTING_ISS, omit: ['sub'] }))).toBe(200);
    expect(await call(await clientJwt(key, { iss: TESTING_ISS, sub: '' }))).toBe(401);
    expect(logs.lines().find((l) => l['reason'] !== undefined)?.['reason']).toBe('missing-claim');
  });

  test('a production client may not declare subOptional', () => {
    const file = trustedClientsFile({
      clients: [{ iss: TESTING_ISS, description: 'an EHR', subOptional: true, jku: [BASE] }],
    });
    expect(() => loadTrustedClients(file, { mode: 'development' })).toThrow(
      `${file} at $.clients[0].subOptional: only a testingOnly client may send tokens without sub`
    );
  });
});

describe('a bad trusted-clients file stops start-up, naming the file and the field', () => {
  const key = {
    kty: 'EC',
    crv: 'P-384',
    kid: 'k1',
    x: 'dw_JGR8nB2I6XveNxUOl2qk699ZPLM2nYI5STSdiEl9avAkrm3CkfYMbrrjr8laB',
  };
  const ecKey = { ...key, y: 'Sm3mLE-n1zYNla_aiE3cb3nZsL51RbC7ysw3q8aJLxGm-hx79RPMYpITDjp7kgzy' };
  const client = (extra: Record<string, unknown>): unknown => ({
    clients: [{ iss: 'https://ehr.example.org', description: 'EHR', ...extra }],
  });

  test.each([
    ['not JSON', '{ clients: ', '', 'is not valid JSON'],
    ['no clients', {}, ' at $', "is missing required field 'clients'"],
    ['a client without iss', { clients: [{ description: 'x', jku: [BASE] }] }, ' at $.clients[0]', "field 'iss'"],
    ['an unknown field', client({ jku: [BASE], secret: 'x' }), ' at $.clients[0]', "unknown field 'secret'"],
    ['no keys at all', client({}), ' at $.clients[0]', 'needs the client keys'],
    [
      'a symmetric key',
      client({ jwks: { keys: [{ kty: 'oct', kid: 'k', k: 'c2VjcmV0' }] } }),
      '.jwks.keys[0].kty',
      'symmetric',
    ],
    ['a private key', client({ jwks: { keys: [{ ...ecKey, d: 'secret' }] } }), '.jwks.keys[0].d', 'private key'],
    [
      'a key that is not a key',
      client({ jwks: { keys: [{ ...key, y: 'AAAA' }] } }),
      '.jwks.keys[0]',
      'not a usable public key',
    ],
    ['two keys with one kid', client({ jwks: { keys: [ecKey, ecKey] } }), '.jwks.keys[1].kid', 'used by two keys'],
    ['HS256 allowed', client({ jku: [BASE], algorithms: ['HS256'] }), '.algorithms[0]', 'forbids none and HMAC'],
    ['none allowed', client({ jku: [BASE], algorithms: ['none'] }), '.algorithms[0]', 'forbids none and HMAC'],
    ['a key with alg HS384', client({ jwks: { keys: [{ ...ecKey, alg: 'HS384' }] } }), '.jwks.keys[0].alg', 'HMAC'],
    ['an http jku', client({ jku: ['http://ehr.example.org/jwks'] }), '.jku[0]', 'must be an https URL'],
    ['a relative jku', client({ jku: ['/jwks'] }), '.jku[0]', 'not an absolute URL'],
    ['keys inline and as a file', client({ jwks: { keys: [ecKey] }, jwksFile: 'k.json' }), '.jwksFile', 'not both'],
    [
      'one iss twice',
      { clients: [0, 1].map(() => ({ iss: 'https://ehr.example.org', description: 'x', jku: [BASE] })) },
      ' at $.clients[1].iss',
      'listed twice',
    ],
  ])('%s', (_name, content, path, message) => {
    const file = trustedClientsFile(content);
    const expected = `${file}${path.startsWith(' at') || path === '' ? path : ` at $.clients[0]${path}`}: `;
    expect(() => loadTrustedClients(file, { mode: 'development' })).toThrow(expected);
    expect(() => loadTrustedClients(file, { mode: 'development' })).toThrow(message);
  });

  test('a missing jwksFile, and a bad key inside one, are reported against that file', () => {
    const missing = trustedClientsFile(client({ jwksFile: 'absent.json' }));
    expect(() => loadTrustedClients(missing, { mode: 'development' })).toThrow(/absent\.json: cannot be read/);
    const bad = trustedClientsFile(client({ jwksFile: 'keys.json' }), { 'keys.json': { keys: [{ kty: 'oct' }] } });
    expect(() => loadTrustedClients(bad, { mode: 'development' })).toThrow(/keys\.json at \$\.keys\[0\]: .*'kid'/);
  });

  test('a good file with every option loads', async () => {
    const rs = await clientKey('RS384', 'rs');
    const file = trustedClientsFile(
      {
        clients: [
          { iss: 'https://a.example', description: 'inline', jwks: jwks(rs), algorithms: ['RS384'], tenants: ['t1'] },
          { iss: 'https://b.example', description: 'file', jwksFile: 'b.json', jku: ['https://b.example/jwks'] },
          { iss: 'https://c.example', description: 'loopback jku', jku: ['http://127.0.0.1:8080/jwks.json'] },
        ],
      },
      { 'b.json': jwks(rs) }
    );
    const clients = loadTrustedClients(file, { mode: 'production' });
    expect([...clients.keys()]).toEqual(['https://a.example', 'https://b.example', 'https://c.example']);
    expect(clients.get('https://a.example')?.tenants).toEqual(['t1']);
    expect(clients.get('https://b.example')?.jwks?.keys[0]?.kid).toBe('rs');
  });
});
