import type { FhirResource } from 'fhir/r4';
import {
  bundleResources,
  isBundle,
  isOperationOutcome,
  isOutcomeEntry,
  nextLink,
  reportsFailure,
} from '../fhir/bundle.js';
import type { PrefetchValue } from '../cds-hooks/types.js';

/**
 * What a prefetch key holds, per spec "Prefetch Template":
 * - absent: the client did not (or could not) satisfy the template, so the service fetches it;
 * - `null`: the client has no data for it: "no data", not an error;
 * - an OperationOutcome, or a searchset Bundle whose outcome entries report an error: the client tried and
 *   failed, so the data counts as not supplied and the service fetches it;
 * - otherwise the resource(s), possibly the first page of several (`next` link).
 */
export type PrefetchState =
  | { readonly kind: 'supplied'; readonly resources: readonly FhirResource[]; readonly next?: string }
  | { readonly kind: 'empty' }
  | { readonly kind: 'not-supplied'; readonly why: 'absent' | 'operation-outcome' | 'error-outcome-entries' };

export function classifyPrefetch(value: PrefetchValue | undefined): PrefetchState {
  if (value === undefined) {
    return { kind: 'not-supplied', why: 'absent' };
  }
  if (value === null) {
    return { kind: 'empty' };
  }
  if (isOperationOutcome(value)) {
    return { kind: 'not-supplied', why: 'operation-outcome' };
  }
  if (!isBundle(value)) {
    return { kind: 'supplied', resources: [value] };
  }
  // Outcome entries that report an error mean the search failed. Informational ones (Epic sends one meaning
  // "Resource request returns no results") leave the Bundle usable: refetching would only repeat the same answer.
  const failed = (value.entry ?? []).some(
    (entry) =>
      isOutcomeEntry(entry) &&
      entry.resource !== undefined &&
      isOperationOutcome(entry.resource) &&
      reportsFailure(entry.resource)
  );
  if (failed) {
    return { kind: 'not-supplied', why: 'error-outcome-entries' };
  }
  const next = nextLink(value);
  return { kind: 'supplied', resources: bundleResources(value), ...(next === undefined ? {} : { next }) };
}
