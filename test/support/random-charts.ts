import fc from 'fast-check';
import type { FhirResource } from 'fhir/r4';
import type { Knowledge } from '../../src/knowledge/load-knowledge.js';
import { ICD10CM } from '../../src/terminology/value-set.js';
import type { Chart } from './decision-models.js';
import { TODAY } from './service.js';

/**
 * Random charts for property tests: records of every type the mappings read, coded from the value sets' own codes
 * (a CTD and a neuropathy pattern more often than their share), with random statuses, results, dates and, on the
 * order hooks, draft orders and selections.
 */
export function randomChart(knowledge: Knowledge): fc.Arbitrary<Chart> {
  const SYSTEMS: Readonly<Record<string, string>> = { icd: ICD10CM };
  /** Every code of every value set (ICD-10-CM families by a code of the family), with its set. */
  const CODES = [...knowledge.codeIndex.sets.values()].flatMap((set) => [
    ...[...set.codes.keys()].map((key) => {
      const bar = key.lastIndexOf('|');
      return { set: set.id, system: key.slice(0, bar), code: key.slice(bar + 1) };
    }),
    ...set.icdPrefixes.map((prefix) => ({ set: set.id, system: SYSTEMS['icd'] ?? '', code: prefix })),
  ]);
  /** A code of a value set whose id starts with the prefix: the set first, so that small sets come up as often. */
  const codeOf = (prefix: string) => {
    const sets = [...new Set(CODES.map((c) => c.set).filter((set) => set.startsWith(prefix)))];
    return fc
      .constantFrom(...sets)
      .chain((set) => fc.constantFrom(...CODES.filter((c) => c.set === set)))
      .map(({ system, code }) => ({ coding: [{ system, code }] }));
  };
  const anyCode = fc.constantFrom(...CODES).map(({ system, code }) => ({ coding: [{ system, code }] }));
  /** Any concept, with the ones most rules start from (a CTD, a neuropathy pattern) more often than their share. */
  const concept = fc.oneof(
    { weight: 3, arbitrary: anyCode },
    { weight: 2, arbitrary: fc.oneof(codeOf('ctd-'), codeOf('vasculitis-')) },
    { weight: 2, arbitrary: codeOf('pattern-') },
    { weight: 1, arbitrary: fc.oneof(codeOf('lab-'), codeOf('med-'), codeOf('proc-'), codeOf('risk-')) }
  );
  const day = fc.integer({ min: -5, max: 900 }).map((ago) => {
    const date = new Date(Date.parse(`${TODAY}T00:00:00Z`) - ago * 86_400_000);
    return date.toISOString().slice(0, 10);
  });
  const status = (system: string, ...codes: string[]) =>
    fc.option(
      fc.constantFrom(...codes).map((code) => ({ coding: [{ system, code }] })),
      { nil: undefined }
    );
  const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
  const VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
  const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

  /** A record of any type the mappings read, coded from a random value set, with random statuses and results. */
  const record = fc
    .record({
      // Conditions most often: most facts are diagnoses.
      type: fc.oneof(
        { weight: 4, arbitrary: fc.constant('Condition') },
        {
          weight: 4,
          arbitrary: fc.constantFrom(
            'Observation',
            'MedicationRequest',
            'MedicationStatement',
            'Procedure',
            'ServiceRequest',
            'DiagnosticReport'
          ),
        }
      ),
      code: concept,
      reason: fc.option(anyCode, { nil: undefined }),
      bodySite: fc.option(codeOf('body-'), { nil: undefined }),
      severity: fc.option(codeOf('severity-'), { nil: undefined }),
      clinical: status(CLINICAL, 'active', 'resolved', 'remission', 'inactive'),
      verification: status(VERIFICATION, 'confirmed', 'provisional', 'refuted', 'differential'),
      status: fc.constantFrom('active', 'completed', 'final', 'stopped', 'draft', 'in-progress', 'entered-in-error'),
      value: fc.option(fc.double({ min: 0, max: 500, noNaN: true }), { nil: undefined }),
      interpretation: fc.option(fc.constantFrom('H', 'L', 'N', 'POS', 'NEG', 'A'), { nil: undefined }),
      absent: fc.boolean(),
      date: day,
    })
    .map((r): Record<string, unknown> => {
      const base = { resourceType: r.type, subject: { reference: 'Patient/p1' } };
      switch (r.type) {
        case 'Condition':
          return {
            ...base,
            code: r.code,
            ...(r.clinical === undefined ? {} : { clinicalStatus: r.clinical }),
            ...(r.verification === undefined ? {} : { verificationStatus: r.verification }),
            ...(r.bodySite === undefined ? {} : { bodySite: [r.bodySite] }),
            ...(r.severity === undefined ? {} : { severity: r.severity }),
            recordedDate: r.date,
          };
        case 'Observation':
          return {
            ...base,
            status: r.status === 'active' ? 'final' : r.status,
            code: r.code,
            effectiveDateTime: r.date,
            ...(r.absent ? { dataAbsentReason: { text: 'not done' } } : {}),
            ...(r.value === undefined ? {} : { valueQuantity: { value: r.value } }),
            ...(r.reason === undefined || r.value !== undefined ? {} : { valueCodeableConcept: r.reason }),
            ...(r.interpretation === undefined
              ? {}
              : { interpretation: [{ coding: [{ system: INTERPRETATION, code: r.interpretation }] }] }),
            ...(r.bodySite === undefined ? {} : { bodySite: r.bodySite }),
          };
        case 'MedicationRequest':
        case 'MedicationStatement':
          return {
            ...base,
            status: r.status,
            intent: 'order',
            medicationCodeableConcept: r.code,
            ...(r.reason === undefined ? {} : { reasonCode: [r.reason] }),
            [r.type === 'MedicationRequest' ? 'authoredOn' : 'effectiveDateTime']: r.date,
          };
        case 'DiagnosticReport':
          return {
            ...base,
            status: r.status,
            code: { text: 'Biopsy report' },
            conclusionCode: [r.code],
            effectiveDateTime: r.date,
          };
        default:
          return {
            ...base,
            status: r.status,
            intent: 'order',
            code: r.code,
            ...(r.reason === undefined ? {} : { reasonCode: [r.reason] }),
            [r.type === 'Procedure' ? 'performedDateTime' : 'authoredOn']: r.date,
          };
      }
    });

  /** A draft order of a hook: a medication or a service request, with or without a reason. */
  const draft = fc
    .record({ medication: fc.boolean(), code: anyCode, reason: fc.option(anyCode, { nil: undefined }) })
    .map(({ medication, code, reason }) => ({
      resourceType: medication ? 'MedicationRequest' : 'ServiceRequest',
      status: 'draft',
      intent: 'proposal',
      subject: { reference: 'Patient/p1' },
      ...(medication ? { medicationCodeableConcept: code } : { code }),
      ...(reason === undefined ? {} : { reasonCode: [reason] }),
    }));

  return fc
    .record({
      records: fc.array(record, { maxLength: 16 }),
      hook: fc.constantFrom('patient-view', 'order-select', 'order-sign'),
      drafts: fc.array(draft, { maxLength: 3 }),
      selected: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    })
    .map(({ records, hook, drafts, selected }): Chart => {
      const resources = records.map((r, i) => ({ ...r, id: `r${String(i)}` }) as unknown as FhirResource);
      if (hook === 'patient-view') {
        return { resources, today: TODAY, hook };
      }
      const orders = drafts.map((d, i) => ({ ...d, id: `d${String(i)}` }) as unknown as FhirResource);
      const selections = orders.filter((_, i) => selected[i]).map((o) => `${o.resourceType}/${String(o.id)}`);
      return { resources, today: TODAY, hook, drafts: orders, selections };
    });
}
