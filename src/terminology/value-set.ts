import type { ValueSet } from 'fhir/r4';
import { checkSchema } from '../knowledge/check-schema.js';
import { KnowledgeError } from '../knowledge/knowledge-error.js';

/** Canonical base of this service's own identifiers (value sets, extensions, rule topics). */
export const CANONICAL_BASE = 'urn:ctd-neuropathy-cds';
export const EXT = {
  fact: `${CANONICAL_BASE}:extension:decision-model-fact`,
  textMatch: `${CANONICAL_BASE}:extension:text-match`,
  evidence: `${CANONICAL_BASE}:extension:code-evidence`,
  confidence: `${CANONICAL_BASE}:extension:code-confidence`,
  inclusionReason: `${CANONICAL_BASE}:extension:inclusion-reason`,
} as const;

export const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';

/** A value set reduced to what matching needs. Codes are `system|code`; ICD-10-CM prefixes are normalised. */
export interface ConceptSet {
  readonly id: string;
  readonly title: string;
  readonly fact: string;
  readonly codes: ReadonlyMap<string, string>;
  /** ICD-10-CM `is-a` families, normalised (upper case, no dot), e.g. `M055` for M05.5. */
  readonly icdPrefixes: readonly string[];
  /** ICD-10-CM `is-a` families left out of the included ones (compose.exclude), normalised. */
  readonly icdExcludes: readonly string[];
  /** Lower-case phrases matched as whole words in free text (medications and orders only, last resort). */
  readonly textPhrases: readonly string[];
}

export interface TerminologyPolicy {
  /** Probable codes are used only when their value set states why (inclusion-reason); false drops all of them. */
  readonly includeProbable: boolean;
}

const extension = {
  type: 'array',
  items: {
    type: 'object',
    required: ['url'],
    properties: { url: { type: 'string' }, valueString: { type: 'string' }, valueCode: { type: 'string' } },
    additionalProperties: false,
  },
} as const;

/** ValueSet.compose filters: ICD-10-CM families by `concept is-a <prefix>` (the only filter the code index reads). */
const isAFilters = {
  type: 'array',
  items: {
    type: 'object',
    required: ['property', 'op', 'value'],
    properties: { property: { const: 'concept' }, op: { const: 'is-a' }, value: { type: 'string' } },
  },
} as const;

const schema = {
  type: 'object',
  required: ['resourceType', 'id', 'url', 'title', 'status', 'extension'],
  properties: {
    resourceType: { const: 'ValueSet' },
    id: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' },
    url: { type: 'string' },
    version: { type: 'string' },
    name: { type: 'string' },
    title: { type: 'string', minLength: 1 },
    status: { enum: ['active', 'draft', 'retired'] },
    description: { type: 'string' },
    extension,
    compose: {
      type: 'object',
      required: ['include'],
      properties: {
        exclude: {
          type: 'array',
          items: {
            type: 'object',
            required: ['system', 'filter'],
            properties: {
              system: { const: 'http://hl7.org/fhir/sid/icd-10-cm' },
              filter: isAFilters,
              extension,
            },
          },
        },
        include: {
          type: 'array',
          items: {
            type: 'object',
            required: ['system'],
            properties: {
              system: { type: 'string' },
              concept: {
                type: 'array',
                items: { type: 'object', required: ['code'], properties: { code: { type: 'string' } } },
              },
              filter: isAFilters,
              extension,
            },
          },
        },
      },
    },
    expansion: {
      type: 'object',
      properties: {
        timestamp: { type: 'string' },
        contains: {
          type: 'array',
          items: {
            type: 'object',
            required: ['system', 'code', 'display', 'extension'],
            properties: {
              system: { type: 'string' },
              code: { type: 'string' },
              display: { type: 'string' },
              extension,
            },
          },
        },
      },
    },
  },
} as const;

/** Reads one ValueSet file into a ConceptSet, applying the confidence policy. */
export function toConceptSet(value: unknown, file: string, policy: TerminologyPolicy): ConceptSet {
  const valueSet = checkSchema<ValueSet>(schema, value, file);
  const id = valueSet.id ?? '';
  if (!file.endsWith(`/${id}.json`)) {
    throw new KnowledgeError(file, '$.id', `id '${id}' must match the file name`);
  }
  const ext = (url: string): string[] =>
    (valueSet.extension ?? []).filter((e) => e.url === url).map((e) => e.valueCode ?? e.valueString ?? '');
  const fact = ext(EXT.fact)[0];
  if (fact === undefined || fact === '') {
    throw new KnowledgeError(file, '$.extension', `needs a ${EXT.fact} extension naming its decision-model fact`);
  }

  const codes = new Map<string, string>();
  (valueSet.expansion?.contains ?? []).forEach((entry, i) => {
    const where = `$.expansion.contains[${i}]`;
    const get = (url: string): string | undefined => {
      const e = entry.extension?.find((x) => x.url === url);
      return e?.valueCode ?? e?.valueString;
    };
    const confidence = get(EXT.confidence);
    if (get(EXT.evidence) === undefined) {
      throw new KnowledgeError(file, where, 'every code must keep its source (code-evidence extension)');
    }
    if (confidence !== 'verified' && confidence !== 'probable') {
      throw new KnowledgeError(
        file,
        where,
        `confidence '${String(confidence)}' is not usable; only verified or probable codes`
      );
    }
    if (confidence === 'probable' && (get(EXT.inclusionReason) === undefined || !policy.includeProbable)) {
      if (get(EXT.inclusionReason) === undefined) {
        throw new KnowledgeError(
          file,
          where,
          'a probable code needs an inclusion-reason extension saying why it is used'
        );
      }
      return;
    }
    codes.set(`${entry.system ?? ''}|${entry.code ?? ''}`, entry.display ?? '');
  });

  const icdPrefixes: string[] = [];
  (valueSet.compose?.include ?? []).forEach((include, i) => {
    (include.concept ?? []).forEach((concept, j) => {
      if (!codes.has(`${include.system ?? ''}|${concept.code}`) && policy.includeProbable) {
        throw new KnowledgeError(
          file,
          `$.compose.include[${i}].concept[${j}]`,
          `code ${concept.code} is not in the expansion`
        );
      }
    });
    for (const filter of include.filter ?? []) {
      if (include.system !== ICD10CM) {
        throw new KnowledgeError(file, `$.compose.include[${i}]`, 'is-a filters are supported for ICD-10-CM only');
      }
      icdPrefixes.push(normaliseIcd(filter.value));
    }
  });

  const icdExcludes = (valueSet.compose?.exclude ?? []).flatMap((exclude) =>
    (exclude.filter ?? []).map((filter) => normaliseIcd(filter.value))
  );
  return {
    id,
    title: valueSet.title ?? id,
    fact,
    codes,
    icdPrefixes,
    icdExcludes,
    textPhrases: ext(EXT.textMatch).map((t) => t.toLowerCase()),
  };
}

/** ICD-10-CM codes compare without the dot and case-insensitively (`m05.511` and `M05511` are the same code). */
export function normaliseIcd(code: string): string {
  return code.replace(/\./g, '').toUpperCase();
}

/** A normalised ICD-10-CM code in its written form, the dot after the category (`G5622` -> `G56.22`). */
export function canonicalIcd(bare: string): string {
  return bare.length > 3 ? `${bare.slice(0, 3)}.${bare.slice(3)}` : bare;
}
