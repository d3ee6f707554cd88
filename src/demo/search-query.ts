import { globalSchema } from '@medplum/core';
import { SERVED_TYPES } from './fhir-definitions.js';

/**
 * Checks and completes a FHIR search query before Medplum's router runs it against the in-memory repository.
 *
 * Medplum's MemoryRepository implements search filters, sorting, `_count` and `_offset`, and quietly ignores or
 * mismatches what it does not implement. A quiet difference would make the demo lie about a real FHIR server, so:
 * - `patient=123` (an id alone, FHIR R4 search 3.1.1.4.11) is completed to `patient=Patient/123` when the reference
 *   parameter has exactly one target type: the repository compares whole reference strings and would find nothing;
 * - parameters, modifiers and result parameters the repository does not implement are refused (400) instead of
 *   being ignored (an unknown parameter would otherwise match no resource and look like "no data").
 */
export class UnsupportedSearch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedSearch';
  }
}

/** Result parameters the MemoryRepository honours (search.ts of @medplum/core parses more than it applies). */
const RESULT_PARAMETERS = new Set(['_count', '_offset', '_sort', '_total', '_format', '_pretty']);

/**
 * Splits `_include` off a search (the server resolves it itself: search-includes.ts); an `_include` it does not
 * resolve is refused like any unsupported parameter.
 */
export function takeIncludes(query: URLSearchParams, supported: (value: string) => boolean): string[] {
  const includes = query.getAll('_include');
  for (const include of includes) {
    if (!supported(include)) {
      throw new UnsupportedSearch(
        `_include=${include} is not supported (only MedicationRequest:medication and MedicationStatement:medication)`
      );
    }
  }
  query.delete('_include');
  return includes;
}
const MODIFIERS = new Set(['missing', 'not']);

export function completeSearchQuery(resourceType: string, query: URLSearchParams): URLSearchParams {
  const searchParams = (SERVED_TYPES as readonly string[]).includes(resourceType)
    ? globalSchema.types[resourceType]?.searchParams
    : undefined;
  if (searchParams === undefined) {
    throw new UnsupportedSearch(
      `${resourceType} is not a resource type this server holds (${SERVED_TYPES.join(', ')})`
    );
  }
  const completed = new URLSearchParams();
  for (const [key, value] of query) {
    const [code = '', modifier] = key.split(':');
    if (code === '_summary') {
      // Answered with whole resources: more elements than a summary, which a summary-reading client accepts
      // (the SMART App Launcher's provider list asks for `_summary=true`).
      continue;
    }
    if (RESULT_PARAMETERS.has(code)) {
      if (code === '_sort') {
        for (const field of value.split(',')) {
          if (searchParams[field.replace(/^-/, '')] === undefined) {
            throw new UnsupportedSearch(`_sort=${field}: ${resourceType} has no search parameter to sort by`);
          }
        }
      }
      completed.append(key, value);
      continue;
    }
    const param = searchParams[code];
    if (param === undefined) {
      throw new UnsupportedSearch(`'${code}' is not a search parameter of ${resourceType} this server supports`);
    }
    if (modifier !== undefined && !MODIFIERS.has(modifier)) {
      throw new UnsupportedSearch(`the modifier ':${modifier}' is not supported (${key})`);
    }
    const target = param.type === 'reference' && param.target?.length === 1 ? param.target[0] : undefined;
    completed.append(
      key,
      target === undefined || modifier !== undefined
        ? value
        : value
            .split(',')
            .map((item) => (item.includes('/') ? item : `${target}/${item}`))
            .join(',')
    );
  }
  return completed;
}
