import { Client } from 'fhir-kit-client';
import type { FhirResource } from 'fhir/r4';
import { FetchFailure, type FhirReaderFactory } from './fhir-reader.js';

/** Same-origin redirects followed per read before the read counts as failed (a loop must not eat the deadline). */
export const MAX_REDIRECTS = 3;

/**
 * FhirReader over fhir-kit-client 2 (native fetch). fhir-kit-client has no default timeout, so every call carries
 * the request's deadline signal.
 *
 * Redirects are handled here, not by fetch: a redirect to another origin is a failed read (fetch would follow it
 * and use that origin's answer as the patient's data; "unknown is not absent", so the gather stage reports the
 * data as unobtainable rather than empty). A redirect within the FHIR server's origin is followed, at most
 * MAX_REDIRECTS times; the bearer token thus only ever goes to the FHIR server's own origin.
 */
export const createFhirKitReader: FhirReaderFactory = (fhirServer, accessToken) => {
  const client = new Client({
    baseUrl: fhirServer,
    ...(accessToken === undefined ? {} : { bearerToken: accessToken }),
  });
  const origin = originOf(fhirServer);
  return {
    async get(url: string, signal: AbortSignal): Promise<FhirResource | null> {
      let target = url;
      for (let hops = 0; ; hops++) {
        let result: unknown;
        try {
          result = await client.request(target, { options: { signal, redirect: 'manual' } });
        } catch (error) {
          const location = redirectOf(error);
          if (location === undefined) {
            const failure = classify(error);
            if (failure === 'not-found') {
              return null;
            }
            throw failure;
          }
          if (origin === undefined || originOf(location) !== origin) {
            throw new FetchFailure('refused', 'the FHIR server redirected to another origin; not followed');
          }
          if (hops >= MAX_REDIRECTS) {
            throw new FetchFailure('refused', `the FHIR server redirected more than ${String(MAX_REDIRECTS)} times`);
          }
          target = location;
          continue;
        }
        if (!isResource(result)) {
          throw new FetchFailure('malformed', 'the FHIR server answered with something that is not a FHIR resource');
        }
        return result;
      }
    },
  };
};

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * The absolute target of a redirect answer (fhir-kit-client rejects non-2xx answers with the response's status,
 * headers and request URL on the error), or undefined when the error is no redirect. A 3xx without a usable
 * Location is a redirect to nowhere: reported with an unresolvable target, so it fails as a foreign origin.
 */
function redirectOf(error: unknown): string | undefined {
  const config = (error as { config?: { status?: unknown; headers?: unknown; url?: unknown } } | undefined)?.config;
  const status = config?.status;
  if (typeof status !== 'number' || status < 300 || status > 399 || status === 304) {
    return undefined;
  }
  const location = config?.headers instanceof Headers ? config.headers.get('location') : null;
  if (location === null) {
    return 'invalid:';
  }
  try {
    return new URL(location, typeof config?.url === 'string' ? config.url : undefined).href;
  } catch {
    return 'invalid:';
  }
}
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
