import { Client } from 'fhir-kit-client';
import type { FhirResource } from 'fhir/r4';
import { FetchFailure, type FhirReaderFactory } from './fhir-reader.js';

/**
 * FhirReader over fhir-kit-client 2 (native fetch). fhir-kit-client has no default timeout, so every call carries
 * the request's deadline signal.
 */
export const createFhirKitReader: FhirReaderFactory = (fhirServer, accessToken) => {
  const client = new Client({
    baseUrl: fhirServer,
    ...(accessToken === undefined ? {} : { bearerToken: accessToken }),
  });
  return {
    async get(url: string, signal: AbortSignal): Promise<FhirResource | null> {
      let result: unknown;
      try {
        result = await client.request(url, { options: { signal } });
      } catch (error) {
        const failure = classify(error);
        if (failure === 'not-found') {
          return null;
        }
        throw failure;
      }
      if (!isResource(result)) {
        throw new FetchFailure('malformed', 'the FHIR server answered with something that is not a FHIR resource');
      }
      return result;
    },
  };
};

function isResource(value: unknown): value is FhirResource {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { resourceType?: unknown }).resourceType === 'string'
  );
}

function classify(error: unknown): FetchFailure | 'not-found' {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new FetchFailure('timeout', 'the FHIR server did not answer before the deadline');
  }
  const response = (error as { response?: { status?: unknown; data?: unknown } } | undefined)?.response;
  const status = typeof response?.status === 'number' ? response.status : undefined;
  if (status === undefined) {
    return new FetchFailure('network', 'the FHIR server could not be reached');
  }
  if (status === 404 || status === 410) {
    return 'not-found';
  }
  if (status === 401 || status === 403) {
    return new FetchFailure('unauthorized', `the FHIR server refused access (HTTP ${status})`, status);
  }
  if (status >= 200 && status < 300) {
    // fhir-kit-client reports an unparseable 2xx body this way.
    return new FetchFailure('malformed', 'the FHIR server answered with a body that is not JSON', status);
  }
  if (status >= 500) {
    return new FetchFailure('server-error', `the FHIR server failed (HTTP ${status})`, status);
  }
  return new FetchFailure('refused', `the FHIR server rejected the query (HTTP ${status})`, status);
}
