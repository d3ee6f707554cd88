import type { Coding, FhirResource } from 'fhir/r4';
import { describe, expect, test } from 'vitest';
import { NO_SYSTEM, unrecognisedCodes } from '../../src/cohort/unrecognised-codes.js';
import { repositoryKnowledge } from '../support/service.js';

const SNOMED = 'http://snomed.info/sct';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
/** A site's local code system (Epic-style OID); its codes are the site's own, unknown to the service. */
const LOCAL = 'urn:oid:1.2.840.114350.1.13.999.2.7.2.696580';

const condition = (id: string, ...coding: Coding[]): FhirResource => ({
  resourceType: 'Condition',
  id,
  subject: { reference: 'Patient/p' },
  code: { coding },
});

describe('codes the service did not recognise', () => {
  const index = repositoryKnowledge().codeIndex;

  test('a local code is listed with its system, display and number of records', () => {
    const found = unrecognisedCodes(
      [
        condition('c1', { system: LOCAL, code: 'DX-1001', display: 'Lupus, local' }),
        condition('c2', { system: LOCAL, code: 'DX-1001', display: 'Lupus (local)' }),
        condition('c3', { code: 'X9' }),
      ],
      index
    );
    expect(found).toEqual([
      { kind: 'Condition', system: LOCAL, code: 'DX-1001', display: 'Lupus (local)', records: 2 },
      { kind: 'Condition', system: NO_SYSTEM, code: 'X9', display: '', records: 1 },
    ]);
  });

  test('a concept with one recognised coding is recognised: its other codings are not listed', () => {
    const sle = { system: SNOMED, code: '55464009', display: 'Systemic lupus erythematosus' };
    expect(unrecognisedCodes([condition('c1', sle, { system: LOCAL, code: 'DX-1001' })], index)).toEqual([]);
    expect(unrecognisedCodes([condition('c1', sle)], index)).toEqual([]);
  });

  test('medications: inline, and through a Medication resource; other resource types are not looked at', () => {
    const found = unrecognisedCodes(
      [
        {
          resourceType: 'MedicationRequest',
          id: 'mr1',
          status: 'active',
          intent: 'order',
          subject: { reference: 'Patient/p' },
          medicationReference: { reference: 'Medication/m1' },
        },
        {
          resourceType: 'Medication',
          id: 'm1',
          code: { coding: [{ system: LOCAL, code: 'RX-77', display: 'Local tab' }] },
        },
        {
          resourceType: 'MedicationStatement',
          id: 'ms1',
          status: 'active',
          subject: { reference: 'Patient/p' },
          medicationCodeableConcept: { coding: [{ system: RXNORM, code: '0000000', display: 'not a real RxCUI' }] },
        },
        {
          resourceType: 'Procedure',
          id: 'pr1',
          status: 'completed',
          subject: { reference: 'Patient/p' },
          code: { coding: [{ system: LOCAL, code: 'PR-1' }] },
        },
      ] as FhirResource[],
      index
    );
    expect(found.map((f) => [f.kind, f.code])).toEqual([
      ['medication', 'RX-77'],
      ['medication', '0000000'],
    ]);
  });
});
