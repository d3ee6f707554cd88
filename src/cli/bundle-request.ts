import { randomUUID } from 'node:crypto';
import type { Bundle, FhirResource } from 'fhir/r4';
import type { HookName } from '../cds-hooks/types.js';
import type { LoadedService } from '../knowledge/load-knowledge.js';
import { InputError } from './cli-error.js';

/**
 * Turns a patient's FHIR Bundle (and, for order hooks, draft orders) into the CDS Hooks request an EHR would send
 * with full prefetch, so the CLI runs the very pipeline the HTTP service runs, offline.
 *
 * Each prefetch key of the service gets the resources of its query's type: the first key of a type gets all of them
 * as a searchset, later keys of the same type get `null` ("no data"), so that no resource is counted twice. The
 * server-side filters of the queries (status, code, date) are not applied: the mappings apply the same status and
 * look-back rules themselves, which is what lets a CDS client prefetch more than the query asks.
 */
export interface BundleRequestOptions {
  readonly hook: HookName;
  readonly service: LoadedService;
  /** Draft orders for order-select / order-sign; each is selected for order-select. */
  readonly orders?: readonly FhirResource[];
}

export interface BundleRequest {
  readonly patientId: string;
  /** "Given Family" when the Bundle has a Patient with a name. */
  readonly patientName: string | undefined;
  readonly body: Record<string, unknown>;
}

/** The resources of `input` when it is a FHIR Bundle; `what` names the file in the message otherwise. */
export function bundleResources(input: unknown, what: string): FhirResource[] {
  const bundle = input as Partial<Bundle<FhirResource>> | null;
  if (typeof bundle !== 'object' || bundle === null || bundle.resourceType !== 'Bundle') {
    throw new InputError(`${what} is not a FHIR Bundle (its resourceType is not "Bundle").`);
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) {
    throw new InputError(`${what}: Bundle.entry is not an array.`);
  }
  const resources: FhirResource[] = [];
  (bundle.entry ?? []).forEach((entry, i) => {
    const resource = (entry as { resource?: unknown } | null)?.resource as FhirResource | undefined;
    if (typeof resource !== 'object' || typeof resource.resourceType !== 'string') {
      throw new InputError(`${what}: entry[${String(i)}] has no resource.`);
    }
    if (resource.resourceType !== 'OperationOutcome') {
      resources.push(resource);
    }
  });
  return resources;
}

export function bundleRequest(
  resources: readonly FhirResource[],
  what: string,
  options: BundleRequestOptions
): BundleRequest {
  const { patientId, patientName } = patientOf(resources, what);
  const prefetch: Record<string, unknown> = {};
  const served = new Set<string>();
  for (const spec of options.service.prefetch) {
    const type = /^([A-Z][A-Za-z]+)/.exec(spec.template)?.[1] ?? '';
    const ofType = resources.filter((r) => r.resourceType === type);
    if (served.has(type) || ofType.length === 0) {
      prefetch[spec.key] = null;
      continue;
    }
    served.add(type);
    // The Medications that orders reference (a Bulk Data export has them in a file of their own) go with them, as a
    // server answers `_include=...:medication` (FHIR search, "Including other resources").
    const included = /[?&]_include=[A-Za-z]+:medication\b/.test(spec.template)
      ? resources.filter((r) => r.resourceType === 'Medication')
      : [];
    prefetch[spec.key] = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: ofType.length,
      entry: [
        ...ofType.map((resource) => ({ resource, search: { mode: 'match' } })),
        ...included.map((resource) => ({ resource, search: { mode: 'include' } })),
      ],
    };
  }

  const context: Record<string, unknown> = { userId: 'Practitioner/ctd-neuropathy-cds-cli', patientId };
  if (options.hook !== 'patient-view') {
    const drafts = (options.orders ?? []).map((order, i) => ({
      ...order,
      id: order.id ?? `draft-${String(i + 1)}`,
      // An order file written for no patient in particular is about the patient of the Bundle.
      ...('subject' in order ? {} : { subject: { reference: `Patient/${patientId}` } }),
    }));
    context['draftOrders'] = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: drafts.map((resource) => ({ resource })),
    };
    if (options.hook === 'order-select') {
      context['selections'] = drafts.map((d) => `${d.resourceType}/${d.id}`);
    }
  }
  return {
    patientId,
    patientName,
    body: { hookInstance: randomUUID(), hook: options.hook, context, prefetch },
  };
}

/** The one patient a Bundle is about: its Patient resource, or else the patient every `subject` names. */
function patientOf(
  resources: readonly FhirResource[],
  what: string
): { patientId: string; patientName: string | undefined } {
  const patients = resources.filter((r) => r.resourceType === 'Patient');
  if (patients.length > 1) {
    throw new InputError(`${what} holds ${String(patients.length)} Patient resources; give one Bundle per patient.`);
  }
  const patient = patients[0];
  if (patient !== undefined) {
    if (patient.id === undefined || patient.id === '') {
      throw new InputError(`${what}: its Patient has no id.`);
    }
    const name = patient.name?.[0];
    const text = [...(name?.given ?? []), name?.family ?? ''].join(' ').trim();
    return { patientId: patient.id, patientName: text === '' ? undefined : text };
  }
  const referenced = new Set(
    resources
      .map((r) => (r as { subject?: { reference?: string } }).subject?.reference)
      .filter((ref): ref is string => ref?.startsWith('Patient/') === true)
      .map((ref) => ref.slice('Patient/'.length))
  );
  const [only, ...others] = [...referenced];
  if (only === undefined || others.length > 0) {
    throw new InputError(
      `${what} has no Patient resource${referenced.size > 1 ? ` and its resources name ${String(referenced.size)} patients` : ''}; give one Bundle per patient, with its Patient.`
    );
  }
  return { patientId: only, patientName: undefined };
}
