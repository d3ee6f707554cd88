import { CdsError, type IssueDetail } from '../errors.js';
import type { ChartInput } from './evaluate-chart.js';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const USER_REFERENCE = /^(Practitioner|PractitionerRole|Patient|RelatedPerson)\/[A-Za-z0-9\-.]{1,64}$/;
const PREFETCH_KEY = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/**
 * The body of POST /smart/api/evaluate: `{patientId, userId?, prefetch: {key: Bundle | OperationOutcome}}`. Only its shape is
 * checked here; the prefetch is then checked as a CDS Hooks request's is (src/smart/evaluate-chart.ts).
 */
export function chartInput(body: unknown): ChartInput {
  const issues: IssueDetail[] = [];
  const value = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<
    string,
    unknown
  >;
  const { patientId, userId, prefetch } = value;
  if (typeof patientId !== 'string' || !FHIR_ID.test(patientId)) {
    issues.push({ message: 'patientId must be the FHIR id of the launched patient.', expression: ['patientId'] });
  }
  if (userId !== undefined && (typeof userId !== 'string' || !USER_REFERENCE.test(userId))) {
    issues.push({
      message: 'userId, when given, must be a FHIR reference such as Practitioner/123.',
      expression: ['userId'],
    });
  }
  const keys =
    typeof prefetch === 'object' && prefetch !== null && !Array.isArray(prefetch) ? Object.keys(prefetch) : undefined;
  if (keys === undefined || !keys.every((k) => PREFETCH_KEY.test(k))) {
    issues.push({
      message: 'prefetch must be an object of Bundles (or OperationOutcomes) keyed by prefetch key.',
      expression: ['prefetch'],
    });
  }
  if (issues.length > 0) {
    throw new CdsError('invalid-request', issues);
  }
  return {
    patientId: patientId as string,
    ...(userId === undefined ? {} : { userId: userId as string }),
    prefetch: prefetch as Record<string, unknown>,
  };
}
