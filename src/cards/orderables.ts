import type { Coding, ServiceRequest } from 'fhir/r4';

/**
 * Something a card can suggest ordering (cards/orderables.json). Its code must belong to one of the service's
 * value sets (checked at start-up), so no suggestion carries an invented code.
 */
export interface Orderable {
  readonly id: string;
  readonly label: string;
  /** A short name for a button that orders several (an order set), e.g. "ANA". */
  readonly short?: string;
  readonly code: Required<Pick<Coding, 'system' | 'code' | 'display'>>;
  readonly category?: 'laboratory' | 'imaging' | 'surgical';
  /** Value sets that mean "already ordered or done" for this orderable (deduplication). */
  readonly concepts: readonly string[];
  /** Free-text instruction added to the order (e.g. which nerve to biopsy). */
  readonly instruction?: string;
}

/** FHIR R4 servicerequest-category (SNOMED CT), verified against the HL7 FHIR build source. */
const CATEGORY: Readonly<Record<NonNullable<Orderable['category']>, Coding>> = {
  laboratory: { system: 'http://snomed.info/sct', code: '108252007', display: 'Laboratory procedure' },
  imaging: { system: 'http://snomed.info/sct', code: '363679005', display: 'Imaging' },
  surgical: { system: 'http://snomed.info/sct', code: '387713003', display: 'Surgical procedure' },
};

export interface OrderContext {
  readonly patientId: string;
  readonly encounterId?: string;
  readonly userId?: string;
  readonly today: string;
  /** Conditions / Observations that justify the order (ServiceRequest.reasonReference). */
  readonly reasons: readonly string[];
}

/** A draft ServiceRequest (status draft, intent order) for a create suggestion. */
export function serviceRequestFor(orderable: Orderable, context: OrderContext): ServiceRequest {
  const requester =
    context.userId !== undefined && /^(Practitioner|PractitionerRole)\//.test(context.userId)
      ? context.userId
      : undefined;
  const reasons = context.reasons.filter((r) => /^(Condition|Observation|DiagnosticReport)\//.test(r));
  return {
    resourceType: 'ServiceRequest',
    status: 'draft',
    intent: 'order',
    ...(orderable.category === undefined ? {} : { category: [{ coding: [CATEGORY[orderable.category]] }] }),
    code: { coding: [{ ...orderable.code }], text: orderable.label },
    subject: { reference: `Patient/${context.patientId}` },
    ...(context.encounterId === undefined ? {} : { encounter: { reference: `Encounter/${context.encounterId}` } }),
    authoredOn: context.today,
    ...(requester === undefined ? {} : { requester: { reference: requester } }),
    ...(reasons.length === 0 ? {} : { reasonReference: reasons.map((reference) => ({ reference })) }),
    ...(orderable.instruction === undefined ? {} : { note: [{ text: orderable.instruction }] }),
  };
}
