import type { Bundle, FhirResource } from 'fhir/r4';

/**
 * Medplum's in-memory search returns bare entries; a FHIR server's searchset also has each entry's `fullUrl` and
 * `search.mode`, a `self` link and, when `_count` cut the result, a `next` link (paged with `_offset`, which the
 * repository implements). The service follows `next` links, so the demo pages for real.
 */
export function searchset(result: Bundle<FhirResource>, typeUrl: string, query: URLSearchParams): Bundle<FhirResource> {
  const entry = (result.entry ?? []).map((e) => ({
    ...(e.resource === undefined
      ? {}
      : { fullUrl: `${typeUrl.slice(0, typeUrl.lastIndexOf('/'))}/${e.resource.resourceType}/${e.resource.id ?? ''}` }),
    ...(e.resource === undefined ? {} : { resource: e.resource }),
    search: { mode: 'match' as const },
  }));
  const link = [{ relation: 'self', url: `${typeUrl}?${query.toString()}` }];
  const count = Number(query.get('_count') ?? NaN);
  const offset = Number(query.get('_offset') ?? 0);
  if (Number.isInteger(count) && count > 0 && result.total !== undefined && offset + count < result.total) {
    const next = new URLSearchParams(query);
    next.set('_offset', String(offset + count));
    link.push({ relation: 'next', url: `${typeUrl}?${next.toString()}` });
  }
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(result.total === undefined ? {} : { total: result.total }),
    link,
    ...(entry.length === 0 ? {} : { entry }),
  };
}
