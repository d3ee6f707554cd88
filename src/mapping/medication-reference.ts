import type { FhirResource } from 'fhir/r4';
import { field, isObject, text } from './fhir-fields.js';

/**
 * `medicationReference` of MedicationRequest / MedicationStatement (FHIR R4 medication[x]): a contained Medication
 * (`#id`), or a Medication resource in the same data (prefetched with `_include=MedicationRequest:medication`, or
 * read by the gather stage). The coded product is in `Medication.code`; the reference's display is the last resort.
 */
export type MedicationIndex = ReadonlyMap<string, FhirResource>;

/** `Medication/<id>` keys of the Medication resources among `resources` (versioned or absolute references match). */
export function indexMedications(resources: Iterable<FhirResource>, into = new Map<string, FhirResource>()) {
  for (const resource of resources) {
    if (resource.resourceType === 'Medication') {
      into.set(`Medication/${text(resource.id)}`, resource);
    }
  }
  return into;
}

const MEDICATION_REFERENCE = /(?:^|\/)(Medication\/[^/?#]+)(?:\/_history\/[^/]+)?$/;

/** The `Medication/<id>` a reference points to, or undefined for a contained or non-Medication reference. */
export function medicationKey(reference: string): string | undefined {
  return MEDICATION_REFERENCE.exec(reference)?.[1];
}

/** The Medication an order or statement refers to, when it is contained or in `medications`. */
export function referencedMedication(resource: FhirResource, medications: MedicationIndex): FhirResource | undefined {
  const reference = field(resource, 'medicationReference');
  const target = isObject(reference) && typeof reference['reference'] === 'string' ? reference['reference'] : undefined;
  if (target === undefined) {
    return undefined;
  }
  if (target.startsWith('#')) {
    const contained = field(resource, 'contained');
    return (Array.isArray(contained) ? (contained as unknown[]) : []).find(
      (c): c is FhirResource => isObject(c) && c['resourceType'] === 'Medication' && `#${text(c['id'])}` === target
    );
  }
  const key = medicationKey(target);
  return key === undefined ? undefined : medications.get(key);
}

/** The display of `medicationReference`, the last fallback for the product's name. */
export function referenceDisplay(resource: FhirResource): string | undefined {
  const reference = field(resource, 'medicationReference');
  return isObject(reference) && typeof reference['display'] === 'string' ? reference['display'] : undefined;
}
