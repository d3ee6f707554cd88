import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Orderable } from '../cards/orderables.js';
import type { HookName } from '../cds-hooks/types.js';
import type { PrefetchSpec } from '../gather/gather.js';
import { compileExpression, type CompiledExpression, type Guardrails } from '../mapping/jsonata-runtime.js';
import type { DecisionModelMapping } from '../mapping/map-decision-model.js';
import { mappingFunctions } from '../mapping/mapping-functions.js';
import type { CardTemplate, Rule } from '../rules/rule.js';
import { CodeIndex } from '../terminology/code-index.js';
import { toConceptSet } from '../terminology/value-set.js';
import type { CdsServiceDefinition } from '../cds-hooks/types.js';
import { checkSchema } from './check-schema.js';
import { KnowledgeError, readJsonFile } from './knowledge-error.js';
import { loadServiceDefinitions } from './service-definitions.js';
import { loadSiteSettings, type SiteSettings } from './site-settings.js';

export interface LoadedService {
  readonly definition: CdsServiceDefinition;
  readonly prefetch: readonly PrefetchSpec[];
  /** Enabled rules of this service's hook. */
  readonly rules: readonly Rule[];
}

/** Everything the request path needs, loaded, validated, cross-checked and compiled once at start-up. */
export interface Knowledge {
  readonly services: ReadonlyMap<string, LoadedService>;
  readonly codeIndex: CodeIndex;
  readonly mapping: DecisionModelMapping;
  readonly rules: readonly Rule[];
  /** Helper functions shared by rule conditions (cards/common.jsonata). */
  readonly ruleCommon: CompiledExpression | undefined;
  readonly orderables: ReadonlyMap<string, Orderable>;
  readonly site: SiteSettings;
}

export interface KnowledgeOptions {
  readonly knowledgeDir: string;
  readonly siteConfigFile: string | undefined;
  readonly guardrails: Guardrails;
}

/**
 * Loads hooks/, cards/ and mappings/. Any problem throws a KnowledgeError naming the file and JSON path, and the
 * process does not start: a half-loaded knowledge base would give silently wrong advice.
 */
export function loadKnowledge(options: KnowledgeOptions): Knowledge {
  const { knowledgeDir, guardrails } = options;
  const site = loadSiteSettings(knowledgeDir, options.siteConfigFile);
  const codeIndex = loadValueSets(join(knowledgeDir, 'mappings', 'valuesets'), site);
  for (const key of Object.keys(site.lookbacks)) {
    if (!codeIndex.sets.has(key)) {
      throw new KnowledgeError(
        options.siteConfigFile ?? join(knowledgeDir, 'mappings', 'lookbacks.json'),
        `$.${key}`,
        'is not a value set id'
      );
    }
  }
  const functions = mappingFunctions(codeIndex);
  const compile = (file: string): CompiledExpression => {
    if (!existsSync(file)) {
      throw new KnowledgeError(file, '', 'does not exist');
    }
    return compileExpression(readFileSync(file, 'utf8'), file, guardrails, functions);
  };

  const mapping = loadMapping(join(knowledgeDir, 'mappings'), compile);
  const orderables = loadOrderables(join(knowledgeDir, 'cards', 'orderables.json'), codeIndex);
  const rules = loadRules(join(knowledgeDir, 'cards'), compile, orderables);
  const ruleCommonFile = join(knowledgeDir, 'cards', 'common.jsonata');
  const ruleCommon = existsSync(ruleCommonFile) ? compile(ruleCommonFile) : undefined;
  for (const id of site.disabledRules) {
    if (!rules.some((r) => r.id === id)) {
      throw new KnowledgeError(options.siteConfigFile ?? 'site configuration', `$.rules.${id}`, 'is not a rule id');
    }
  }

  const services = new Map<string, LoadedService>();
  for (const loaded of loadServiceDefinitions(join(knowledgeDir, 'hooks'), codeIndex, site.lookbacks)) {
    const hook: HookName = loaded.definition.hook;
    services.set(loaded.definition.id, {
      ...loaded,
      rules: rules.filter((r) => r.template.hooks.includes(hook) && !site.disabledRules.has(r.id)),
    });
  }
  return { services, codeIndex, mapping, rules, ruleCommon, orderables, site };
}

function loadValueSets(dir: string, site: SiteSettings): CodeIndex {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (files.length === 0) {
    throw new KnowledgeError(dir, '', 'holds no value set');
  }
  return new CodeIndex(
    files.map((f) => toConceptSet(readJsonFile(join(dir, f)), join(dir, f), { includeProbable: site.includeProbable }))
  );
}

const manifestSchema = {
  type: 'object',
  required: ['fields'],
  additionalProperties: false,
  properties: {
    description: { type: 'string' },
    common: { type: 'string', pattern: '^[a-z0-9-]+\\.jsonata$' },
    fields: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['field', 'expression'],
        additionalProperties: false,
        properties: {
          field: { type: 'string', pattern: '^[a-zA-Z]+$' },
          expression: { type: 'string', pattern: '^[a-z0-9-]+\\.jsonata$' },
          facts: { type: 'array', items: { type: 'string', pattern: '^[a-zA-Z]+$' } },
        },
      },
    },
  },
} as const;

function loadMapping(dir: string, compile: (file: string) => CompiledExpression): DecisionModelMapping {
  const file = join(dir, 'decision-model.json');
  const manifest = checkSchema<{ common?: string; fields: { field: string; expression: string; facts?: string[] }[] }>(
    manifestSchema,
    readJsonFile(file),
    file
  );
  return {
    common: manifest.common === undefined ? undefined : compile(join(dir, manifest.common)),
    fields: manifest.fields.map(({ field, expression, facts }) => ({
      field,
      expression: compile(join(dir, expression)),
      ...(facts === undefined ? {} : { facts }),
    })),
  };
}

const orderablesSchema = {
  type: 'object',
  minProperties: 1,
  propertyNames: { pattern: '^[a-z0-9-]+$' },
  additionalProperties: {
    type: 'object',
    required: ['label', 'code', 'concepts'],
    additionalProperties: false,
    properties: {
      label: { type: 'string', minLength: 1 },
      code: {
        type: 'object',
        required: ['system', 'code', 'display'],
        additionalProperties: false,
        properties: { system: { type: 'string' }, code: { type: 'string' }, display: { type: 'string' } },
      },
      category: { enum: ['laboratory', 'imaging', 'surgical'] },
      concepts: { type: 'array', minItems: 1, items: { type: 'string' } },
      instruction: { type: 'string' },
    },
  },
} as const;

function loadOrderables(file: string, index: CodeIndex): Map<string, Orderable> {
  const raw = checkSchema<Record<string, Omit<Orderable, 'id'>>>(orderablesSchema, readJsonFile(file), file);
  const orderables = new Map<string, Orderable>();
  for (const [id, value] of Object.entries(raw)) {
    value.concepts.forEach((concept, i) => {
      if (!index.sets.has(concept)) {
        throw new KnowledgeError(file, `$.${id}.concepts[${String(i)}]`, `unknown value set '${concept}'`);
      }
    });
    // The code must be one the value sets carry (with its source): suggestions never invent codes. It must also
    // map back to one of the orderable's concepts, so that once accepted the order is recognised and not suggested
    // again.
    const sets = index.matchCoding(value.code.system, value.code.code).map((m) => m.set);
    if (sets.length === 0) {
      throw new KnowledgeError(file, `$.${id}.code`, `${value.code.system}|${value.code.code} is in no value set`);
    }
    if (!sets.some((set) => value.concepts.includes(set))) {
      throw new KnowledgeError(
        file,
        `$.${id}.code`,
        `${value.code.system}|${value.code.code} is in ${sets.join(', ')}, none of the orderable's concepts`
      );
    }
    orderables.set(id, { id, ...value });
  }
  return orderables;
}

const indicator = { enum: ['info', 'warning', 'critical'] } as const;
const cardSchema = {
  type: 'object',
  required: ['id', 'title', 'hooks', 'indicator', 'summary', 'guidance', 'source'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,99}$' },
    title: { type: 'string', minLength: 1, maxLength: 200 },
    hooks: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { enum: ['patient-view', 'order-select', 'order-sign'] },
    },
    indicator,
    escalatesTo: { type: 'array', items: indicator },
    summary: { type: 'string', minLength: 1, maxLength: 139 },
    guidance: { type: 'string', minLength: 1, not: { pattern: '\\{\\{' } },
    patientNote: { type: 'string', minLength: 1 },
    source: {
      type: 'object',
      required: ['label', 'citation'],
      additionalProperties: false,
      properties: { label: { type: 'string', minLength: 1 }, citation: { type: 'string', minLength: 1 } },
    },
    selectionBehavior: { enum: ['any', 'at-most-one'] },
    smartApp: { enum: ['workup', 'treatment'] },
    overrideReasons: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['code', 'display'],
        additionalProperties: false,
        properties: { code: { type: 'string', pattern: '^[a-z0-9-]+$' }, display: { type: 'string', minLength: 1 } },
      },
    },
  },
} as const;

/** Orderable ids a condition names literally: `"orderable": "x"` and `"options": [["x", "y"], ["z"]]`. */
function orderableLiterals(source: string): string[] {
  const ids = [...source.matchAll(/"orderable"\s*:\s*"([^"]+)"/g)].map((m) => m[1] ?? '');
  for (const match of source.matchAll(/"options"\s*:\s*\[/g)) {
    // Take the bracketed list that follows (nested one level), then every string in it.
    let depth = 0;
    let end = match.index + match[0].length - 1;
    for (; end < source.length; end += 1) {
      depth += source[end] === '[' ? 1 : source[end] === ']' ? -1 : 0;
      if (depth === 0) {
        break;
      }
    }
    ids.push(
      ...[...source.slice(match.index, end).matchAll(/"([a-z0-9-]+)"/g)]
        .map((m) => m[1] ?? '')
        .filter((id) => id !== 'options')
    );
  }
  return ids;
}

function loadRules(
  dir: string,
  compile: (file: string) => CompiledExpression,
  orderables: ReadonlyMap<string, Orderable>
): Rule[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'orderables.json' && f !== 'settings.json')
    .sort();
  return files.map((name) => {
    const file = join(dir, name);
    const template = checkSchema<CardTemplate>(cardSchema, readJsonFile(file), file);
    if (`${template.id}.json` !== name) {
      throw new KnowledgeError(file, '$.id', `id '${template.id}' must match the file name`);
    }
    const urgent = [template.indicator, ...(template.escalatesTo ?? [])].some((i) => i !== 'info');
    if (urgent && template.overrideReasons === undefined) {
      // rules.md section 4: override reasons on every warning / critical card.
      throw new KnowledgeError(
        file,
        '$.overrideReasons',
        'a card that can be warning or critical needs override reasons'
      );
    }
    const conditionFile = join(dir, `${template.id}.jsonata`);
    const source = existsSync(conditionFile) ? readFileSync(conditionFile, 'utf8') : '';
    for (const id of orderableLiterals(source)) {
      if (!orderables.has(id)) {
        throw new KnowledgeError(
          conditionFile,
          '',
          `asks for orderable '${id}', which cards/orderables.json does not define`
        );
      }
    }
    return { id: template.id, template, condition: compile(conditionFile) };
  });
}
