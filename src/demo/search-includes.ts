import type { Bundle, BundleEntry, FhirResource } from 'fhir/r4';

/**
 * `_include` for the demo FHIR server (FHIR R4 search 3.1.1.5.5): Medplum's in-memory repository ignores it, so
 * the server resolves `_include=<Type>:<reference parameter>` itself for the parameters its services' prefetch
 * templates use (`MedicationRequest:medication`, `MedicationStatement:medication`), adding each referenced resource
 * once with `search.mode = include`.
 */
const INCLUDES: Readonly<Record<string, (resource: FhirResource) => string | undefined>> = {
  'MedicationRequest:medication': (r) =>
    r.resourceType === 'MedicationRequest' ? r.medicationReference?.reference : undefined,
  'MedicationStatement:medication': (r) =>
    r.resourceType === 'MedicationStatement' ? r.medicationReference?.reference : undefined,
};

export function supportedInclude(value: string): boolean {
  return value in INCLUDES;
}

/** The entries to add to a searchset for its `_include` values, read with `read` (`Type/id` -> resource). */
export async function includedEntries(
  matches: readonly FhirResource[],
  includes: readonly string[],
  read: (reference: string) => Promise<FhirResource | undefined>
): Promise<BundleEntry<FhirResource>[]> {
  const references = new Set<string>();
  for (const include of includes) {
    const target = INCLUDES[include];
    for (const resource of matches) {
      const reference = target?.(resource);
      if (reference !== undefined && /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(reference)) {
        references.add(reference);
      }
    }
  }
  const entries: BundleEntry<FhirResource>[] = [];
  for (const reference of references) {
    const resource = await read(reference);
    if (resource !== undefined) {
      entries.push({ resource, search: { mode: 'include' } });
    }
  }
  return entries;
}

export type SearchBundle = Bundle<FhirResource>;
