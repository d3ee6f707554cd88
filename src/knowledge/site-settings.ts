import { dirname, join, resolve } from 'node:path';
import { thresholdOverridesSchema, type Thresholds } from '../mapping/result-knowledge.js';
import type { SiteConceptMap } from '../terminology/load-code-index.js';
import { checkSchema } from './check-schema.js';
import { KnowledgeError, readJsonFile } from './knowledge-error.js';

/**
 * Local policy: look-backs per lab concept (default mappings/lookbacks.json), rule thresholds (default
 * cards/settings.json), rule switches, result thresholds (default mappings/results.json), site ConceptMaps, and the
 * terminology confidence policy. A site overrides any of them in the JSON file named by SITE_CONFIG
 * (docs/operations.md, docs/data-shapes.md).
 */
export interface SiteSettings {
  readonly lookbacks: Readonly<Record<string, number>>;
  readonly ruleValues: Readonly<Record<string, number>>;
  readonly disabledRules: ReadonlySet<string>;
  readonly includeProbable: boolean;
  /** Threshold overrides per measure of mappings/results.json. */
  readonly thresholds: Readonly<Record<string, Thresholds>>;
  /** Local codes: FHIR ConceptMaps, inline or in files named relative to the site file. */
  readonly conceptMaps: readonly SiteConceptMap[];
  /** The file they come from, for error messages. */
  readonly file: string;
}

interface SiteFile {
  readonly rules?: Readonly<Record<string, { readonly enabled: boolean }>>;
  readonly lookbacks?: Readonly<Record<string, number | null>>;
  readonly settings?: Readonly<Record<string, number>>;
  readonly terminology?: { readonly includeProbable?: boolean };
  readonly results?: Readonly<Record<string, Thresholds>>;
  readonly conceptMaps?: readonly (string | Readonly<Record<string, unknown>>)[];
}

const days = { type: 'integer', minimum: 1, maximum: 36500 } as const;

const numbersSchema = { type: 'object', additionalProperties: { type: 'number', minimum: 0 } } as const;
const lookbackDefaultsSchema = { type: 'object', additionalProperties: days } as const;
const siteSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    rules: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['enabled'],
        additionalProperties: false,
        properties: { enabled: { type: 'boolean' } },
      },
    },
    // null removes a look-back ("any date").
    lookbacks: { type: 'object', additionalProperties: { anyOf: [days, { type: 'null' }] } },
    settings: numbersSchema,
    terminology: { type: 'object', additionalProperties: false, properties: { includeProbable: { type: 'boolean' } } },
    results: thresholdOverridesSchema,
    // A ConceptMap resource, or the path of a JSON file holding one (relative to the site file).
    conceptMaps: { type: 'array', items: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'object' }] } },
  },
} as const;

export function loadSiteSettings(knowledgeDir: string, siteFile: string | undefined): SiteSettings {
  const lookbackFile = join(knowledgeDir, 'mappings', 'lookbacks.json');
  const settingsFile = join(knowledgeDir, 'cards', 'settings.json');
  const lookbacks = new Map(
    Object.entries(
      checkSchema<Record<string, number>>(lookbackDefaultsSchema, readJsonFile(lookbackFile), lookbackFile)
    )
  );
  const ruleValues: Record<string, number> = {
    ...checkSchema<Record<string, number>>(numbersSchema, readJsonFile(settingsFile), settingsFile),
  };
  if (siteFile === undefined) {
    return {
      lookbacks: Object.fromEntries(lookbacks),
      ruleValues,
      disabledRules: new Set(),
      includeProbable: true,
      thresholds: {},
      conceptMaps: [],
      file: 'site configuration',
    };
  }
  const site = checkSchema<SiteFile>(siteSchema, readJsonFile(siteFile), siteFile);
  for (const [key, value] of Object.entries(site.lookbacks ?? {})) {
    if (!key.startsWith('lab-')) {
      throw new KnowledgeError(siteFile, `$.lookbacks.${key}`, 'look-backs apply to lab value sets (lab-*)');
    }
    if (value === null) {
      lookbacks.delete(key);
    } else {
      lookbacks.set(key, value);
    }
  }
  for (const [key, value] of Object.entries(site.settings ?? {})) {
    if (!(key in ruleValues)) {
      throw new KnowledgeError(
        siteFile,
        `$.settings.${key}`,
        `unknown rule setting; known: ${Object.keys(ruleValues).join(', ')}`
      );
    }
    ruleValues[key] = value;
  }
  const disabledRules = new Set(
    Object.entries(site.rules ?? {})
      .filter(([, rule]) => !rule.enabled)
      .map(([id]) => id)
  );
  return {
    lookbacks: Object.fromEntries(lookbacks),
    ruleValues,
    disabledRules,
    includeProbable: site.terminology?.includeProbable ?? true,
    thresholds: site.results ?? {},
    conceptMaps: (site.conceptMaps ?? []).map((entry, i) => {
      if (typeof entry !== 'string') {
        return { value: entry, file: siteFile, path: `$.conceptMaps[${String(i)}]` };
      }
      const file = resolve(dirname(siteFile), entry);
      return { value: readJsonFile(file), file, path: '$' };
    }),
    file: siteFile,
  };
}
