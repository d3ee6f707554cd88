import type { FhirResource } from 'fhir/r4';

/** Why a FHIR read failed; the gather stage turns these into a 412 naming the prefetch keys it could not fill. */
export type FetchFailureReason = 'unauthorized' | 'timeout' | 'server-error' | 'malformed' | 'network' | 'refused';

export class FetchFailure extends Error {
  readonly reason: FetchFailureReason;
  readonly status: number | undefined;

  constructor(reason: FetchFailureReason, message: string, status?: number) {
    super(message);
    this.name = 'FetchFailure';
    this.reason = reason;
    this.status = status;
  }
}

/**
 * The service's view of the CDS Client's FHIR server (a port; tests use nock against the adapter, or fakes).
 * `get` takes a URL relative to the server base (or an absolute `next` link already checked to be on that server)
 * and resolves to the resource, or to null when a read finds nothing (404/410).
 */
export interface FhirReader {
  get(url: string, signal: AbortSignal): Promise<FhirResource | null>;
}

export interface FhirReaderFactory {
  /** `accessToken` is sent as `Authorization: Bearer`; it is never logged. */
  (fhirServer: string, accessToken: string | undefined): FhirReader;
}
