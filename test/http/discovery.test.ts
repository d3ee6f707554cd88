import request from 'supertest';
import { beforeAll, describe, expect, test } from 'vitest';
import type { ComposedService } from '../../src/compose.js';
import type { DiscoveryResponse } from '../../src/cds-hooks/types.js';
import { expectDiscovery, expectOutcome, testService } from '../support/service.js';

let service: ComposedService;
beforeAll(() => {
  service = testService();
});

describe('GET /cds-services (spec "Discovery")', () => {
  test('lists one service per hook, each with title, description, usageRequirements and prefetch', async () => {
    const res = await request(service.app).get('/cds-services').expect(200).expect('Content-Type', /json/);
    expectDiscovery(res.body);
    const { services } = res.body as DiscoveryResponse;
    expect(services.map((s) => s.hook).sort()).toEqual(['order-select', 'order-sign', 'patient-view']);
    for (const s of services) {
      expect(s.title).toBeTruthy();
      expect(s.description.length).toBeGreaterThan(40);
      expect(s.usageRequirements).toBeTruthy();
      expect(s.hookVersion).toBe('1.0');
      expect(Object.keys(s.prefetch ?? {}).length).toBeGreaterThan(3);
    }
  });

  test('prefetch templates are narrow: every search is filtered by patient and by code, status or date', async () => {
    const { services } = (await request(service.app).get('/cds-services')).body as DiscoveryResponse;
    for (const s of services) {
      for (const [key, template] of Object.entries(s.prefetch ?? {})) {
        expect(template, key).toMatch(/patient=\{\{context\.patientId\}\}/);
        // Conditions are the exception: a code filter cannot express ICD-10-CM families, and a status
        // filter would drop encounter diagnoses recorded without clinicalStatus, which the mapping counts.
        if (key !== 'conditions') {
          expect(template, key).toMatch(/[?&](code|conclusion|status|clinical-status)=/);
        }
      }
    }
  });

  test('code-filtered templates use token equality with system|code, and look-backs become date filters', async () => {
    const { services } = (await request(service.app).get('/cds-services')).body as DiscoveryResponse;
    const patientView = services.find((s) => s.hook === 'patient-view');
    const labs = patientView?.prefetch?.['labs'] ?? '';
    expect(labs).toContain('http://loinc.org|2132-9'); // vitamin B12
    expect(labs).toContain('date=ge{{today() - 365 days}}'); // longest lab look-back (B12, TSH, HbA1c, HCV)
    expect(patientView?.prefetch?.['conditions']).not.toContain('clinical-status');
    expect(patientView?.prefetch?.['medications']).toContain('_include=MedicationRequest:medication');
  });

  test('other methods get 405 with an Allow header and an OperationOutcome', async () => {
    const res = await request(service.app).post('/cds-services').send({}).expect(405);
    expect(res.headers['allow']).toBe('GET');
    expectOutcome(res.body);
  });

  test('private configuration never leaks into discovery', async () => {
    const res = await request(service.app).get('/cds-services');
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('valueSets');
    expect(text).not.toContain('dateFromLookback');
    expect(text).not.toContain('"required"');
  });
});
