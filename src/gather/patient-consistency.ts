import type { FhirResource } from 'fhir/r4';
import { CdsError } from '../errors.js';
import { referencedPatientId } from '../fhir/bundle.js';
import type { OrderSignContext } from '../cds-hooks/types.js';

export class PatientMismatch extends Error {
  readonly resourceRef: string;

  constructor(resourceRef: string) {
    super(`${resourceRef} belongs to another patient`);
    this.name = 'PatientMismatch';
    this.resourceRef = resourceRef;
  }
}

/** The Patient a resource is about, from the elements FHIR R4 uses for it (subject, patient, or the Patient itself). */
function patientOf(resource: FhirResource): { id: string } | undefined {
  if (resource.resourceType === 'Patient') {
    return resource.id === undefined ? undefined : { id: resource.id };
  }
  const record = resource as unknown as Record<string, unknown>;
  for (const field of ['subject', 'patient']) {
    const value = record[field];
    const reference =
      typeof value === 'object' && value !== null ? (value as { reference?: unknown }).reference : undefined;
    const id = typeof reference === 'string' ? referencedPatientId(reference) : undefined;
    if (id !== undefined) {
      return { id };
    }
  }
  return undefined;
}

/** Throws PatientMismatch on the first resource that names a different Patient than `patientId`. */
export function assertSamePatient(resources: readonly FhirResource[], patientId: string): void {
  for (const resource of resources) {
    const patient = patientOf(resource);
    if (patient !== undefined && patient.id !== patientId) {
      throw new PatientMismatch(`${resource.resourceType}/${resource.id ?? '(no id)'}`);
    }
  }
}

/** Draft orders must be about the patient in context (spec order-select/order-sign: orders "for a specific patient"). */
export function assertDraftOrdersMatch(context: OrderSignContext): void {
  const entries = context.draftOrders.entry ?? [];
  entries.forEach((entry, index) => {
    if (entry.resource === undefined) {
      return;
    }
    try {
      assertSamePatient([entry.resource], context.patientId);
    } catch (error) {
      if (error instanceof PatientMismatch) {
        const expression = `context.draftOrders.entry[${index}].resource`;
        throw new CdsError('patient-mismatch', [
          {
            message: `${expression} (${error.resourceRef}) is for another patient than context.patientId.`,
            expression: [expression],
          },
        ]);
      }
      throw error;
    }
  });
}
