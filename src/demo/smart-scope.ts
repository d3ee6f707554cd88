import type { Request } from 'express';
import type { FhirResource } from 'fhir/r4';
import { CdsError } from '../errors.js';

/**
 * What a SMART access token of the demo authorization server may read: one patient's data, read-only (SMART App
 * Launch 2.0 "Scopes and Launch Context"). Only patient-level read scopes are granted, in the form asked for:
 * v2 `patient/<type>.rs` (or `.r`, `.s`) and v1 `patient/<type>.read`. `launch` (EHR launch) and `launch/patient`
 * (standalone) are granted with them; `openid` and `fhirUser` are not: the demo has no users, so it issues no
 * id_token (the token response's `scope` says what was granted, as SMART asks).
 */
const PATIENT_READ = /^patient\/(\*|[A-Z][A-Za-z]{1,63})\.(read|r|s|rs)$/;

export function grantedScope(requested: string, ehrLaunch: boolean): string | undefined {
  const asked = requested.split(/\s+/).filter((s) => s !== '');
  const reads = asked.filter((s) => PATIENT_READ.test(s));
  if (reads.length === 0) {
    return undefined;
  }
  const context = asked.filter((s) => (ehrLaunch ? s === 'launch' : s === 'launch/patient'));
  return [...context, ...reads].join(' ');
}

/** The reference forms a search may use for the token's patient (FHIR R4 search 3.1.1.4.11). */
const patientRefs = (patient: string): string[] => [patient, `Patient/${patient}`];

/**
 * A search with a SMART token must be about the token's patient: `patient` or `subject` (or `_id` on Patient)
 * naming that patient and no other. Anything else is refused with 403, never answered with other patients' data.
 */
export function assertSearchInCompartment(type: string, query: URLSearchParams, patient: string): void {
  const names = type === 'Patient' ? ['_id'] : ['patient', 'subject'];
  const values = names.flatMap((name) => query.getAll(name)).flatMap((v) => v.split(','));
  if (values.length === 0 || !values.every((v) => patientRefs(patient).includes(v))) {
    throw outsideCompartment();
  }
}

/** A read with a SMART token: the patient itself, or a resource whose subject or patient is that patient. */
export function assertReadInCompartment(resource: FhirResource, patient: string): void {
  if (resource.resourceType === 'Patient') {
    if (resource.id !== patient) {
      throw outsideCompartment();
    }
    return;
  }
  const holder = resource as { subject?: { reference?: string }; patient?: { reference?: string } };
  const reference = holder.subject?.reference ?? holder.patient?.reference;
  if (reference !== `Patient/${patient}`) {
    throw outsideCompartment();
  }
}

/** The patient a request's SMART token is limited to (set by the demo server's bearer check), if any. */
export function smartPatientOf(req: Request): string | undefined {
  const value = (req.res?.locals as Record<string, unknown> | undefined)?.['smartPatient'];
  return typeof value === 'string' ? value : undefined;
}

function outsideCompartment(): CdsError {
  return new CdsError('forbidden', "This access token is limited to its launch's patient (SMART patient scope).");
}
