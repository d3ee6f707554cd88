import nock from 'nock';

export const FHIR_BASE = 'https://ehr.example.org/fhir';
export const TOKEN = 'opaque-access-token-123';

type Resource = Record<string, unknown>;

export interface RecordedQuery {
  readonly path: string;
  readonly params: URLSearchParams;
  readonly authorization: string | undefined;
}

/**
 * A nock-backed FHIR server for unit tests of the FHIR fetch path: answers type searches with a searchset of the
 * given resources of that type, applying the `patient` and `code` (system|code) parameters, answers reads
 * (`Type/id`, e.g. a referenced Medication), and records every query (with its Authorization header) so tests can
 * assert what was asked and with which token. Like many servers it ignores `_include`: the service must read what
 * it needs.
 */
export function mockFhirServer(
  resources: readonly Resource[],
  options: { token?: string } = {}
): { queries: RecordedQuery[] } {
  const queries: RecordedQuery[] = [];
  const token = options.token ?? TOKEN;
  nock('https://ehr.example.org')
    .persist()
    .get(/^\/fhir\/[A-Za-z]+\/[A-Za-z0-9\-.]+$/)
    .reply(function read(uri) {
      const [type, id] = uri.split('/').slice(-2);
      queries.push({ path: uri, params: new URLSearchParams(), authorization: this.req.headers['authorization'] });
      if (this.req.headers['authorization'] !== `Bearer ${token}`) {
        return [401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] }];
      }
      const found = resources.find((r) => r['resourceType'] === type && r['id'] === id);
      return found === undefined
        ? [404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] }]
        : [200, found, { 'Content-Type': 'application/fhir+json' }];
    });
  nock('https://ehr.example.org')
    .persist()
    .get(/^\/fhir\/[A-Za-z]+(\?.*)?$/)
    .reply(function reply(uri) {
      const url = new URL(uri, 'https://ehr.example.org');
      const authorization = this.req.headers['authorization'];
      queries.push({ path: url.pathname, params: url.searchParams, authorization });
      if (authorization !== `Bearer ${token}`) {
        return [401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] }];
      }
      const type = url.pathname.split('/').pop() ?? '';
      const patient = url.searchParams.get('patient');
      const codes = url.searchParams.get('code')?.split(',');
      const matches = resources.filter((r) => {
        if (r['resourceType'] !== type) {
          return false;
        }
        const subject = (r['subject'] as { reference?: string } | undefined)?.reference;
        if (patient !== null && subject !== `Patient/${patient}`) {
          return false;
        }
        if (codes === undefined) {
          return true;
        }
        const codings = [r['code'], r['valueCodeableConcept'], r['medicationCodeableConcept']].flatMap(
          (c) => (c as { coding?: { system?: string; code?: string }[] } | undefined)?.coding ?? []
        );
        return codings.some((c) => codes.includes(`${c.system ?? ''}|${c.code ?? ''}`) || codes.includes(c.code ?? ''));
      });
      return [
        200,
        {
          resourceType: 'Bundle',
          type: 'searchset',
          total: matches.length,
          entry: matches.map((resource) => ({
            fullUrl: `${FHIR_BASE}/${type}/${String(resource['id'])}`,
            resource,
            search: { mode: 'match' },
          })),
        },
        { 'Content-Type': 'application/fhir+json' },
      ];
    });
  return { queries };
}

/** Resources of a searchset Bundle in a fixture's prefetch, to serve from the mock server instead. */
export function prefetchResources(body: Record<string, unknown>): Resource[] {
  const prefetch = (body['prefetch'] ?? {}) as Record<string, { entry?: { resource: Resource }[] } | null>;
  return Object.values(prefetch).flatMap((bundle) => (bundle?.entry ?? []).map((e) => e.resource));
}
