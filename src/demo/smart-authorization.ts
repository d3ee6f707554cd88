import { createHash } from 'node:crypto';
import express, { Router, type Request, type RequestHandler } from 'express';
import { CdsError } from '../errors.js';
import { grantedScope } from './smart-scope.js';
import { smartConfiguration } from './smart-configuration.js';
import { patientPicker } from './smart-patient-picker.js';
import type { SmartGrants } from './smart-grants.js';

/**
 * The demo FHIR server's authorization server for SMART App Launch 2.0 (development only; docs/smart-app.md):
 * - `GET /.well-known/smart-configuration` (SMART "Conformance");
 * - `POST /_services/smart/Launch`: an EHR creates a launch for a patient (and a card's appContext), answering
 *   `{launch_id}`, as the CDS Hooks Sandbox asks of its FHIR server before it opens a card's SMART link;
 * - `GET /auth/authorize`: grants the launch's patient (EHR launch) or the patient picked on a plain list
 *   (standalone launch) without a login page, and redirects with a code;
 * - `POST /auth/token`: exchanges the code for an access token after checking PKCE (RFC 7636, S256 only).
 * Redirect URIs must be on the service's own origin: the only app this demo authorizes is the one it serves.
 */
export interface SmartAuthorizationOptions {
  readonly grants: SmartGrants;
  /** The demo FHIR server's absolute base URL for this request (e.g. http://localhost:3000/fhir). */
  readonly fhirBase: (req: Request) => string;
  /** The demo patients, for the standalone picker and to refuse launches of unknown patients. */
  readonly patients: () => Promise<readonly { id: string; name: string; summary: string }[]>;
  /** The bearer check of the FHIR endpoints: an EHR, not an app, creates launches. */
  readonly authenticate: RequestHandler;
}

export function smartAuthorization(options: SmartAuthorizationOptions): Router {
  const router = Router();
  const knownPatient = async (id: unknown): Promise<string | undefined> =>
    typeof id === 'string' && (await options.patients()).some((p) => p.id === id) ? id : undefined;

  router.get('/.well-known/smart-configuration', (req, res) => {
    res.json(smartConfiguration(options.fhirBase(req)));
  });

  router.post('/_services/smart/Launch', options.authenticate, async (req, res) => {
    const body = req.body as { parameters?: { patient?: unknown; appContext?: unknown } } | undefined;
    const patient = await knownPatient(body?.parameters?.patient);
    if (patient === undefined) {
      throw new CdsError('invalid-request', [
        { message: 'parameters.patient must be the id of a demo patient.', expression: ['parameters.patient'] },
      ]);
    }
    const appContext = body?.parameters?.appContext;
    if (appContext !== undefined && (typeof appContext !== 'string' || appContext.length > 2000)) {
      throw new CdsError('invalid-request', [
        { message: 'parameters.appContext must be a string of at most 2000 characters.' },
      ]);
    }
    res.json({
      launch_id: options.grants.createLaunch({ patient, ...(appContext === undefined ? {} : { appContext }) }),
    });
  });

  router.get('/auth/authorize', async (req, res) => {
    const q = (name: string): string => (typeof req.query[name] === 'string' ? req.query[name] : '');
    const fhirBase = options.fhirBase(req);
    const clientId = q('client_id');
    const redirectUri = q('redirect_uri');
    // RFC 6749 section 4.1.2.1: with a missing or foreign redirect URI, tell the user; never redirect there.
    if (clientId === '' || !sameOrigin(redirectUri, fhirBase)) {
      throw new CdsError(
        'invalid-request',
        "The demo authorization server needs a client_id and a redirect_uri on this service's own origin."
      );
    }
    const fail = (error: string, description: string): void => {
      const to = new URL(redirectUri);
      to.searchParams.set('error', error);
      to.searchParams.set('error_description', description);
      if (q('state') !== '') {
        to.searchParams.set('state', q('state'));
      }
      res.redirect(303, to.href);
    };
    if (q('response_type') !== 'code') {
      fail('unsupported_response_type', 'response_type must be code');
      return;
    }
    if (q('aud').replace(/\/$/, '') !== fhirBase) {
      fail('invalid_request', `aud must be this FHIR server (${fhirBase})`);
      return;
    }
    if (q('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(q('code_challenge'))) {
      fail('invalid_request', 'PKCE is required: code_challenge_method=S256 with a code_challenge');
      return;
    }
    const launchId = q('launch');
    const launch = launchId === '' ? undefined : options.grants.launch(launchId);
    if (launchId !== '' && launch === undefined) {
      fail('invalid_request', 'the launch is unknown or has expired; launch the app again from the EHR');
      return;
    }
    const patient = launch?.patient ?? (await knownPatient(q('patient')));
    const scope = grantedScope(q('scope'), launch !== undefined);
    if (scope === undefined) {
      fail('invalid_scope', 'ask for patient-level read scopes (patient/*.rs or patient/*.read)');
      return;
    }
    if (patient === undefined) {
      // Standalone launch: the user picks a demo patient (a list, not a login).
      res
        .type('text/html')
        .set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
        .send(patientPicker(req.originalUrl, await options.patients()));
      return;
    }
    const code = options.grants.createCode({
      clientId,
      redirectUri,
      codeChallenge: q('code_challenge'),
      patient,
      scope,
      ...(launch?.appContext === undefined ? {} : { appContext: launch.appContext }),
    });
    const to = new URL(redirectUri);
    to.searchParams.set('code', code);
    if (q('state') !== '') {
      to.searchParams.set('state', q('state'));
    }
    res.redirect(303, to.href);
  });

  router.post('/auth/token', express.urlencoded({ extended: false, limit: '16kb' }), (req, res) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const f = (name: string): string => (typeof form[name] === 'string' ? form[name] : '');
    // RFC 6749 section 5.2: errors as {error, error_description}; never cached (section 5.1).
    res.set('Cache-Control', 'no-store').set('Pragma', 'no-cache');
    const refuse = (error: string, description: string): void => {
      res.status(400).json({ error, error_description: description });
    };
    if (f('grant_type') !== 'authorization_code') {
      refuse('unsupported_grant_type', 'grant_type must be authorization_code');
      return;
    }
    const pending = options.grants.redeemCode(f('code'));
    if (pending === undefined) {
      refuse('invalid_grant', 'the code is unknown, expired or already used');
      return;
    }
    if (pending.clientId !== f('client_id') || pending.redirectUri !== f('redirect_uri')) {
      refuse('invalid_grant', 'client_id and redirect_uri must be those of the authorization request');
      return;
    }
    if (s256(f('code_verifier')) !== pending.codeChallenge) {
      refuse('invalid_grant', 'the code_verifier does not match the code_challenge (PKCE)');
      return;
    }
    res.json({
      access_token: options.grants.createToken({
        clientId: pending.clientId,
        patient: pending.patient,
        scope: pending.scope,
      }),
      token_type: 'Bearer',
      expires_in: options.grants.tokenLifetimeSeconds,
      scope: pending.scope,
      patient: pending.patient,
      need_patient_banner: true,
      ...(pending.appContext === undefined ? {} : { appContext: pending.appContext }),
    });
  });
  return router;
}

function sameOrigin(uri: string, base: string): boolean {
  try {
    const url = new URL(uri);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === new URL(base).origin;
  } catch {
    return false;
  }
}

/** RFC 7636 section 4.2: BASE64URL(SHA256(ASCII(code_verifier))); a verifier is 43-128 unreserved characters. */
function s256(verifier: string): string | undefined {
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) {
    return undefined;
  }
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
