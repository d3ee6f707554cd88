import type { ConceptMap } from 'fhir/r4';
import { checkSchema } from '../knowledge/check-schema.js';
import { KnowledgeError } from '../knowledge/knowledge-error.js';

/**
 * Site ConceptMaps (FHIR R4 ConceptMap): local lab and medication codes -> LOINC / RxNorm / SNOMED CT (or any
 * system of the value sets). The code index applies them when a coding's own code is not recognised, and evidence
 * lines show both codes. Only mappings whose target means the same or more than the local code are usable
 * (equivalence equivalent, equal, wider, subsumes: R4 ConceptMap.group.element.target.equivalence); a narrower or
 * inexact mapping would make a local result count as something it is not, so it stops start-up.
 */
export interface LocalTarget {
  readonly system: string;
  readonly code: string;
}

/** `localSystem|localCode` -> the standard codes it stands for. */
export type LocalCodeMap = ReadonlyMap<string, readonly LocalTarget[]>;

const USABLE = new Set(['equivalent', 'equal', 'wider', 'subsumes']);

const schema = {
  type: 'object',
  required: ['resourceType', 'group'],
  properties: {
    resourceType: { const: 'ConceptMap' },
    group: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['source', 'target', 'element'],
        properties: {
          source: { type: 'string', minLength: 1 },
          target: { type: 'string', minLength: 1 },
          element: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['code', 'target'],
              properties: {
                code: { type: 'string', minLength: 1 },
                target: {
                  type: 'array',
                  minItems: 1,
                  items: {
                    type: 'object',
                    required: ['code', 'equivalence'],
                    properties: { code: { type: 'string', minLength: 1 }, equivalence: { type: 'string' } },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

/**
 * Adds one ConceptMap's usable mappings to `into`. `file` and `path` name where it came from (a file of its own,
 * or an entry of the site configuration) for the error message; `knownSystems` are the systems of the value sets.
 */
export function addConceptMap(
  value: unknown,
  file: string,
  path: string,
  knownSystems: ReadonlySet<string>,
  into: Map<string, LocalTarget[]>
): void {
  let map: ConceptMap;
  try {
    map = checkSchema<ConceptMap>(schema, value, file);
  } catch (error) {
    // checkSchema names paths from the ConceptMap's root; prefix where it sits in the site file.
    if (error instanceof KnowledgeError && path !== '$') {
      throw new KnowledgeError(file, `${path}${error.path.slice(1)}`, error.message.split(': ').slice(1).join(': '));
    }
    throw error;
  }
  (map.group ?? []).forEach((group, g) => {
    const where = `${path}.group[${String(g)}]`;
    if (!knownSystems.has(group.target ?? '')) {
      throw new KnowledgeError(
        file,
        `${where}.target`,
        `'${String(group.target)}' is not a code system of the value sets (${[...knownSystems].join(', ')})`
      );
    }
    group.element.forEach((element, e) => {
      const key = `${group.source ?? ''}|${element.code ?? ''}`;
      (element.target ?? []).forEach((target, t) => {
        if (!USABLE.has(target.equivalence)) {
          throw new KnowledgeError(
            file,
            `${where}.element[${String(e)}].target[${String(t)}].equivalence`,
            `'${target.equivalence}' cannot be used: a local code may map only to a code that means the same or more (equivalent, equal, wider, subsumes)`
          );
        }
        const list = into.get(key) ?? [];
        list.push({ system: group.target ?? '', code: target.code ?? '' });
        into.set(key, list);
      });
    });
  });
}
