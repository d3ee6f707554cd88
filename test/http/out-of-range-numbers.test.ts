import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { expectCdsResponse, expectOutcome, fixture, testService } from '../support/service.js';

/**
 * Regression (found by the property tests): a number that JSON can write but a double cannot hold reached JSONata
 * as Infinity, and JSONata's D1001 "Number out of range" became a 500. Such data is now refused with a 400.
 */
const SIGN = '/cds-services/ctd-neuropathy-order-sign';
const VIEW = '/cds-services/ctd-neuropathy-patient-view';

/** Sends `body` with the string "MARKER" replaced by a raw JSON number literal. */
async function post(path: string, body: Record<string, unknown>, literal: string): Promise<request.Response> {
  const text = JSON.stringify(body).replace('"MARKER"', literal);
  expect(text).toContain(literal);
  return request(testService().app).post(path).set('Content-Type', 'application/json').send(text);
}

type Draft = Record<string, unknown> & { medicationCodeableConcept: Record<string, unknown> };
const draftOf = (body: Record<string, unknown>): Draft =>
  (body['context'] as { draftOrders: { entry: { resource: Draft }[] } }).draftOrders.entry[0]!.resource;

describe('numbers beyond the double range in request data', () => {
  test.each(['1e400', '-1e400'])('%s as a draft order medication text: 400, not 500', async (literal) => {
    const body = fixture('order-sign.ctd-diabetes-nitrofurantoin-text');
    draftOf(body).medicationCodeableConcept['text'] = 'MARKER';
    const res = await post(SIGN, body, literal);
    expect(res.status).toBe(400);
    expect(expectOutcome(res.body)).toMatch(/outside the range this service can compute with/);
  });

  test('a dose whose daily amount would overflow (a period of 5e-324 days) never becomes a 500', async () => {
    const body = fixture('order-sign.ctd-neuropathy-nitrofurantoin');
    draftOf(body)['dosageInstruction'] = [
      {
        timing: { repeat: { frequency: 1, period: 'MARKER', periodUnit: 'd' } },
        doseAndRate: [{ doseQuantity: { value: 100, unit: 'mg' } }],
      },
    ];
    const res = await post(SIGN, body, '5e-324');
    expect(res.status).toBeLessThan(500);
    if (res.status !== 200) {
      expectOutcome(res.body);
    }
  });

  test('an ordinary large number is still fine', async () => {
    const body = fixture('order-sign.ctd-diabetes-nitrofurantoin-text');
    draftOf(body).medicationCodeableConcept['text'] = 'MARKER';
    const res = await post(SIGN, body, '1e300');
    expectCdsResponse(res.body);
  });

  test('Infinity as a lab value in prefetch never becomes a 500', async () => {
    const body = fixture('patient-view.ctd-neuropathy-active-nitrofurantoin');
    (body['prefetch'] as Record<string, unknown>)['labs'] = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        {
          resource: {
            resourceType: 'Observation',
            id: 'b12',
            status: 'final',
            code: { coding: [{ system: 'http://loinc.org', code: '2132-9' }] },
            subject: { reference: 'Patient/pat-ctd-001' },
            effectiveDateTime: '2026-05-01',
            valueQuantity: { value: 'MARKER', unit: 'pg/mL' },
            referenceRange: [{ low: { value: 200 }, high: { value: 900 } }],
          },
        },
      ],
    };
    const res = await post(VIEW, body, '1e400');
    expect(res.status).toBeLessThan(500);
  });
});
