import type { FhirResource } from 'fhir/r4';
import { isOnServer } from '../fhir/bundle.js';
import { medicationKey } from '../mapping/medication-reference.js';

/**
 * `medicationReference`s of MedicationRequest / MedicationStatement that point to a Medication not among the
 * gathered resources (prefetch without `_include`, or a server that ignored it), per prefetch key: the gather stage
 * reads them. Contained Medications (`#id`) need nothing.
 */
export function unresolvedMedications(
  byKey: ReadonlyMap<string, readonly FhirResource[]>,
  server?: string
): Map<string, Set<string>> {
  const present = new Set<string>();
  for (const resources of byKey.values()) {
    for (const resource of resources) {
      if (resource.resourceType === 'Medication' && resource.id !== undefined) {
        present.add(`Medication/${resource.id}`);
      }
    }
  }
  const wanted = new Map<string, Set<string>>();
  for (const [key, resources] of byKey) {
    for (const resource of resources) {
      if (resource.resourceType !== 'MedicationRequest' && resource.resourceType !== 'MedicationStatement') {
        continue;
      }
      const target = relativeMedication(resource.medicationReference?.reference, server);
      if (target !== undefined && !present.has(target)) {
        const set = wanted.get(key) ?? new Set<string>();
        set.add(target);
        wanted.set(key, set);
      }
    }
  }
  return wanted;
}

/** `Medication/<id>` of a reference (relative, versioned, or absolute on the FHIR server); undefined otherwise. */
function relativeMedication(reference: string | undefined, server: string | undefined): string | undefined {
  if (reference === undefined || reference.startsWith('#')) {
    return undefined;
  }
  // An absolute reference elsewhere would send the token to another server: it is not followed.
  if (/^[a-z][a-z0-9+.-]*:/i.test(reference) && (server === undefined || !isOnServer(reference, server))) {
    return undefined;
  }
  const key = medicationKey(reference);
  return key !== undefined && /^Medication\/[A-Za-z0-9\-.]{1,64}$/.test(key) ? key : undefined;
}
