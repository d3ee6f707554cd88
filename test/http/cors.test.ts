import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { testService } from '../support/service.js';

const SANDBOX = 'https://sandbox.cds-hooks.org';
// CORS is what these tests look at; client authentication has its own tests (test/auth).
const PRODUCTION = { NODE_ENV: 'production', AUTH_MODE: 'off', ALLOW_AUTH_OFF_IN_PRODUCTION: 'true' };

describe('CORS for browser clients such as the CDS Hooks Sandbox', () => {
  test('development without an allowlist: any origin is reflected, never "*"', async () => {
    const app = testService().app;
    const res = await request(app)
      .options('/cds-services/ctd-neuropathy-patient-view')
      .set('Origin', SANDBOX)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe(SANDBOX);
    expect(res.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(res.headers['access-control-allow-methods']).toMatch(/POST/);
    const get = await request(app).get('/cds-services').set('Origin', 'https://other.example').expect(200);
    expect(get.headers['access-control-allow-origin']).toBe('https://other.example');
  });

  test('with an allowlist: listed origins only', async () => {
    const app = testService({ ...PRODUCTION, CORS_ORIGINS: `${SANDBOX}, https://ehr.example.org` }).app;
    const allowed = await request(app).get('/cds-services').set('Origin', SANDBOX).expect(200);
    expect(allowed.headers['access-control-allow-origin']).toBe(SANDBOX);
    const refused = await request(app).get('/cds-services').set('Origin', 'https://evil.example').expect(200);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('production without an allowlist sends no CORS headers', async () => {
    const app = testService(PRODUCTION).app;
    const res = await request(app).get('/cds-services').set('Origin', SANDBOX).expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('"*" cannot be configured', () => {
    expect(() => testService({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
  });
});
