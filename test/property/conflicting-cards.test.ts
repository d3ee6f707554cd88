import fc from 'fast-check';
import type { FhirResource } from 'fhir/r4';
import { describe, expect, test } from 'vitest';
import type { DecisionModel, Evidence } from '../../src/mapping/decision-model.js';
import { conflictsIn, firedWithoutSafetyNet } from '../support/conflicts.js';
import { modelOf } from '../support/decision-models.js';
import { TODAY } from '../support/service.js';

/**
 * Property (issue 13): the conflicting pairs of cards/precedence.json never fire together, whatever the chart - by
 * the rule conditions alone, without the engine's safety net. Two generators: random charts of FHIR resources
 * through the real map stage (realistic combinations), and random decision models (any combination of the facts the
 * conditions read, including ones the mappings never produce). A failure prints fast-check's seed and the shrunk
 * input. PROPERTY_RUNS_FACTOR=10 hunts longer.
 */
const runs = (n: number): number => n * Number(process.env['PROPERTY_RUNS_FACTOR'] ?? '1');

const SCT = 'http://snomed.info/sct';
const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
const RX = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const CPT = 'http://www.ama-assn.org/go/cpt';
const coded = (system: string, code: string, display: string) => ({
  coding: [{ system, code, display }],
  text: display,
});

const condition = (id: string, [system, code, display]: readonly [string, string, string], verification: string) =>
  ({
    resourceType: 'Condition',
    id,
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
    },
    verificationStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: verification }],
    },
    code: coded(system, code, display),
    subject: { reference: 'Patient/p1' },
    recordedDate: '2026-05-01',
  }) as FhirResource;

const DIAGNOSES = {
  sle: [SCT, '55464009', 'Systemic lupus erythematosus'],
  pan: [SCT, '155441006', 'Polyarteritis nodosa'],
  gpa: [SCT, '195353004', 'Granulomatosis with polyangiitis'],
  ra: [ICD, 'M05.79', 'Rheumatoid arthritis with rheumatoid factor of multiple sites'],
  mononeuritis: [SCT, '30292005', 'Mononeuritis multiplex'],
  polyneuropathy: [ICD, 'G62.9', 'Polyneuropathy, unspecified'],
  footDrop: [ICD, 'M21.371', 'Foot drop, right foot'],
  nephritis: [ICD, 'M32.14', 'Glomerular disease in systemic lupus erythematosus'],
  radiculopathy: [ICD, 'M54.16', 'Radiculopathy, lumbar region'],
} as const;
const DRUGS = {
  mycophenolate: ['200060', 'mycophenolate mofetil 500 MG Oral Tablet'],
  cyclophosphamide: ['1734919', 'cyclophosphamide 1000 MG Injection'],
  rituximab: ['1657867', '50 ML rituximab 10 MG/ML Injection'],
  prednisone: ['198145', 'prednisone 10 MG Oral Tablet'],
} as const;

const diagnosis = fc.record({
  key: fc.constantFrom(...(Object.keys(DIAGNOSES) as (keyof typeof DIAGNOSES)[])),
  verification: fc.constantFrom('confirmed', 'provisional', 'differential'),
});
const drug = fc.record({
  key: fc.constantFrom(...(Object.keys(DRUGS) as (keyof typeof DRUGS)[])),
  reason: fc.constantFrom('none', 'nephritis-reference', 'pan-reference', 'vasculitis-text', 'other-text'),
});

/** A random chart: diagnoses, drugs with or without a recorded reason, a biopsy and its result, recent studies. */
const chart = fc
  .record({
    diagnoses: fc.uniqueArray(diagnosis, { selector: (d) => d.key, maxLength: 6 }),
    drugs: fc.uniqueArray(drug, { selector: (d) => d.key, maxLength: 4 }),
    biopsy: fc.constantFrom('none', 'done', 'vasculitis', 'no-vasculitis'),
    studies: fc.constantFrom('none', 'recent', 'old'),
    monofilament: fc.boolean(),
  })
  .map(({ diagnoses, drugs, biopsy, studies, monofilament }) => {
    const resources: FhirResource[] = diagnoses.map((d, i) =>
      condition(`c${String(i)}-${d.key}`, DIAGNOSES[d.key], d.verification)
    );
    const referenceTo = (key: string): string | undefined =>
      resources.find((r) => r.id?.endsWith(`-${key}`))?.id?.replace(/^/, 'Condition/');
    drugs.forEach((d, i) => {
      const [code, display] = DRUGS[d.key];
      const target = d.reason === 'nephritis-reference' ? referenceTo('nephritis') : referenceTo('pan');
      resources.push({
        resourceType: 'MedicationRequest',
        id: `m${String(i)}`,
        status: 'active',
        intent: 'order',
        medicationCodeableConcept: coded(RX, code, display),
        subject: { reference: 'Patient/p1' },
        authoredOn: '2026-05-10',
        ...(d.reason === 'vasculitis-text' ? { reasonCode: [{ text: 'Vasculitic neuropathy' }] } : {}),
        ...(d.reason === 'other-text' ? { reasonCode: [{ text: 'Membranous nephropathy' }] } : {}),
        ...(d.reason.endsWith('reference')
          ? { reasonReference: [{ reference: target ?? 'Condition/elsewhere' }] }
          : {}),
      });
    });
    const procedure = (id: string, code: string, display: string, date: string): FhirResource => ({
      resourceType: 'Procedure',
      id,
      status: 'completed',
      code: coded(CPT, code, display),
      subject: { reference: 'Patient/p1' },
      performedDateTime: `${date}T10:00:00Z`,
    });
    if (biopsy !== 'none') {
      resources.push(procedure('nerve-biopsy', '64795', 'Biopsy of Nerve', '2026-04-20'));
    }
    if (biopsy === 'vasculitis' || biopsy === 'no-vasculitis') {
      resources.push({
        resourceType: 'Observation',
        id: 'biopsy-result',
        status: 'final',
        code: coded(SCT, '31996006', 'Vasculitis'),
        subject: { reference: 'Patient/p1' },
        effectiveDateTime: '2026-04-27T12:00:00Z',
        valueBoolean: biopsy === 'vasculitis',
      });
    }
    if (studies !== 'none') {
      const date = studies === 'recent' ? '2026-05-15' : '2025-01-15';
      resources.push(procedure('emg', '95860', 'Muscle Test (EMG),1 Limb', date));
    }
    if (monofilament) {
      resources.push(procedure('monofilament', '2028F', 'Foot Exam Performed', '2026-03-01'));
    }
    return resources;
  });

const evidence = (n: number): Evidence => ({ reference: `Condition/c${String(n)}`, display: `record ${String(n)}` });
const status = fc.constantFrom('confirmed' as const, 'suspected' as const);

/** A random decision model: any combination of the facts the conflicting rules read. */
const model = fc
  .record({
    ctd: fc.array(
      fc.record({
        concept: fc.constantFrom('ctd-sle', 'ctd-rheumatoid-arthritis', 'vasculitis-pan', 'vasculitis-gpa'),
        status,
      }),
      { maxLength: 3 }
    ),
    findings: fc.array(
      fc.record({ pattern: fc.constantFrom('multifocal', 'symmetric', 'mononeuropathy', 'numbnessOnly'), status }),
      { maxLength: 3 }
    ),
    biopsy: fc.constantFrom('none', 'pending', 'vasculitis', 'noVasculitis'),
    flags: fc.record({
      suspected: fc.boolean(),
      neuropathySuspected: fc.boolean(),
      neuropathyProven: fc.boolean(),
      severe: fc.boolean(),
      treated: fc.boolean(),
    }),
    meds: fc.array(
      fc.record({
        concept: fc.constantFrom('med-cyclophosphamide', 'med-mycophenolate', 'med-rituximab', 'med-prednisone'),
        hasReason: fc.boolean(),
        reasons: fc.subarray(['ctd-sle', 'vasculitis-pan', 'pattern-multifocal', 'reason-vasculitis-or-neuropathy']),
        reasonReferences: fc.subarray(['Condition/c0', 'Condition/c1', 'Condition/elsewhere']),
      }),
      { maxLength: 3 }
    ),
    procedures: fc.subarray(['proc-ncs', 'proc-emg', 'proc-monofilament']),
  })
  .map(({ ctd, findings, biopsy, flags, meds, procedures }): DecisionModel => {
    const patterns = [...new Set(findings.map((f) => f.pattern))];
    return {
      patientId: 'p1',
      today: TODAY,
      hook: 'patient-view',
      ctd: ctd.map((c, i) => ({
        ...c,
        label: c.concept,
        vasculitis: c.concept.startsWith('vasculitis-'),
        evidence: evidence(i),
      })),
      autoimmuneSerologyPositive: [],
      neuropathy: {
        patterns,
        findings: findings.map((f, i) => ({ ...f, evidence: evidence(10 + i) })),
        numbness: [],
        digitalNumbness: [],
        motor: [],
        severe: flags.severe,
        severity: [],
        any: findings.length > 0,
        guillainBarre: [],
        cidp: [],
        neuropathicPain: [],
        radiculopathy: [],
        sensoryAtaxia: [],
      },
      handSymptoms: [],
      biopsy: { status: biopsy, evidence: biopsy === 'none' ? [] : [evidence(20)] },
      vasculitis: { ...flags, evidence: [] },
      myelopathy: [],
      riskFactors: [],
      meds: meds.map((m, i) => ({
        ...m,
        label: m.concept,
        glucocorticoid: m.concept === 'med-prednisone',
        immunosuppressant: m.concept !== 'med-prednisone',
        evidence: { reference: `MedicationRequest/m${String(i)}`, display: m.concept },
      })),
      labs: [],
      procedures: procedures.map((concept) => ({
        concept,
        label: concept,
        date: '2026-05-01',
        ageDays: 31,
        evidence: { reference: `Procedure/${concept}`, display: concept },
      })),
      orders: [],
      systemicSymptoms: [],
      plasmaExchangeIndications: [],
      draftOrders: [],
      unavailable: [],
      incomplete: {},
    };
  });

describe('conflicting cards never fire together (property)', () => {
  test('on random charts, through the real map stage', async () => {
    await fc.assert(
      fc.asyncProperty(chart, async (resources) => {
        const fired = await firedWithoutSafetyNet(await modelOf({ resources, today: TODAY, hook: 'patient-view' }));
        expect(conflictsIn(fired)).toEqual([]);
      }),
      { numRuns: runs(150) }
    );
  });

  test('on random decision models, including combinations the mappings never produce', async () => {
    await fc.assert(
      fc.asyncProperty(model, async (decisionModel) => {
        expect(conflictsIn(await firedWithoutSafetyNet(decisionModel))).toEqual([]);
      }),
      { numRuns: runs(300) }
    );
  });
});
