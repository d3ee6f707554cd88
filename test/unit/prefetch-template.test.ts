import { describe, expect, test } from 'vitest';
import { addDays, checkTemplate, substituteTemplate } from '../../src/cds-hooks/prefetch-template.js';

const context = {
  userId: 'PractitionerRole/role-9',
  patientId: 'p 1',
  encounterId: 'enc-1',
  draftOrders: {
    resourceType: 'Bundle',
    entry: [
      { resource: { resourceType: 'MedicationRequest', id: 'm1' } },
      { resource: { resourceType: 'ServiceRequest', id: 's1' } },
      { resource: { resourceType: 'MedicationRequest', id: 'm2' } },
    ],
  },
};

describe('prefetch tokens (spec "Prefetch tokens")', () => {
  test('context fields, URL-encoded', () => {
    expect(substituteTemplate('Patient/{{context.patientId}}', context, '2026-06-01')).toBe('Patient/p%201');
    expect(substituteTemplate('Encounter?_id={{ context.encounterId }}', context, '2026-06-01')).toBe(
      'Encounter?_id=enc-1'
    );
  });

  test('Simpler FHIRPath traversal with ofType gives a comma-separated list', () => {
    const template = 'MedicationRequest?_id={{context.draftOrders.entry.resource.ofType(MedicationRequest).id}}';
    expect(substituteTemplate(template, context, '2026-06-01')).toBe('MedicationRequest?_id=m1,m2');
  });

  test('user tokens are derived from context.userId', () => {
    expect(substituteTemplate('PractitionerRole/{{userPractitionerRoleId}}', context, '2026-06-01')).toBe(
      'PractitionerRole/role-9'
    );
    // The user is a PractitionerRole, so there is no Practitioner id: the query cannot be run.
    expect(substituteTemplate('Practitioner/{{userPractitionerId}}', context, '2026-06-01')).toBeUndefined();
    expect(substituteTemplate('Patient/{{userPatientId}}', { userId: 'Patient/abc' }, '2026-06-01')).toBe(
      'Patient/abc'
    );
    expect(
      substituteTemplate('RelatedPerson/{{userRelatedPersonId}}', { userId: 'RelatedPerson/r1' }, '2026-06-01')
    ).toBe('RelatedPerson/r1');
  });

  test('3.0-ballot relative dates: today() and today() +/- N days', () => {
    const template = 'Observation?date=gt{{today() - 90 days}}&date=lt{{today() + 365 days}}&d={{today()}}';
    expect(substituteTemplate(template, context, '2024-09-13')).toBe(
      'Observation?date=gt2024-06-15&date=lt2025-09-13&d=2024-09-13'
    );
  });

  test('a token with no value (no encounter) makes the query unusable', () => {
    expect(substituteTemplate('Encounter/{{context.encounterId}}', { patientId: 'p' }, '2026-06-01')).toBeUndefined();
  });

  test('unsupported tokens are refused when templates are checked at start-up', () => {
    expect(() => checkTemplate('Practitioner?_id={{%encounter.participant.individual.resolve().id}}')).toThrow(
      /unsupported/
    );
    expect(() => checkTemplate('X?a={{Patient.id}}')).toThrow(/unsupported/);
    expect(checkTemplate('Condition?patient={{context.patientId}}&date=ge{{today() - 30 days}}')).toEqual([
      'context.patientId',
      'today() - 30 days',
    ]);
  });

  test('date arithmetic crosses months and leap days', () => {
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
  });
});
