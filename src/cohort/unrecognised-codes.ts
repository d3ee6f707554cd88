import type { FhirResource } from 'fhir/r4';
import { asArray, field, isObject, type Json } from '../mapping/fhir-fields.js';
import type { CodeIndex } from '../terminology/code-index.js';

/**
 * What a site must map before go-live: the codes of a patient's Conditions, Observations and medications that the
 * service did not recognise. An element (Condition.code, Observation.code, the medication of a MedicationRequest,
 * -Statement, -Administration or -Dispense, or of the Medication it references) counts as recognised when any of its
 * codings is in a value set of the code index (by code or ICD-10-CM family), the index the pipeline matches with;
 * otherwise each of its codings is listed. A medication recognised only by its free text is listed too: its code
 * is what the site should map. Only code, system and display are kept: never a patient's data beyond that.
 */
export type CensusKind = 'Condition' | 'Observation' | 'medication';

export interface UnrecognisedCode {
  readonly kind: CensusKind;
  readonly system: string;
  readonly code: string;
  /** A display the data gave the code (the alphabetically first, so that every run picks the same); '' if none. */
  readonly display: string;
  /** How many of the patient's records carry it. */
  readonly records: number;
}

const MEDICATION_USES = new Set([
  'MedicationRequest',
  'MedicationStatement',
  'MedicationAdministration',
  'MedicationDispense',
]);

/** A coding without a system is listed under this name. */
export const NO_SYSTEM = '(no system)';

export function unrecognisedCodes(resources: readonly FhirResource[], index: CodeIndex): UnrecognisedCode[] {
  const medications = new Map<string, Json>();
  for (const resource of resources) {
    if (resource.resourceType === 'Medication' && resource.id !== undefined) {
      medications.set(resource.id, resource as unknown as Json);
    }
  }
  const found = new Map<string, { kind: CensusKind; system: string; code: string; display: string; records: number }>();
  const note = (kind: CensusKind, concept: unknown): void => {
    const codings = asArray(isObject(concept) ? concept['coding'] : undefined).filter(isObject);
    const listed = codings.filter((c) => typeof c['code'] === 'string' && c['code'] !== '');
    const recognised = listed.some(
      (c) =>
        index.matchCoding(typeof c['system'] === 'string' ? c['system'] : undefined, c['code'] as string).length > 0
    );
    if (recognised) {
      return;
    }
    for (const coding of listed) {
      const system = typeof coding['system'] === 'string' && coding['system'] !== '' ? coding['system'] : NO_SYSTEM;
      const code = coding['code'] as string;
      const display = typeof coding['display'] === 'string' ? coding['display'] : '';
      const key = `${kind}|${system}|${code}`;
      const entry = found.get(key);
      if (entry === undefined) {
        found.set(key, { kind, system, code, display, records: 1 });
      } else {
        entry.records += 1;
        entry.display = firstDisplay(entry.display, display);
      }
    }
  };
  for (const resource of resources) {
    const type = resource.resourceType;
    if (type === 'Condition' || type === 'Observation') {
      note(type, field(resource, 'code'));
    } else if (MEDICATION_USES.has(type)) {
      note('medication', medicationConcept(resource as unknown as Json, medications));
    }
  }
  return [...found.values()];
}

/** Of two displays of one code, the one every run keeps: the alphabetically first non-empty one. */
export function firstDisplay(a: string, b: string): string {
  return a === '' ? b : b === '' || a <= b ? a : b;
}

/** medicationCodeableConcept, or the code of the Medication that medicationReference names (contained or not). */
function medicationConcept(resource: Json, medications: ReadonlyMap<string, Json>): unknown {
  const concept = resource['medicationCodeableConcept'];
  if (concept !== undefined) {
    return concept;
  }
  const reference = resource['medicationReference'];
  const target = isObject(reference) && typeof reference['reference'] === 'string' ? reference['reference'] : '';
  if (target.startsWith('#')) {
    const contained = asArray(resource['contained']).filter(isObject);
    return contained.find((c) => c['resourceType'] === 'Medication' && `#${String(c['id'])}` === target)?.['code'];
  }
  const id = /(?:^|\/)Medication\/([^/]+)$/.exec(target)?.[1];
  return id === undefined ? undefined : medications.get(id)?.['code'];
}
