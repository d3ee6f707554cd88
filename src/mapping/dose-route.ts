import type { FhirResource } from 'fhir/r4';
import { checkSchema } from '../knowledge/check-schema.js';
import { asArray, field, isObject, text } from './fhir-fields.js';

/**
 * The route of a medication order (mappings/routes.json): from `dosageInstruction.route` (its codes, else the
 * words of its text and displays), else from the dose form in the product's name ("methylprednisolone 4 MG Oral
 * Tablet", "... 1000 MG Injection"). A pulse dose range applies to intravenous pulses only; an oral dose is
 * compared as prednisone equivalent.
 */
export type Route = 'oral' | 'intravenous' | 'intramuscular' | 'subcutaneous' | 'parenteral';

export interface RouteKnowledge {
  readonly codes: ReadonlyMap<string, Route>;
  readonly words: ReadonlyMap<string, Route>;
  readonly doseForms: ReadonlyMap<string, Route>;
}

const route = { enum: ['oral', 'intravenous', 'intramuscular', 'subcutaneous', 'parenteral'] } as const;
const schema = {
  type: 'object',
  required: ['routeCodes', 'routeWords', 'doseFormWords'],
  additionalProperties: false,
  properties: {
    $comment: { type: 'string' },
    routeCodes: {
      type: 'object',
      propertyNames: { pattern: '^[^|]+\\|[^|]+$' },
      additionalProperties: {
        type: 'object',
        required: ['route', 'display', 'source'],
        additionalProperties: false,
        properties: { route, display: { type: 'string' }, source: { type: 'string', minLength: 1 } },
      },
    },
    routeWords: { type: 'object', additionalProperties: route },
    doseFormWords: { type: 'object', additionalProperties: route },
  },
} as const;

interface RoutesFile {
  readonly routeCodes: Record<string, { route: Route }>;
  readonly routeWords: Record<string, Route>;
  readonly doseFormWords: Record<string, Route>;
}

export function compileRouteKnowledge(value: unknown, file: string): RouteKnowledge {
  const parsed = checkSchema<RoutesFile>(schema, value, file);
  const lower = (entries: Record<string, Route>): Map<string, Route> =>
    new Map(Object.entries(entries).map(([word, r]) => [word.toLowerCase(), r]));
  return {
    codes: new Map(Object.entries(parsed.routeCodes).map(([key, entry]) => [key, entry.route])),
    words: lower(parsed.routeWords),
    doseForms: lower(parsed.doseFormWords),
  };
}

/** The route and where it was read, or undefined when neither the dosage nor the product name says it. */
export function routeOf(
  order: FhirResource,
  medicationNames: readonly string[],
  knowledge: RouteKnowledge
): { route: Route; basis: string } | undefined {
  for (const dosage of asArray(field(order, 'dosageInstruction')).filter(isObject)) {
    const routes = asArray(dosage['route']).filter(isObject);
    for (const concept of routes) {
      for (const coding of asArray(concept['coding']).filter(isObject)) {
        const coded = knowledge.codes.get(`${text(coding['system'])}|${text(coding['code'])}`);
        if (coded !== undefined) {
          return { route: coded, basis: `route ${text(coding['display']) || text(coding['code'])}` };
        }
      }
      const texts = [
        text(concept['text']),
        ...asArray(concept['coding'])
          .filter(isObject)
          .map((c) => text(c['display'])),
      ];
      for (const value of texts) {
        const found = findWord(value, knowledge.words);
        if (found !== undefined) {
          return { route: found, basis: `route "${value}"` };
        }
      }
    }
  }
  for (const name of medicationNames) {
    const found = findWord(name, knowledge.doseForms);
    if (found !== undefined) {
      return { route: found, basis: `dose form in "${name}"` };
    }
  }
  return undefined;
}

/** The first listed word or phrase found as whole words in `value`. */
function findWord(value: string, words: ReadonlyMap<string, Route>): Route | undefined {
  const normalised = ` ${value.toLowerCase().replace(/[^a-z0-9.]+/g, ' ')} `;
  for (const [word, found] of words) {
    if (normalised.includes(` ${word} `)) {
      return found;
    }
  }
  return undefined;
}
