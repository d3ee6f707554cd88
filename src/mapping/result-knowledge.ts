import { checkSchema } from '../knowledge/check-schema.js';
import { KnowledgeError } from '../knowledge/knowledge-error.js';
import type { ResultFlag } from './mapping-item.js';
import { EQUATIONS } from './units.js';

/**
 * mappings/results.json, checked and indexed for the pre-pass: how interpretation codes, coded and written values
 * read, and per measured quantity (a lab concept, or some of its codes) the unit results are compared in, the
 * molecular weight that relates mass and molar units, and the default thresholds (site-configurable).
 */
export interface Thresholds {
  /** Below this: low. */
  readonly lowBelow?: number;
  /** Below this (and not low): borderline. */
  readonly borderlineBelow?: number;
  /** From this up: borderline (when not high). */
  readonly borderlineFrom?: number;
  /** From this up: high. */
  readonly highFrom?: number;
}

export interface Measure extends Thresholds {
  readonly id: string;
  readonly concept: string;
  /** `system|code`; absent: every code of the concept. */
  readonly codes?: readonly string[];
  readonly unit: string;
  readonly molecularWeight?: number;
  /** Sent unit -> equation id (units.ts EQUATIONS) giving the value in `unit`. */
  readonly equations?: Readonly<Record<string, string>>;
}

export interface ResultKnowledge {
  readonly interpretationCodes: ReadonlyMap<string, ResultFlag>;
  readonly valueCodes: ReadonlyMap<string, ResultFlag>;
  readonly valueWords: ReadonlyMap<string, ResultFlag>;
  /** The measure of a lab concept for one of its codes (`system|code`), or the concept's only measure. */
  measureOf(concept: string, codes: readonly string[]): Measure | undefined;
  readonly measures: ReadonlyMap<string, Measure>;
}

const flag = { enum: ['positive', 'negative', 'high', 'low', 'normal', 'borderline', 'abnormal', 'unknown'] } as const;
const limits = {
  lowBelow: { type: 'number' },
  borderlineBelow: { type: 'number' },
  borderlineFrom: { type: 'number' },
  highFrom: { type: 'number' },
} as const;

const schema = {
  type: 'object',
  required: ['interpretationCodes', 'valueCodes', 'valueWords', 'measures'],
  additionalProperties: false,
  properties: {
    $comment: { type: 'string' },
    interpretationCodes: {
      type: 'object',
      properties: { $source: { type: 'string' } },
      additionalProperties: flag,
    },
    valueCodes: {
      type: 'object',
      propertyNames: { pattern: '^[^|]+\\|[^|]+$' },
      additionalProperties: {
        type: 'object',
        required: ['flag', 'display', 'source'],
        additionalProperties: false,
        properties: { flag, display: { type: 'string' }, source: { type: 'string', minLength: 1 } },
      },
    },
    valueWords: {
      type: 'object',
      properties: { $comment: { type: 'string' } },
      additionalProperties: flag,
    },
    measures: {
      type: 'object',
      propertyNames: { pattern: '^[a-z0-9-]+$' },
      additionalProperties: {
        type: 'object',
        required: ['concept', 'unit', 'source'],
        additionalProperties: false,
        properties: {
          concept: { type: 'string', pattern: '^lab-' },
          codes: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[^|]+\\|[^|]+$' } },
          unit: { type: 'string', minLength: 1 },
          molecularWeight: { type: 'number', exclusiveMinimum: 0 },
          equations: { type: 'object', additionalProperties: { type: 'string' } },
          source: { type: 'string', minLength: 1 },
          ...limits,
        },
      },
    },
  },
} as const;

/** SITE_CONFIG `results`: threshold overrides per measure id. */
export const thresholdOverridesSchema = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: limits,
  },
} as const;

interface ResultsFile {
  readonly interpretationCodes: Record<string, string>;
  readonly valueCodes: Record<string, { flag: ResultFlag }>;
  readonly valueWords: Record<string, string>;
  readonly measures: Record<string, Omit<Measure, 'id'> & { source: string }>;
}

/**
 * Checks and indexes the results file; `overrides` (site configuration) replace thresholds of named measures.
 * `isLabConcept` checks a measure's concept against the value sets, so a typo stops start-up.
 */
export function compileResultKnowledge(
  value: unknown,
  file: string,
  overrides: Readonly<Record<string, Thresholds>>,
  overridesFile: string,
  isLabConcept: (concept: string) => boolean
): ResultKnowledge {
  const parsed = checkSchema<ResultsFile>(schema, value, file);
  const measures = new Map<string, Measure>();
  for (const [id, entry] of Object.entries(parsed.measures)) {
    const measure: Omit<Measure, 'id'> = {
      concept: entry.concept,
      unit: entry.unit,
      ...(entry.codes === undefined ? {} : { codes: entry.codes }),
      ...(entry.molecularWeight === undefined ? {} : { molecularWeight: entry.molecularWeight }),
      ...(entry.equations === undefined ? {} : { equations: entry.equations }),
      ...(entry.lowBelow === undefined ? {} : { lowBelow: entry.lowBelow }),
      ...(entry.borderlineBelow === undefined ? {} : { borderlineBelow: entry.borderlineBelow }),
      ...(entry.borderlineFrom === undefined ? {} : { borderlineFrom: entry.borderlineFrom }),
      ...(entry.highFrom === undefined ? {} : { highFrom: entry.highFrom }),
    };
    if (!isLabConcept(measure.concept)) {
      throw new KnowledgeError(file, `$.measures.${id}.concept`, `'${measure.concept}' is not a lab value set`);
    }
    for (const [unit, equation] of Object.entries(measure.equations ?? {})) {
      if (!(equation in EQUATIONS)) {
        throw new KnowledgeError(file, `$.measures.${id}.equations.${unit}`, `unknown equation '${equation}'`);
      }
    }
    measures.set(id, { id, ...measure, ...overrides[id] });
  }
  for (const id of Object.keys(overrides)) {
    if (!measures.has(id)) {
      throw new KnowledgeError(
        overridesFile,
        `$.results.${id}`,
        `is not a measure of ${file}; known: ${[...measures.keys()].join(', ')}`
      );
    }
  }
  const byConcept = new Map<string, Measure[]>();
  for (const measure of measures.values()) {
    byConcept.set(measure.concept, [...(byConcept.get(measure.concept) ?? []), measure]);
  }
  const flags = (entries: Record<string, string>): Map<string, ResultFlag> =>
    new Map(
      Object.entries(entries)
        .filter(([key]) => !key.startsWith('$'))
        .map(([key, flag]) => [key.toLowerCase(), flag as ResultFlag])
    );
  return {
    interpretationCodes: new Map(
      Object.entries(parsed.interpretationCodes)
        .filter(([key]) => !key.startsWith('$'))
        .map(([key, flag]) => [key, flag as ResultFlag])
    ),
    valueCodes: new Map(Object.entries(parsed.valueCodes).map(([key, entry]) => [key, entry.flag])),
    valueWords: flags(parsed.valueWords),
    measures,
    measureOf(concept, codes) {
      const candidates = byConcept.get(concept);
      if (candidates === undefined) {
        return undefined;
      }
      return (
        candidates.find((m) => m.codes?.some((c) => codes.includes(c)) === true) ??
        candidates.find((m) => m.codes === undefined)
      );
    },
  };
}
