import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_DEMO_FHIR_TOKEN } from '../../src/config.js';
import { startDemoService, type RunningService } from '../support/demo.js';
import { expectOutcome } from '../support/service.js';
import { authorizeUrl, createLaunch, exchangeCode, launchAndToken, pkce } from '../support/smart-flow.js';

/**
 * The demo FHIR server's SMART authorization server (src/demo/smart-*.ts; SMART App Launch 2.0, RFC 6749, RFC 7636):
 * discovery, launches, authorization with PKCE, tokens limited to one patient, and never in production.
 */
let dev: RunningService;
let production: RunningService;

beforeAll(async () => {
  [dev, production] = await Promise.all([
    startDemoService({ NODE_ENV: 'development' }),
    startDemoService({
      NODE_ENV: 'production',
      DEMO_FHIR_TOKEN: 'production-demo-token-123',
      AUTH_MODE: 'off',
      ALLOW_AUTH_OFF_IN_PRODUCTION: 'true',
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([dev.close(), production.close()]);
});

const PATIENT = 'sle-mononeuritis-multiplex';
const DEMO_AUTH = { Authorization: `Bearer ${DEFAULT_DEMO_FHIR_TOKEN}` };
const OTHER = 'ra-polyneuropathy';

async function authorize(url: string): Promise<{ status: number; location: URL | undefined; text: string }> {
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  return { status: res.status, location: location === null ? undefined : new URL(location), text: await res.text() };
}

describe('discovery', () => {
  test('.well-known/smart-configuration names the endpoints, PKCE S256 and the v1 and v2 permissions', async () => {
    const res = await fetch(`${dev.base}/fhir/.well-known/smart-configuration`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      authorization_endpoint: `${dev.base}/fhir/auth/authorize`,
      token_endpoint: `${dev.base}/fhir/auth/token`,
      code_challenge_methods_supported: ['S256'],
    });
    expect(body['capabilities']).toEqual(
      expect.arrayContaining(['launch-ehr', 'launch-standalone', 'client-public', 'permission-v1', 'permission-v2'])
    );
    const metadata = (await (await fetch(`${dev.base}/fhir/metadata`)).json()) as {
      rest: { security: { extension: { extension: { url: string; valueUri: string }[] }[] } }[];
    };
    expect(metadata.rest[0]?.security.extension[0]?.extension).toContainEqual({
      url: 'token',
      valueUri: `${dev.base}/fhir/auth/token`,
    });
  });

  test("what the SMART App Launcher asks during a launch: the demo clinician (a summary), a patient's encounters", async () => {
    const practitioners = (await (
      await fetch(`${dev.base}/fhir/Practitioner?_count=10&_summary=true&_sort=given`, { headers: DEMO_AUTH })
    ).json()) as { entry?: { resource: { id: string } }[] };
    expect(practitioners.entry?.map((e) => e.resource.id)).toEqual(['prac-neuro-01']);
    const encounters = (await (
      await fetch(`${dev.base}/fhir/Encounter?_count=10&patient=${PATIENT}&_sort:desc=date`, { headers: DEMO_AUTH })
    ).json()) as { resourceType: string; total: number; entry?: { resource: { id: string; status: string } }[] };
    // Each demo patient has one current clinic visit, so the launcher's encounter picker has one to offer.
    expect(encounters).toMatchObject({ resourceType: 'Bundle', total: 1 });
    expect(encounters.entry?.map((e) => [e.resource.id, e.resource.status])).toEqual([
      [`${PATIENT}-enc-clinic`, 'in-progress'],
    ]);
  });

  test('production mode never serves the SMART endpoints, even with the demo FHIR server on', async () => {
    for (const path of ['/fhir/.well-known/smart-configuration', '/fhir/auth/authorize?client_id=x']) {
      const res = await fetch(`${production.base}${path}`);
      expect(res.status, path).toBe(401);
    }
    const token = await fetch(`${production.base}/fhir/auth/token`, { method: 'POST' });
    expect(token.status).toBe(401);
  });
});

describe('EHR launch: launch, authorize, token', () => {
  test('the launch patient and the card appContext reach the token response; only patient read scopes are granted', async () => {
    const token = await launchAndToken(dev.base, PATIENT, '{"rule":"neuropathy-workup-labs"}');
    expect(token).toMatchObject({
      token_type: 'Bearer',
      patient: PATIENT,
      scope: 'launch patient/*.rs',
      need_patient_banner: true,
      appContext: '{"rule":"neuropathy-workup-labs"}',
    });
    expect(typeof token['access_token']).toBe('string');
  });

  test('the token reads its patient only: other patients are refused with 403, never answered', async () => {
    const token = String((await launchAndToken(dev.base, PATIENT))['access_token']);
    const get = (path: string) => fetch(`${dev.base}/fhir/${path}`, { headers: { Authorization: `Bearer ${token}` } });
    expect((await get(`Patient/${PATIENT}`)).status).toBe(200);
    expect((await get(`Condition?patient=${PATIENT}`)).status).toBe(200);
    expect((await get(`Condition?subject=Patient/${PATIENT}`)).status).toBe(200);
    for (const path of [
      `Patient/${OTHER}`,
      `Condition?patient=${OTHER}`,
      `Condition?patient=${PATIENT},${OTHER}`,
      'Condition?clinical-status=active',
      `Condition/${OTHER}-cond-ra`,
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(403);
      expectOutcome(await res.json());
    }
  });

  test('a launch of an unknown patient, or without the demo token, is refused', async () => {
    await expect(createLaunch(dev.base, 'no-such-patient')).rejects.toThrow(/^launch: 400/);
    const res = await fetch(`${dev.base}/fhir/_services/smart/Launch`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ parameters: { patient: PATIENT } }),
    });
    expect(res.status).toBe(401);
  });
});

describe('authorize refuses what SMART and OAuth refuse', () => {
  test('a redirect_uri on another origin is never redirected to', async () => {
    const { challenge } = pkce();
    const launch = await createLaunch(dev.base, PATIENT);
    const res = await authorize(authorizeUrl(dev.base, { launch, challenge, redirectUri: 'https://evil.example/cb' }));
    expect(res.status).toBe(400);
    expect(res.location).toBeUndefined();
  });

  test.each([
    ['without PKCE', { challenge: undefined }, 'invalid_request'],
    ['with another aud', { aud: 'https://other.example/fhir' }, 'invalid_request'],
    ['without a patient read scope', { scope: 'launch openid fhirUser user/*.rs' }, 'invalid_scope'],
    ['with an unknown launch', { launch: 'forged' }, 'invalid_request'],
  ])('%s: back to the app with an error and the state', async (_name, options, error) => {
    const launch = await createLaunch(dev.base, PATIENT);
    const res = await authorize(authorizeUrl(dev.base, { launch, challenge: pkce().challenge, ...options }));
    expect(res.status).toBe(303);
    expect(`${res.location?.origin ?? ''}${res.location?.pathname ?? ''}`).toBe(`${dev.base}/smart/`);
    expect(res.location?.searchParams.get('error')).toBe(error);
    expect(res.location?.searchParams.get('state')).toBe('state-1');
    expect(res.location?.searchParams.has('code')).toBe(false);
  });

  test('standalone launch: a list of the demo patients, each link granting that patient', async () => {
    const { verifier, challenge } = pkce();
    const url = authorizeUrl(dev.base, { challenge, scope: 'launch/patient openid fhirUser patient/*.read' });
    const picker = await authorize(url);
    expect(picker.status).toBe(200);
    expect(picker.text).toContain('Choose a demo patient');
    const href = /href="([^"]*patient=ra-polyneuropathy)"/.exec(picker.text)?.[1]?.replace(/&amp;/g, '&');
    expect(href).toBeDefined();
    const chosen = await authorize(`${dev.base}${href ?? ''}`);
    const code = chosen.location?.searchParams.get('code') ?? '';
    const token = await exchangeCode(dev.base, code, verifier);
    expect(token.json).toMatchObject({ patient: OTHER, scope: 'launch/patient patient/*.read' });
  });
});

describe('the token endpoint checks PKCE and uses each code once', () => {
  async function code(): Promise<{ code: string; verifier: string }> {
    const { verifier, challenge } = pkce();
    const launch = await createLaunch(dev.base, PATIENT);
    const res = await authorize(authorizeUrl(dev.base, { launch, challenge }));
    return { code: res.location?.searchParams.get('code') ?? '', verifier };
  }

  test('a wrong code_verifier is refused, and the code is then spent', async () => {
    const issued = await code();
    const wrong = await exchangeCode(dev.base, issued.code, pkce().verifier);
    expect(wrong).toEqual({
      status: 400,
      json: { error: 'invalid_grant', error_description: expect.stringContaining('PKCE') as unknown },
    });
    const again = await exchangeCode(dev.base, issued.code, issued.verifier);
    expect(again.json['error']).toBe('invalid_grant');
  });

  test('a code is good once; another redirect_uri is refused', async () => {
    const issued = await code();
    expect((await exchangeCode(dev.base, issued.code, issued.verifier)).status).toBe(200);
    expect((await exchangeCode(dev.base, issued.code, issued.verifier)).json['error']).toBe('invalid_grant');
    const other = await code();
    const res = await exchangeCode(dev.base, other.code, other.verifier, `${dev.base}/smart/other`);
    expect(res.json['error']).toBe('invalid_grant');
  });
});
