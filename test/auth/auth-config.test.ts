import { describe, expect, test } from 'vitest';
import { parseConfig } from '../../src/config.js';

/** AUTH_MODE, TRUSTED_CLIENTS, JWT_* and PUBLIC_BASE_URL (README "Configuration" and docs/security.md). */
const required = { TRUSTED_CLIENTS: '/etc/cds/trusted-clients.json', PUBLIC_BASE_URL: 'https://cds.example.org' };

describe('client authentication settings', () => {
  test('off by default in development, required by default in production', () => {
    expect(parseConfig({}).auth.mode).toBe('off');
    expect(parseConfig({ NODE_ENV: 'production', ...required }).auth.mode).toBe('required');
  });

  test('production with authentication off is refused unless explicitly allowed', () => {
    expect(() => parseConfig({ NODE_ENV: 'production', AUTH_MODE: 'off' })).toThrow(/AUTH_MODE: off is refused/);
    const allowed = parseConfig({ NODE_ENV: 'production', AUTH_MODE: 'off', ALLOW_AUTH_OFF_IN_PRODUCTION: 'true' });
    expect(allowed.auth.mode).toBe('off');
  });

  test('required needs TRUSTED_CLIENTS and PUBLIC_BASE_URL (aud is checked against it)', () => {
    expect(() => parseConfig({ NODE_ENV: 'production', PUBLIC_BASE_URL: required.PUBLIC_BASE_URL })).toThrow(
      /TRUSTED_CLIENTS: is required/
    );
    expect(() => parseConfig({ AUTH_MODE: 'required', TRUSTED_CLIENTS: required.TRUSTED_CLIENTS })).toThrow(
      /PUBLIC_BASE_URL: is required/
    );
    expect(parseConfig({ AUTH_MODE: 'required', ...required }).auth.trustedClientsFile).toBe(required.TRUSTED_CLIENTS);
  });

  test('an unknown mode is refused', () => {
    expect(() => parseConfig({ AUTH_MODE: 'maybe' })).toThrow(/AUTH_MODE: 'maybe' is not off or required/);
  });

  test('algorithms: ES384 and RS384 by default; none and HMAC are refused even when listed', () => {
    expect(parseConfig({}).auth.algorithms).toEqual(['ES384', 'RS384']);
    expect(parseConfig({ JWT_ALGORITHMS: 'ES256, PS384,EdDSA' }).auth.algorithms).toEqual(['ES256', 'PS384', 'EdDSA']);
    for (const bad of ['none', 'ES384,none', 'HS256', 'hs512', 'RS384,HS384']) {
      expect(() => parseConfig({ JWT_ALGORITHMS: bad })).toThrow(/is never accepted/);
    }
    expect(() => parseConfig({ JWT_ALGORITHMS: 'RSA-OAEP' })).toThrow(/is not one of/);
  });

  test('clock skew and maximum token age', () => {
    expect(parseConfig({}).auth).toMatchObject({ clockSkewSeconds: 60, maxTokenAgeSeconds: 600 });
    expect(parseConfig({ JWT_CLOCK_SKEW_SECONDS: '5', JWT_MAX_AGE_SECONDS: '300' }).auth).toMatchObject({
      clockSkewSeconds: 5,
      maxTokenAgeSeconds: 300,
    });
    expect(() => parseConfig({ JWT_CLOCK_SKEW_SECONDS: '3600' })).toThrow(/JWT_CLOCK_SKEW_SECONDS/);
  });

  test('REDIS_URL must be a redis URL', () => {
    expect(parseConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).toBe('redis://127.0.0.1:6379');
    expect(() => parseConfig({ REDIS_URL: 'http://127.0.0.1' })).toThrow(/REDIS_URL/);
  });
});
