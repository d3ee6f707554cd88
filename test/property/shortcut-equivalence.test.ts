import fc from 'fast-check';
import type { FhirResource } from 'fhir/r4';
import { describe, expect, test } from 'vitest';
import type { DecisionModel } from '../../src/mapping/decision-model.js';
import type { DecisionModelMapping } from '../../src/mapping/map-decision-model.js';
import { decide } from '../../src/rules/decide.js';
import type { Rule } from '../../src/rules/rule.js';
import { ICD10CM } from '../../src/terminology/value-set.js';
import { demoCharts, fixtureCharts, mappingCaseCharts, modelOf, type Chart } from '../support/decision-models.js';
import { repositoryKnowledge, TODAY } from '../support/service.js';

/**
 * Property: the shortcuts never change an answer. A mapping whose concepts the chart lacks takes its declared empty
 * value, and a rule whose requirements are unmet is skipped; both without JSONata (mappings/decision-model.json
 * `concepts`, cards/<rule-id>.json `requires`). Over random charts built from the value sets' own codes, and over
 * every fixture, mapping case and demo patient, the decision model and the rules' outcomes must be exactly those of
 * evaluating every expression. A failure prints fast-check's seed and the shrunk chart. PROPERTY_RUNS_FACTOR=10
 * hunts longer.
 */
const runs = (n: number): number => n * Number(process.env['PROPERTY_RUNS_FACTOR'] ?? '1');

const knowledge = repositoryKnowledge();
/** The same mappings and rules without their declarations: every expression is evaluated. */
const fullMapping: DecisionModelMapping = {
  ...knowledge.mapping,
  fields: knowledge.mapping.fields.map((field) => {
    const full = { ...field };
    delete full.shortcut;
    return full;
  }),
};
const fullRules: Rule[] = knowledge.rules.map((rule) => ({ ...rule, requires: [] }));

test('the shortcuts are declared: the test below is not vacuous', () => {
  expect(knowledge.mapping.fields.filter((f) => f.shortcut !== undefined).length).toBeGreaterThan(10);
  expect(knowledge.rules.filter((r) => r.requires.length > 0).length).toBeGreaterThan(20);
});

async function outcomes(model: DecisionModel, rules: readonly Rule[]): Promise<unknown> {
  const result = await decide(
    model,
    rules.filter((r) => (r.template.hooks as readonly string[]).includes(model.hook)),
    { disabled: new Set(), values: knowledge.site.ruleValues, lookbacks: knowledge.site.lookbacks },
    { common: knowledge.ruleCommon, precedence: knowledge.precedence },
    (ruleId, error) => {
      throw new Error(`rule ${ruleId} failed: ${String(error)}`);
    }
  );
  return result.map((o) => ({ rule: o.rule.id, indicator: o.indicator, finding: o.finding }));
}

/** Shortcut and full evaluation of one chart, as JSON (what the cards and the SMART app are made of). */
async function bothWays(chart: Chart): Promise<{ shortcut: string; full: string }> {
  const short = await modelOf(chart);
  const full = await modelOf(chart, fullMapping);
  return {
    shortcut: JSON.stringify({ model: short, outcomes: await outcomes(short, knowledge.rules) }),
    full: JSON.stringify({ model: full, outcomes: await outcomes(full, fullRules) }),
  };
}

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

const chart = fc
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

describe('shortcut and full evaluation give the same decision model and the same cards', () => {
  test(
    'on random charts of the value sets own codes',
    async () => {
      let fired = 0;
      await fc.assert(
        fc.asyncProperty(chart, async (c) => {
          const { shortcut, full } = await bothWays(c);
          expect(shortcut).toBe(full);
          fired += shortcut.includes('"rule":') ? 1 : 0;
        }),
        { numRuns: runs(300) }
      );
      // Not vacuous: random charts do fire rules, so the comparison covers evaluated conditions too.
      expect(fired).toBeGreaterThan(runs(10));
    },
    runs(30_000)
  );

  test.each([
    ['request fixture', fixtureCharts],
    ['mapping case', mappingCaseCharts],
    ['demo patient', () => demoCharts(TODAY)],
  ])('on every %s', async (_kind, charts) => {
    for (const { name, chart: c } of charts()) {
      const { shortcut, full } = await bothWays(c);
      expect(shortcut, name).toBe(full);
    }
  });
});
