import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Orderable } from '../cards/orderables.js';
import type { HookName } from '../cds-hooks/types.js';
import type { PrefetchSpec } from '../gather/gather.js';
import { loadDataShapes, type DataShapes } from '../mapping/data-shapes.js';
import {
  compileExpression,
  type CompiledExpression,
  type ExpressionEngine,
  type Guardrails,
} from '../mapping/jsonata-runtime.js';
import { loadMapping } from '../mapping/decision-model-manifest.js';
import type { DecisionModelMapping } from '../mapping/map-decision-model.js';
import { mappingFunctions } from '../mapping/mapping-functions.js';
import type { OrderSet } from '../cards/order-sets.js';
import type { Precedence } from '../rules/precedence.js';
import type { Rule } from '../rules/rule.js';
import type { CodeIndex } from '../terminology/code-index.js';
import { loadCodeIndex } from '../terminology/load-code-index.js';
import type { CdsServiceDefinition } from '../cds-hooks/types.js';
import { checkSchema } from './check-schema.js';
import { KnowledgeError, readJsonFile } from './knowledge-error.js';
import { loadOrderSets, loadPrecedence, loadRules } from './load-rules.js';
import { checkRuleRequires } from './check-rule-requires.js';
import { chooseEngine, type EngineChoice } from './expression-engine.js';
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
  /** Orders suggested as one button when two or more are pending (cards/order-sets.json). */
  readonly orderSets: readonly OrderSet[];
  /** Clinical priority and conflicting pairs of the rules (cards/precedence.json). */
  readonly precedence: Precedence;
  readonly site: SiteSettings;
  /** How results and medication routes are read (mappings/results.json, mappings/routes.json). */
  readonly shapes: DataShapes;
  /** The engine every expression runs on (expression-engine.ts). */
  readonly expressions: EngineChoice;
}

export interface KnowledgeOptions {
  readonly knowledgeDir: string;
  readonly siteConfigFile: string | undefined;
  readonly guardrails: Guardrails;
  /** EXPRESSION_ENGINE; `compiled` falls back to `jsonata` when an expression is outside the compiled subset. */
  readonly engine?: ExpressionEngine;
}

/**
 * Loads hooks/, cards/ and mappings/. Any problem throws a KnowledgeError naming the file and JSON path, and the
 * process does not start: a half-loaded knowledge base would give silently wrong advice.
 */
export function loadKnowledge(options: KnowledgeOptions): Knowledge {
  const { knowledgeDir, guardrails } = options;
  const site = loadSiteSettings(knowledgeDir, options.siteConfigFile);
  const codeIndex = loadCodeIndex(
    join(knowledgeDir, 'mappings'),
    { includeProbable: site.includeProbable },
    site.conceptMaps
  );
  for (const key of Object.keys(site.lookbacks)) {
    if (!codeIndex.sets.has(key)) {
      throw new KnowledgeError(
        options.siteConfigFile ?? join(knowledgeDir, 'mappings', 'lookbacks.json'),
        `$.${key}`,
        'is not a value set id'
      );
    }
  }
  const shapes = loadDataShapes(
    join(knowledgeDir, 'mappings'),
    site.thresholds,
    site.file,
    (concept) => concept.startsWith('lab-') && codeIndex.sets.has(concept)
  );
  const functions = mappingFunctions(codeIndex);
  const expressions = chooseEngine(knowledgeDir, options.engine ?? 'compiled');
  const compile = (file: string): CompiledExpression => {
    if (!existsSync(file)) {
      throw new KnowledgeError(file, '', 'does not exist');
    }
    return compileExpression(readFileSync(file, 'utf8'), file, guardrails, functions, expressions.engine);
  };

  const mapping = loadMapping(join(knowledgeDir, 'mappings'), compile, new Set(codeIndex.sets.keys()));
  const orderables = loadOrderables(join(knowledgeDir, 'cards', 'orderables.json'), codeIndex);
  const fieldNames = new Set(mapping.fields.map((f) => f.field));
  const rules = loadRules(join(knowledgeDir, 'cards'), compile, orderables, fieldNames);
  const orderSets = loadOrderSets(join(knowledgeDir, 'cards', 'order-sets.json'), orderables);
  const precedence = loadPrecedence(join(knowledgeDir, 'cards', 'precedence.json'), rules);
  const ruleCommonFile = join(knowledgeDir, 'cards', 'common.jsonata');
  const ruleCommon = existsSync(ruleCommonFile) ? compile(ruleCommonFile) : undefined;
  checkRuleRequires(join(knowledgeDir, 'cards'), rules, ruleCommon, fieldNames);
  for (const id of site.disabledRules) {
    if (!rules.some((r) => r.id === id)) {
      throw new KnowledgeError(options.siteConfigFile ?? 'site configuration', `$.rules.${id}`, 'is not a rule id');
    }
  }

  const services = new Map<string, LoadedService>();
  const modelFields = new Set(mapping.fields.map((f) => f.field));
  for (const loaded of loadServiceDefinitions(join(knowledgeDir, 'hooks'), codeIndex, site.lookbacks, modelFields)) {
    const hook: HookName = loaded.definition.hook;
    services.set(loaded.definition.id, {
      ...loaded,
      rules: rules.filter((r) => r.template.hooks.includes(hook) && !site.disabledRules.has(r.id)),
    });
  }
  return {
    services,
    codeIndex,
    mapping,
    rules,
    ruleCommon,
    orderables,
    orderSets,
    precedence,
    site,
    shapes,
    expressions,
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
      short: { type: 'string', minLength: 1 },
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
