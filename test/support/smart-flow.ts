import { createHash, randomBytes } from 'node:crypto';
import { DEFAULT_DEMO_FHIR_TOKEN } from '../../src/config.js';

/**
 * The SMART App Launch 2.0 steps against the demo FHIR server's authorization server (src/demo/smart-*.ts), done
 * over HTTP as an EHR and the app would do them: the EHR creates a launch, the app authorizes with PKCE, exchanges
 * the code, reads the patient's data with its token and posts it to the service's app API.
 */
export interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
}

export function pkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** POST /fhir/_services/smart/Launch as the CDS Hooks Sandbox does; the launch id. */
export async function createLaunch(base: string, patient: string, appContext?: string): Promise<string> {
  const res = await fetch(`${base}/fhir/_services/smart/Launch`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${DEFAULT_DEMO_FHIR_TOKEN}` },
    body: JSON.stringify({
      launchUrl: `${base}/smart/launch`,
      parameters: { patient, ...(appContext === undefined ? {} : { appContext }) },
    }),
  });
  if (res.status !== 200) {
    throw new Error(`launch: ${String(res.status)} ${await res.text()}`);
  }
  return ((await res.json()) as { launch_id: string }).launch_id;
}

export interface AuthorizeOptions {
  readonly launch?: string | undefined;
  readonly patient?: string | undefined;
  readonly scope?: string | undefined;
  readonly redirectUri?: string | undefined;
  readonly challenge?: string | undefined;
  readonly aud?: string | undefined;
}

/** The authorize request's URL, as fhirclient builds it. */
export function authorizeUrl(base: string, options: AuthorizeOptions): string {
  const url = new URL(`${base}/fhir/auth/authorize`);
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: 'ctd-neuropathy-cds',
    scope: options.scope ?? 'launch openid fhirUser patient/*.rs',
    redirect_uri: options.redirectUri ?? `${base}/smart/`,
    aud: options.aud ?? `${base}/fhir`,
    state: 'state-1',
    code_challenge: options.challenge,
    code_challenge_method: options.challenge === undefined ? undefined : 'S256',
    launch: options.launch,
    patient: options.patient,
  };
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) {
      url.searchParams.set(name, value);
    }
  }
  return url.href;
}

export async function exchangeCode(
  base: string,
  code: string,
  verifier: string,
  redirectUri = `${base}/smart/`
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}/fhir/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: 'ctd-neuropathy-cds',
      code_verifier: verifier,
    }).toString(),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Launch, authorize and token for one patient: the token response. */
export async function launchAndToken(
  base: string,
  patient: string,
  appContext?: string
): Promise<Record<string, unknown>> {
  const launch = await createLaunch(base, patient, appContext);
  const { verifier, challenge } = pkce();
  const res = await fetch(authorizeUrl(base, { launch, challenge }), { redirect: 'manual' });
  const code = new URL(res.headers.get('location') ?? '').searchParams.get('code');
  if (res.status !== 303 || code === null) {
    throw new Error(`authorize: ${String(res.status)} ${res.headers.get('location') ?? ''}`);
  }
  const token = await exchangeCode(base, code, verifier);
  if (token.status !== 200) {
    throw new Error(`token: ${JSON.stringify(token.json)}`);
  }
  return token.json;
}

/** What the app posts: every query of GET /smart/api/queries, read with the token, all pages, as Bundles. */
export async function readChart(base: string, patient: string, accessToken: string): Promise<Record<string, unknown>> {
  const { queries } = (await (await fetch(`${base}/smart/api/queries?patient=${patient}`)).json()) as {
    queries: Record<string, string>;
  };
  const prefetch: Record<string, unknown> = {};
  for (const [key, query] of Object.entries(queries)) {
    const entry: unknown[] = [];
    let url: string | undefined = `${base}/fhir/${query}`;
    while (url !== undefined) {
      const res = await fetch(url, { headers: { Authorization: `Bearer ${accessToken}` } });
      if (res.status !== 200) {
        throw new Error(`${key}: ${String(res.status)} ${await res.text()}`);
      }
      const page = (await res.json()) as { entry?: unknown[]; link?: { relation: string; url: string }[] };
      entry.push(...(page.entry ?? []).map((e) => ({ resource: (e as { resource: unknown }).resource })));
      url = page.link?.find((l) => l.relation === 'next')?.url;
    }
    prefetch[key] = { resourceType: 'Bundle', type: 'searchset', entry };
  }
  return prefetch;
}

export async function evaluateChart(base: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${base}/smart/api/evaluate`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}
