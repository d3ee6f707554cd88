import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DiscoveryResponse } from '../../src/cds-hooks/types.js';
import { callHook, demoExpectations, ruleIds, startDemoService, type RunningService } from '../support/demo.js';
import { expectCdsResponse } from '../support/service.js';

/**
 * What the CDS Hooks Sandbox does with the README's link (cds-hooks/sandbox: fhir-metadata-retrieval.js,
 * patient-retrieval.js, service-exchange.js), replayed over HTTP against `DEMO_FHIR_OPEN=true npm start`: from the
 * https page, with CORS, and without any token (it "only allows testing against an open endpoint of a FHIR
 * server"). It reads /metadata and the Patient, fills the prefetch templates itself (only {{context.patientId}}:
 * it leaves {{today() - N days}} as is, so those queries fail and the service fetches those keys), then calls the
 * service with fhirServer and no fhirAuthorization.
 */
const ORIGIN = 'https://sandbox.cds-hooks.org';
const PATIENT = 'sle-mononeuritis-multiplex';
let running: RunningService;

beforeAll(async () => {
  running = await startDemoService({ DEMO_FHIR_OPEN: 'true' });
});
afterAll(async () => {
  await running.close();
});

/** service-exchange.js: fills {{context.patientId}} only, then encodeURIComponent()s every query value. */
function sandboxPrefetchPath(template: string): string {
  const [type = '', query = ''] = template.replace(/\{\{\s*context\.patientId\s*\}\}/g, PATIENT).split('?');
  const values = [...new URLSearchParams(query)].map(([name, value]) => `${name}=${encodeURIComponent(value)}`);
  return `/fhir/${type}?${values.join('&')}`;
}

const sandboxGet = (path: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${running.base}${path}`, { headers: { Origin: ORIGIN, Accept: 'application/json+fhir', ...headers } });

describe('the CDS Hooks Sandbox against the open demo FHIR server', () => {
  test('CORS preflight from the Sandbox origin is allowed for the FHIR server and the services', async () => {
    for (const [path, method] of [
      [`/fhir/Patient/${PATIENT}`, 'GET'],
      ['/cds-services/ctd-neuropathy-patient-view', 'POST'],
    ] as const) {
      const res = await fetch(`${running.base}${path}`, {
        method: 'OPTIONS',
        headers: {
          Origin: ORIGIN,
          'Access-Control-Request-Method': method,
          'Access-Control-Request-Headers': 'accept,authorization,content-type',
        },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    }
  });

  test('metadata and the Patient are read without a token; a wrong token is still refused', async () => {
    const metadata = await sandboxGet('/fhir/metadata');
    expect(metadata.status).toBe(200);
    expect(metadata.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(((await metadata.json()) as { fhirVersion?: string }).fhirVersion).toBe('4.0.1');
    const patient = (await (await sandboxGet(`/fhir/Patient/${PATIENT}`)).json()) as { name?: { family?: string }[] };
    expect(patient.name?.[0]?.family).toBe('Okafor');
    const wrong = await sandboxGet(`/fhir/Patient/${PATIENT}`, { Authorization: 'Bearer guessed' });
    expect(wrong.status).toBe(401);
  });

  test('its prefetch and call give the cards of the demo patient', async () => {
    const discovery = (await (await fetch(`${running.base}/cds-services`)).json()) as DiscoveryResponse;
    const service = discovery.services.find((s) => s.hook === 'patient-view');
    const prefetch: Record<string, unknown> = {};
    const failed: string[] = [];
    for (const [key, template] of Object.entries(service?.prefetch ?? {})) {
      const res = await sandboxGet(sandboxPrefetchPath(template));
      if (res.ok) {
        prefetch[key] = await res.json();
      } else {
        failed.push(key);
      }
    }
    expect(failed.sort()).toEqual(['labs']); // the one template with {{today() - N days}}
    const { status, json } = await callHook(running.base, {
      hookInstance: '5f6c1c9a-8a43-4f57-b2a4-0d6f5b0e8b11',
      hook: 'patient-view',
      fhirServer: `${running.base}/fhir`,
      context: { patientId: PATIENT, userId: 'Practitioner/COREPRACTITIONER1' },
      prefetch,
    });
    expect(status, JSON.stringify(json)).toBe(200);
    expect(ruleIds(expectCdsResponse(json).cards)).toEqual(demoExpectations()[PATIENT]?.['patient-view']);
  });
});
