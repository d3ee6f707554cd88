/**
 * Deterministic synthetic CDS Hooks requests of any size for benchmarks, shaped like real prefetch: most resources
 * are unrelated to neuropathy (local-coded labs, vitals, problems, medications), about a fifth carry codes of the
 * service's value sets (a CTD, a polyneuropathy, repeated B12/TSH/HbA1c/ESR/CRP results, metformin, weight).
 * Unrelated data uses an example local code system, so no clinical code is made up. Each resource is ~1 KB, with
 * narrative, identifiers and meta, as in EHR output.
 */
const SCT = 'http://snomed.info/sct';
const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
const LOINC = 'http://loinc.org';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const LOCAL = 'http://example.org/fhir/CodeSystem/local-codes';

type Resource = Record<string, unknown>;

/** mulberry32: a tiny seeded PRNG, so the same N gives byte-identical bodies (also the synthetic exports'). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RELEVANT_LABS: readonly [string, string, string, number, number][] = [
  ['2132-9', 'Cobalamin (Vitamin B12) [Mass/volume] in Serum', 'pg/mL', 200, 900],
  ['3016-3', 'Thyrotropin [Units/volume] in Serum or Plasma', 'm[IU]/L', 0.4, 4.5],
  ['4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', '%', 4, 5.6],
  ['30341-2', 'Erythrocyte sedimentation rate', 'mm/h', 0, 20],
  ['1988-5', 'C reactive protein [Mass/volume] in Serum or Plasma', 'mg/L', 0, 5],
  ['2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', 'mg/dL', 0.6, 1.2],
];

const CORE_PROBLEMS: readonly (readonly Resource[])[] = [
  [
    { system: SCT, code: '55464009', display: 'Systemic lupus erythematosus' },
    { system: ICD, code: 'M32.9', display: 'Systemic lupus erythematosus, unspecified' },
  ],
  [{ system: ICD, code: 'G62.9', display: 'Polyneuropathy, unspecified' }],
];

function narrative(text: string): Resource {
  return {
    status: 'generated',
    div: `<div xmlns="http://www.w3.org/1999/xhtml"><p>${text}</p><p>Recorded in the EHR by the care team.</p></div>`,
  };
}

function isoDay(daysAgo: number): string {
  const date = new Date(Date.UTC(2026, 5, 1) - daysAgo * 86_400_000);
  return date.toISOString().slice(0, 10);
}

export function syntheticRequest(
  resourceCount: number,
  patientId = 'bench-patient',
  seed = 42
): Record<string, unknown> {
  const rnd = random(seed + resourceCount);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const subject = { reference: `Patient/${patientId}` };
  const meta = (i: number): Resource => ({
    versionId: '1',
    lastUpdated: `${isoDay(i % 700)}T10:00:00Z`,
    source: '#ehr-feed',
  });
  const identifier = (i: number): Resource[] => [
    { system: 'urn:oid:1.2.840.114350.1.13.0.1.7.2.798268', value: `ID${String(100000 + i)}` },
  ];

  const observations: Resource[] = [];
  const conditions: Resource[] = [];
  const medications: Resource[] = [];
  for (let i = 0; i < resourceCount; i += 1) {
    // The first two resources are always the patient's CTD and polyneuropathy, so that even the smallest request
    // gives cards and every stage of the pipeline does its work.
    const roll = i < CORE_PROBLEMS.length ? 0.8 : rnd();
    const days = Math.floor(rnd() * 700);
    if (roll < 0.72) {
      const relevant = rnd() < 0.22;
      const [code, display, unit, low, high] = relevant
        ? pick(RELEVANT_LABS)
        : (['LAB' + String(Math.floor(rnd() * 400)), 'Local laboratory test', 'U/L', 10, 40] as const);
      const value = Math.round((low + (high - low) * rnd() * 1.4) * 10) / 10;
      observations.push({
        resourceType: 'Observation',
        id: `obs-${String(i)}`,
        meta: meta(i),
        text: narrative(`${display}: ${String(value)} ${unit}`),
        identifier: identifier(i),
        status: 'final',
        category: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                code: 'laboratory',
                display: 'Laboratory',
              },
            ],
          },
        ],
        code: {
          coding: [
            relevant ? { system: LOINC, code, display } : { system: LOCAL, code, display },
            { system: LOCAL, code: `L${code}`, display },
          ],
          text: display,
        },
        subject,
        effectiveDateTime: `${isoDay(days)}T08:15:00Z`,
        issued: `${isoDay(days)}T13:40:00Z`,
        valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
        interpretation: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
                code: value > high ? 'H' : value < low ? 'L' : 'N',
              },
            ],
          },
        ],
        referenceRange: [{ low: { value: low, unit }, high: { value: high, unit } }],
      });
    } else if (roll < 0.87) {
      const core = CORE_PROBLEMS[i];
      const relevant = core !== undefined || rnd() < 0.3;
      const coding = core
        ? core
        : relevant
          ? pick([
              [
                { system: SCT, code: '55464009', display: 'Systemic lupus erythematosus' },
                { system: ICD, code: 'M32.9', display: 'Systemic lupus erythematosus, unspecified' },
              ],
              [{ system: ICD, code: 'G62.9', display: 'Polyneuropathy, unspecified' }],
              [{ system: ICD, code: 'E11.9', display: 'Type 2 diabetes mellitus without complications' }],
            ])
          : [{ system: LOCAL, code: `PRB${String(Math.floor(rnd() * 900))}`, display: 'Local problem list entry' }];
      conditions.push({
        resourceType: 'Condition',
        id: `cond-${String(i)}`,
        meta: meta(i),
        text: narrative(String(coding[0]?.display)),
        identifier: identifier(i),
        clinicalStatus: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
        },
        verificationStatus: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }],
        },
        category: [
          {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }],
          },
        ],
        code: { coding, text: coding[0]?.display },
        subject,
        onsetDateTime: `${isoDay(days + 300)}T00:00:00Z`,
        recordedDate: `${isoDay(days)}T09:30:00Z`,
      });
    } else {
      const relevant = rnd() < 0.2;
      const coding = relevant
        ? { system: RXNORM, code: '861007', display: 'metformin hydrochloride 500 MG Oral Tablet' }
        : {
            system: LOCAL,
            code: `MED${String(Math.floor(rnd() * 900))}`,
            display: 'Local formulary item 10 MG Oral Tablet',
          };
      medications.push({
        resourceType: 'MedicationRequest',
        id: `med-${String(i)}`,
        meta: meta(i),
        text: narrative(coding.display),
        identifier: identifier(i),
        status: 'active',
        intent: 'order',
        medicationCodeableConcept: { coding: [coding], text: coding.display },
        subject,
        authoredOn: `${isoDay(days)}T11:00:00Z`,
        dosageInstruction: [
          { text: '1 tablet by mouth daily', timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } } },
        ],
      });
    }
  }
  const bundle = (resources: Resource[]): Resource => ({
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    entry: resources.map((resource) => ({
      fullUrl: `https://ehr.example.org/fhir/${String(resource['resourceType'])}/${String(resource['id'])}`,
      resource,
      search: { mode: 'match' },
    })),
  });
  return {
    hookInstance: `00000000-0000-4000-8000-${String(resourceCount).padStart(12, '0')}`,
    hook: 'patient-view',
    fhirServer: 'https://ehr.example.org/fhir',
    context: { userId: 'Practitioner/bench', patientId },
    prefetch: {
      conditions: bundle(conditions),
      labs: bundle(observations),
      autoantibodies: null,
      findings: null,
      medications: bundle(medications),
      medicationStatements: null,
      procedures: null,
      orders: null,
      biopsyReports: null,
    },
  };
}
