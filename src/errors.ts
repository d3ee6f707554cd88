import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4';

/**
 * Stable error codes. The HTTP status travels with the code, never inferred from message text.
 * Every non-2xx response body is an OperationOutcome (CDS Hooks "Returning OperationOutcome").
 */
export type CdsErrorCode =
  | 'invalid-request'
  | 'invalid-json'
  | 'body-too-large'
  | 'unsupported-media-type'
  | 'unknown-service'
  | 'wrong-hook'
  | 'patient-mismatch'
  | 'prefetch-unavailable'
  | 'unauthorized'
  | 'forbidden'
  | 'forbidden-origin'
  | 'not-found'
  | 'method-not-allowed'
  | 'not-ready'
  | 'overloaded'
  | 'internal';

const statusOf: Record<CdsErrorCode, number> = {
  'invalid-request': 400,
  'invalid-json': 400,
  'body-too-large': 413,
  'unsupported-media-type': 415,
  'unknown-service': 404,
  'wrong-hook': 400,
  'patient-mismatch': 400,
  // CDS Hooks "Providing FHIR Resources to a CDS Service": required data unobtainable -> 412 Precondition Failed.
  'prefetch-unavailable': 412,
  unauthorized: 401,
  forbidden: 403,
  'forbidden-origin': 403,
  'not-found': 404,
  'method-not-allowed': 405,
  'not-ready': 503,
  // Load shedding (src/http/admission.ts): sent with Retry-After.
  overloaded: 503,
  internal: 500,
};

const issueTypeOf: Record<CdsErrorCode, OperationOutcomeIssue['code']> = {
  'invalid-request': 'invalid',
  'invalid-json': 'structure',
  'body-too-large': 'too-long',
  'unsupported-media-type': 'not-supported',
  'unknown-service': 'not-found',
  'wrong-hook': 'invalid',
  'patient-mismatch': 'business-rule',
  'prefetch-unavailable': 'incomplete',
  unauthorized: 'login',
  forbidden: 'forbidden',
  'forbidden-origin': 'forbidden',
  'not-found': 'not-found',
  'method-not-allowed': 'not-supported',
  'not-ready': 'transient',
  overloaded: 'throttled',
  internal: 'exception',
};

export interface IssueDetail {
  readonly message: string;
  /** FHIRPath-like location of the problem in the request, e.g. `context.patientId`. */
  readonly expression?: readonly string[];
  readonly diagnostics?: string;
}

/** The one error type of the service: a status, a stable code and the OperationOutcome the caller receives. */
export class CdsError extends Error {
  readonly status: number;
  readonly code: CdsErrorCode;
  readonly issues: readonly IssueDetail[];
  /** Extra response headers (e.g. `WWW-Authenticate`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: CdsErrorCode,
    issues: readonly IssueDetail[] | string,
    options: { cause?: unknown; headers?: Record<string, string> } = {}
  ) {
    const list = typeof issues === 'string' ? [{ message: issues }] : issues;
    super(list.map((i) => i.message).join('; '), { cause: options.cause });
    this.name = 'CdsError';
    this.code = code;
    this.status = statusOf[code];
    this.issues = list;
    this.headers = options.headers ?? {};
  }

  toOperationOutcome(): OperationOutcome {
    return {
      resourceType: 'OperationOutcome',
      id: this.code,
      issue: this.issues.map((issue) => ({
        severity: 'error',
        code: issueTypeOf[this.code],
        details: { text: issue.message },
        ...(issue.diagnostics === undefined ? {} : { diagnostics: issue.diagnostics }),
        ...(issue.expression === undefined || issue.expression.length === 0
          ? {}
          : { expression: [...issue.expression] }),
      })),
    };
  }
}

export const badRequest = (message: string, expression?: string): CdsError =>
  new CdsError('invalid-request', [{ message, ...(expression === undefined ? {} : { expression: [expression] }) }]);

/** Normalises anything thrown into a CdsError; unknown failures become an opaque 500 (details stay in the log). */
export function toCdsError(error: unknown): CdsError {
  if (error instanceof CdsError) {
    return error;
  }
  return new CdsError('internal', 'The service could not process the request.', { cause: error });
}
