/** The authenticated CDS Client of a request (spec "Trusting CDS Clients", JWT payload). */
export interface ClientIdentity {
  /** The trusted client's `iss`. */
  readonly iss: string;
  /** Spec: "An opaque string identifying the healthcare organization that is invoking the CDS Hooks request". */
  readonly tenant: string | undefined;
  readonly jti: string;
}

interface Locals {
  locals: Record<string, unknown>;
}

const KEY = 'clientIdentity';

/** The client that signed this request's JWT; undefined when authentication is off or the path is public. */
export function clientIdentity(res: Locals): ClientIdentity | undefined {
  return res.locals[KEY] as ClientIdentity | undefined;
}

export function setClientIdentity(res: Locals, identity: ClientIdentity): void {
  res.locals[KEY] = identity;
}
