import type { CodeableConcept, FhirResource } from 'fhir/r4';

/**
 * Defensive readers of the few FHIR elements the mapping needs. Clients send imperfect FHIR (single objects
 * where R4 has arrays, STU3 field names), so every read tolerates both shapes and never throws.
 */

export type Json = Record<string, unknown>;

export function field(resource: FhirResource | Json, name: string): unknown {
  return (resource as Json)[name];
}

export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) {
    return [];
  }
  return Array.isArray(value) ? value : [value];
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function concepts(value: unknown): CodeableConcept[] {
  return asArray(value).filter(isObject);
}

/** Codes of one or more CodeableConcepts (any system), e.g. the codes of a Condition.clinicalStatus. */
export function codesOf(value: unknown): string[] {
  const codes: string[] = [];
  for (const concept of concepts(value)) {
    for (const coding of asArray(concept.coding)) {
      if (isObject(coding) && typeof coding['code'] === 'string') {
        codes.push(coding['code']);
      }
    }
  }
  return codes;
}

/** The value when it is a string, else '' (client data may hold anything where FHIR says string). */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function stringField(resource: FhirResource | Json, name: string): string | undefined {
  const value = field(resource, name);
  return typeof value === 'string' ? value : undefined;
}

function periodStart(value: unknown): string | undefined {
  return isObject(value) && typeof value['start'] === 'string' ? value['start'] : undefined;
}

function periodEnd(value: unknown): string | undefined {
  return isObject(value) && typeof value['end'] === 'string' ? value['end'] : undefined;
}

/** The clinically relevant date of a record, as FHIR R4 defines it per resource type (full precision). */
export function recordDate(resource: FhirResource): string | undefined {
  const r = resource as unknown as Json;
  const s = (name: string): string | undefined => (typeof r[name] === 'string' ? r[name] : undefined);
  switch (resource.resourceType) {
    case 'Condition':
      return s('onsetDateTime') ?? periodStart(r['onsetPeriod']) ?? s('recordedDate') ?? s('assertedDate');
    case 'Observation':
    case 'DiagnosticReport':
      return (
        s('effectiveDateTime') ??
        s('effectiveInstant') ??
        periodEnd(r['effectivePeriod']) ??
        periodStart(r['effectivePeriod']) ??
        s('issued')
      );
    case 'MedicationRequest':
      return s('authoredOn') ?? s('dateWritten');
    case 'MedicationStatement':
      return s('effectiveDateTime') ?? periodStart(r['effectivePeriod']) ?? s('dateAsserted');
    case 'Procedure':
      return s('performedDateTime') ?? periodEnd(r['performedPeriod']) ?? periodStart(r['performedPeriod']);
    case 'ServiceRequest':
      return s('authoredOn') ?? s('occurrenceDateTime') ?? periodStart(r['occurrencePeriod']);
    default:
      return undefined;
  }
}

/** YYYY-MM-DD part of a FHIR date/dateTime/instant, or undefined when it is not one. */
export function calendarDate(value: string | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(value);
  if (match === null) {
    return undefined;
  }
  return `${match[1] ?? ''}-${match[2] ?? '01'}-${match[3] ?? '01'}`;
}

/**
 * Records that are not valid records at all are dropped before mapping: anything entered in error, and
 * Observations / DiagnosticReports without a usable result status. Clinical meaning (refuted, resolved, stopped,
 * suspected) is the JSONata mappings' business.
 */
export function isValidRecord(resource: FhirResource): boolean {
  const status = stringField(resource, 'status');
  if (status === 'entered-in-error') {
    return false;
  }
  switch (resource.resourceType) {
    case 'Condition':
      return !codesOf(field(resource, 'verificationStatus')).includes('entered-in-error');
    case 'Observation':
      return status === 'final' || status === 'amended' || status === 'corrected' || status === 'preliminary';
    case 'DiagnosticReport':
      return ['final', 'amended', 'corrected', 'appended', 'preliminary', 'partial'].includes(status ?? '');
    default:
      return true;
  }
}

/** Whole days from `date` (YYYY-MM-DD...) to `today`; undefined without a usable date. */
export function daysBetween(date: unknown, today: unknown): number | undefined {
  const from = epochDay(date);
  const to = epochDay(today);
  return from === undefined || to === undefined ? undefined : to - from;
}

/** Days since 1970-01-01 of a YYYY-MM-DD prefix (Date.UTC on the numbers: this runs once per record). */
export function epochDay(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.length < 10 || value[4] !== '-' || value[7] !== '-') {
    return undefined;
  }
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  if (!Number.isInteger(year) || !(month >= 1 && month <= 12) || !(day >= 1 && day <= 31)) {
    return undefined;
  }
  return Date.UTC(year, month - 1, day) / 86_400_000;
}
