import type { CodeIndex } from '../terminology/code-index.js';
import type { Evidence } from './decision-model.js';
import { codesOf, isObject } from './fhir-fields.js';
import type { JsonataFunction } from './jsonata-runtime.js';
import type { MappingItem } from './mapping-item.js';
import { weightOf } from './prepare-input.js';

/**
 * Small, total helper functions offered to every mapping and rule expression. They do in JS what is awkward or
 * error-prone in JSONata (singleton-vs-array codes, date arithmetic, evidence records) and never throw.
 */
export function mappingFunctions(
  index: CodeIndex
): Record<string, { implementation: JsonataFunction; signature?: string }> {
  const title = (set: unknown): string => (typeof set === 'string' ? (index.sets.get(set)?.title ?? set) : '');
  return {
    /** Codes of one or more CodeableConcepts: `$codes(resource.clinicalStatus)`. */
    codes: { implementation: (value: unknown) => codesOf(value) },
    /** True when any of `values` (a value or an array) is in `list`. */
    anyIn: {
      implementation: (values: unknown, list: unknown) => {
        const wanted = Array.isArray(list) ? list : [list];
        return (Array.isArray(values) ? values : [values]).some((v) => v !== undefined && wanted.includes(v));
      },
    },
    startsWith: {
      implementation: (value: unknown, prefix: unknown) =>
        typeof value === 'string' && typeof prefix === 'string' && value.startsWith(prefix),
    },
    /** Human title of a value set id (the concept's label). */
    title: { implementation: title },
    /** Evidence record of a mapping item, for the coding that matched `set`. */
    ev: {
      implementation: (item: unknown, set: unknown, detail: unknown) =>
        evidenceOf(
          item as MappingItem,
          typeof set === 'string' ? set : undefined,
          typeof detail === 'string' ? detail : undefined,
          title
        ),
    },
    /** Body weight in kg of a weight Observation item (converted by the pre-pass with UCUM). */
    weightKg: { implementation: (item: unknown) => weightOf(item as MappingItem | undefined) },
  };
}

function evidenceOf(
  item: MappingItem | undefined,
  set: string | undefined,
  detail: string | undefined,
  title: (set: unknown) => string
): Evidence | undefined {
  if (item === undefined || !isObject(item)) {
    return undefined;
  }
  const match = (set === undefined ? undefined : item.matches.find((m) => m.set === set)) ?? item.matches[0];
  const display = match?.display !== undefined && match.display !== '' ? match.display : title(set);
  const repeated = item.records > 1 ? `recorded ${String(item.records)} times, latest shown` : undefined;
  // A local code mapped by the site's ConceptMap: the evidence shows both codes.
  const local =
    match?.mappedFrom === undefined ? undefined : `local code ${match.mappedFrom.code} (${match.mappedFrom.system})`;
  const details = [detail, local, repeated].filter((d): d is string => d !== undefined && d !== '');
  return {
    reference: item.ref,
    display,
    ...(match !== undefined && match.by !== 'text' ? { system: match.system, code: match.code } : {}),
    ...(item.date === undefined ? {} : { date: item.date }),
    ...(details.length === 0 ? {} : { detail: details.join('; ') }),
  };
}
