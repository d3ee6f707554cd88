/**
 * Why a client's call could not be authenticated (spec "Trusting CDS Clients"). The reason goes to the log; the
 * client only ever receives a generic 401, so that a caller cannot probe which check it failed.
 */
export type AuthFailureReason =
  | 'missing-token'
  | 'malformed-token'
  | 'algorithm-not-allowed'
  | 'missing-header-field'
  | 'unknown-issuer'
  | 'jku-not-allowlisted'
  | 'unknown-key'
  | 'jwks-unavailable'
  | 'bad-signature'
  | 'missing-claim'
  | 'wrong-audience'
  | 'expired'
  | 'too-old'
  | 'lifetime-too-long'
  | 'issued-in-future'
  | 'not-yet-valid'
  | 'tenant-not-allowed'
  | 'replayed';

/** What the token said about itself, unverified, for the log: never the token or its signature. */
export interface UnverifiedFields {
  readonly alg?: string;
  readonly kid?: string;
  readonly jku?: string;
  readonly iss?: string;
}

export class AuthFailure extends Error {
  readonly reason: AuthFailureReason;
  readonly fields: UnverifiedFields;

  constructor(reason: AuthFailureReason, detail: string, fields: UnverifiedFields = {}) {
    super(detail);
    this.name = 'AuthFailure';
    this.reason = reason;
    this.fields = fields;
  }
}
