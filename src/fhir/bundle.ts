import type { Bundle, BundleEntry, FhirResource, OperationOutcome } from 'fhir/r4';

/** A Bundle whose entries hold any FHIR R4 resource (the @types/fhir default is the abstract `Resource`). */
export type ResourceBundle = Bundle<FhirResource>;

/**
 * Small pure helpers over FHIR Bundles and references. Input comes from clients, so every field is checked
 * before use even where the FHIR types say it is present.
 */

export function isBundle(resource: FhirResource): resource is ResourceBundle {
  return resource.resourceType === 'Bundle';
}

export function isOperationOutcome(resource: FhirResource): resource is OperationOutcome {
  return resource.resourceType === 'OperationOutcome';
}

/** Entries that carry search outcomes (spec: "CDS Services SHOULD check any prefetched data for OperationOutcomes"). */
export function isOutcomeEntry(entry: BundleEntry<FhirResource>): boolean {
  return entry.search?.mode === 'outcome' || (entry.resource !== undefined && isOperationOutcome(entry.resource));
}

/** True when an outcome reports a failure (error/fatal), as opposed to information such as "no results". */
export function reportsFailure(outcome: OperationOutcome): boolean {
  // Clients send OperationOutcomes without issues too, whatever R4 says.
  return ((outcome.issue as OperationOutcome['issue'] | undefined) ?? []).some(
    (issue) => issue.severity === 'error' || issue.severity === 'fatal'
  );
}

export function bundleResources(bundle: ResourceBundle): FhirResource[] {
  const resources: FhirResource[] = [];
  for (const entry of bundle.entry ?? []) {
    if (entry.resource !== undefined && !isOutcomeEntry(entry)) {
      resources.push(entry.resource);
    }
  }
  return resources;
}

export function nextLink(bundle: ResourceBundle): string | undefined {
  return bundle.link?.find((link) => link.relation === 'next')?.url;
}

const PATIENT_REFERENCE = /(?:^|\/)Patient\/([^/?#]+)(?:\/_history\/[^/]+)?$/;

/** The Patient id a reference points to (`Patient/1`, absolute URLs, versioned), or undefined for anything else. */
export function referencedPatientId(reference: string | undefined): string | undefined {
  if (reference === undefined) {
    return undefined;
  }
  return PATIENT_REFERENCE.exec(reference)?.[1];
}

/** True when `url` is on the FHIR server `base` (same origin, under its path): only then may the token go with it. */
export function isOnServer(url: string, base: string): boolean {
  try {
    const target = new URL(url);
    const server = new URL(base);
    const prefix = server.pathname.endsWith('/') ? server.pathname : `${server.pathname}/`;
    return (
      target.origin === server.origin && (target.pathname === server.pathname || target.pathname.startsWith(prefix))
    );
  } catch {
    return false;
  }
}
