import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CdsServiceDefinition, HookName } from '../cds-hooks/types.js';
import type { TemplateError } from '../cds-hooks/prefetch-template.js';
import { checkTemplate } from '../cds-hooks/prefetch-template.js';
import type { PrefetchSpec } from '../gather/gather.js';
import type { CodeIndex } from '../terminology/code-index.js';
import { checkSchema } from './check-schema.js';
import { KnowledgeError, readJsonFile } from './knowledge-error.js';

/** hooks/prefetch/templates.json: named prefetch templates shared by the services. */
interface TemplateFile {
  readonly [key: string]: {
    readonly description: string;
    /** What the data is, for a clinician, when a card must say it could not be read. */
    readonly label: string;
    readonly query: string;
    readonly required: boolean;
    /** Decision-model fields this data feeds (completeness: they are incomplete when it cannot be read). */
    readonly feeds: readonly string[];
    /** Value sets whose exact codes become a `code=` filter (so the query stays narrow). */
    readonly valueSets?: readonly string[];
    /** Search parameter the codes go in (default `code`; DiagnosticReport results use `conclusion`). */
    readonly codeParameter?: string;
    /** Add `date=ge{{today() - N days}}`, N being the longest look-back of the value sets. */
    readonly dateFromLookback?: boolean;
  };
}

/** hooks/<service>.json: the discovery entry (spec "Discovery") plus the names of its prefetch templates. */
interface ServiceFile {
  readonly id: string;
  readonly hook: HookName;
  readonly title: string;
  readonly description: string;
  readonly usageRequirements: string;
  readonly version?: string;
  readonly hookVersion?: string;
  readonly prefetch: readonly string[];
}

const templateSchema = {
  type: 'object',
  minProperties: 1,
  propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9-]{0,63}$' },
  additionalProperties: {
    type: 'object',
    required: ['description', 'label', 'query', 'required', 'feeds'],
    additionalProperties: false,
    properties: {
      description: { type: 'string', minLength: 1 },
      label: { type: 'string', minLength: 1 },
      feeds: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string' } },
      query: { type: 'string', pattern: '^[A-Z][A-Za-z]+[/?]' },
      required: { type: 'boolean' },
      valueSets: { type: 'array', items: { type: 'string' }, minItems: 1 },
      codeParameter: { type: 'string', pattern: '^[a-z][a-z-]*$' },
      dateFromLookback: { type: 'boolean' },
    },
  },
} as const;

const serviceSchema = {
  type: 'object',
  required: ['id', 'hook', 'title', 'description', 'usageRequirements', 'prefetch'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' },
    hook: { enum: ['patient-view', 'order-select', 'order-sign'] },
    title: { type: 'string', minLength: 1 },
    description: { type: 'string', minLength: 1 },
    usageRequirements: { type: 'string', minLength: 1 },
    version: { type: 'string' },
    hookVersion: { type: 'string' },
    prefetch: { type: 'array', items: { type: 'string' }, uniqueItems: true },
  },
} as const;

export interface LoadedServiceDefinition {
  readonly definition: CdsServiceDefinition;
  readonly prefetch: readonly PrefetchSpec[];
}

/**
 * Loads hooks/*.json and the shared templates, expanding each template's value sets into a `code=` filter and its
 * look-back into a date filter, so discovery advertises narrow queries (spec "Prefetch query restrictions":
 * token equality on `code`, `date` with `ge`).
 */
export function loadServiceDefinitions(
  hooksDir: string,
  index: CodeIndex,
  lookbacks: Readonly<Record<string, number>>,
  modelFields: ReadonlySet<string>
): LoadedServiceDefinition[] {
  const templatesFile = join(hooksDir, 'prefetch', 'templates.json');
  const templates = checkSchema<TemplateFile>(templateSchema, readJsonFile(templatesFile), templatesFile);
  const expanded = new Map<string, Omit<PrefetchSpec, 'key'>>();
  for (const [key, template] of Object.entries(templates)) {
    template.feeds.forEach((field, i) => {
      if (!modelFields.has(field)) {
        throw new KnowledgeError(
          templatesFile,
          `$.${key}.feeds[${String(i)}]`,
          `'${field}' is not a decision-model field`
        );
      }
    });
    expanded.set(key, {
      template: expandTemplate(key, template, index, lookbacks, templatesFile),
      required: template.required,
      label: template.label,
      feeds: template.feeds,
    });
  }

  const files = readdirSync(hooksDir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (files.length === 0) {
    throw new KnowledgeError(hooksDir, '', 'holds no service definition (*.json)');
  }
  const seen = new Set<string>();
  return files.map((name) => {
    const file = join(hooksDir, name);
    const service = checkSchema<ServiceFile>(serviceSchema, readJsonFile(file), file);
    if (seen.has(service.id)) {
      throw new KnowledgeError(file, '$.id', `service id '${service.id}' is used twice`);
    }
    seen.add(service.id);
    const prefetch: PrefetchSpec[] = service.prefetch.map((key, i) => {
      const template = expanded.get(key);
      if (template === undefined) {
        throw new KnowledgeError(file, `$.prefetch[${String(i)}]`, `'${key}' is not a template in ${templatesFile}`);
      }
      return { key, ...template };
    });
    const definition: CdsServiceDefinition = {
      hook: service.hook,
      title: service.title,
      description: service.description,
      id: service.id,
      ...(prefetch.length === 0 ? {} : { prefetch: Object.fromEntries(prefetch.map((p) => [p.key, p.template])) }),
      usageRequirements: service.usageRequirements,
      ...(service.version === undefined ? {} : { version: service.version }),
      ...(service.hookVersion === undefined ? {} : { hookVersion: service.hookVersion }),
    };
    return { definition, prefetch };
  });
}

function expandTemplate(
  key: string,
  template: TemplateFile[string],
  index: CodeIndex,
  lookbacks: Readonly<Record<string, number>>,
  file: string
): string {
  let query = template.query;
  const codes: string[] = [];
  let lookback = 0;
  for (const [i, id] of (template.valueSets ?? []).entries()) {
    const set = index.sets.get(id);
    if (set === undefined) {
      throw new KnowledgeError(file, `$.${key}.valueSets[${String(i)}]`, `unknown value set '${id}'`);
    }
    if (set.icdPrefixes.length > 0 && query.startsWith('Condition')) {
      // A code= filter cannot express an ICD-10-CM family; diagnoses must be fetched unfiltered by code.
      throw new KnowledgeError(
        file,
        `$.${key}.valueSets[${String(i)}]`,
        `'${id}' matches ICD-10-CM by prefix, which a code filter would miss`
      );
    }
    codes.push(...set.codes.keys(), ...index.localCodesOf(id));
    lookback = Math.max(lookback, lookbacks[id] ?? 0);
  }
  if (codes.length > 0) {
    query += `${query.includes('?') ? '&' : '?'}${template.codeParameter ?? 'code'}=${[...new Set(codes)].join(',')}`;
  }
  if (template.dateFromLookback === true) {
    if (lookback === 0) {
      throw new KnowledgeError(file, `$.${key}.dateFromLookback`, 'none of its value sets has a look-back');
    }
    query += `&date=ge{{today() - ${String(lookback)} days}}`;
  }
  try {
    checkTemplate(query);
  } catch (error) {
    throw new KnowledgeError(file, `$.${key}.query`, (error as TemplateError).message);
  }
  return query;
}
