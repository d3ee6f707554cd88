import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Orderable } from '../cards/orderables.js';
import type { OrderSet } from '../cards/order-sets.js';
import type { CompiledExpression } from '../mapping/jsonata-runtime.js';
import type { Precedence } from '../rules/precedence.js';
import { parseRequirement, REQUIREMENT_PATTERN } from '../rules/rule-requires.js';
import type { CardTemplate, Rule } from '../rules/rule.js';
import { checkSchema } from './check-schema.js';
import { KnowledgeError, readJsonFile } from './knowledge-error.js';

const indicator = { enum: ['info', 'warning', 'critical'] } as const;
const text = { type: 'string', minLength: 1 } as const;
const cardSchema = {
  type: 'object',
  required: ['id', 'title', 'hooks', 'facts', 'indicator', 'summary', 'trigger', 'guidance', 'source'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,99}$' },
    // The decision-model fields the condition reads (checked against the JSONata by a test): a card whose facts
    // are incomplete says which data could not be read.
    facts: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string' } },
    // What the rule cannot fire without (src/rules/rule-requires.ts): without it the condition is not evaluated.
    requires: { type: 'array', uniqueItems: true, items: { type: 'string', pattern: REQUIREMENT_PATTERN } },
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
    trigger: text,
    // What the card shows: short, so that the card reads at a glance (issue 13: detail ~2,000 characters at most).
    guidance: { type: 'string', minLength: 1, maxLength: 1100, not: { pattern: '\\{\\{' } },
    more: { type: 'string', minLength: 1, not: { pattern: '\\{\\{' } },
    patientNote: text,
    source: {
      type: 'object',
      required: ['label', 'citation'],
      additionalProperties: false,
      properties: { label: text, citation: text, also: { type: 'array', minItems: 1, items: text } },
    },
    selectionBehavior: { enum: ['any', 'at-most-one'] },
    // Cards whose follow-up is a workup or a treatment decision link to the SMART app on that topic.
    smartApp: { enum: ['workup', 'treatment'] },
    overrideReasons: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['code', 'display'],
        additionalProperties: false,
        properties: { code: { type: 'string', pattern: '^[a-z0-9-]+$' }, display: text },
      },
    },
  },
} as const;

/** Orderable ids a condition names literally: `"orderable": "x"` and `"options": [["x", "y"], ["z"]]`. */
export function orderableLiterals(source: string): string[] {
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

/** The card templates of cards/: every `<id>.json` beside its condition `<id>.jsonata`. */
export function loadRules(
  dir: string,
  compile: (file: string) => CompiledExpression,
  orderables: ReadonlyMap<string, Orderable>,
  modelFields: ReadonlySet<string>
): Rule[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && existsSync(join(dir, f.replace(/\.json$/, '.jsonata'))))
    .sort();
  return files.map((name) => {
    const file = join(dir, name);
    const template = checkSchema<CardTemplate>(cardSchema, readJsonFile(file), file);
    if (`${template.id}.json` !== name) {
      throw new KnowledgeError(file, '$.id', `id '${template.id}' must match the file name`);
    }
    template.facts.forEach((fact, i) => {
      if (!modelFields.has(fact)) {
        throw new KnowledgeError(file, `$.facts[${String(i)}]`, `'${fact}' is not a decision-model field`);
      }
    });
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
    const source = readFileSync(conditionFile, 'utf8');
    for (const id of orderableLiterals(source)) {
      if (!orderables.has(id)) {
        throw new KnowledgeError(
          conditionFile,
          '',
          `asks for orderable '${id}', which cards/orderables.json does not define`
        );
      }
    }
    return {
      id: template.id,
      template,
      condition: compile(conditionFile),
      conditionSource: source,
      requires: (template.requires ?? []).map(parseRequirement),
    };
  });
}

const precedenceSchema = {
  type: 'object',
  required: ['priority', 'conflicts'],
  additionalProperties: false,
  properties: {
    $comment: { type: 'string' },
    priority: { type: 'array', uniqueItems: true, items: { type: 'string' } },
    conflicts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['rules', 'keep', 'why'],
        additionalProperties: false,
        properties: {
          rules: { type: 'array', minItems: 2, uniqueItems: true, items: { type: 'string' } },
          keep: { type: 'string' },
          why: text,
        },
      },
    },
  },
} as const;

/**
 * cards/precedence.json: the clinical priority of every rule (cards of one indicator are shown in this order) and
 * the pairs of rules that must never show together, with the one to keep (issue 13). Every rule is ranked once.
 */
export function loadPrecedence(file: string, rules: readonly Rule[]): Precedence {
  const raw = checkSchema<{
    priority: string[];
    conflicts: { rules: string[]; keep: string; why: string }[];
  }>(precedenceSchema, readJsonFile(file), file);
  const ids = new Set(rules.map((r) => r.id));
  raw.priority.forEach((id, i) => {
    if (!ids.has(id)) {
      throw new KnowledgeError(file, `$.priority[${String(i)}]`, `'${id}' is not a rule id`);
    }
  });
  const unranked = [...ids].filter((id) => !raw.priority.includes(id));
  if (unranked.length > 0) {
    throw new KnowledgeError(file, '$.priority', `does not rank ${unranked.join(', ')}`);
  }
  raw.conflicts.forEach((conflict, i) => {
    conflict.rules.forEach((id, j) => {
      if (!ids.has(id)) {
        throw new KnowledgeError(file, `$.conflicts[${String(i)}].rules[${String(j)}]`, `'${id}' is not a rule id`);
      }
    });
    if (!conflict.rules.includes(conflict.keep)) {
      throw new KnowledgeError(file, `$.conflicts[${String(i)}].keep`, `'${conflict.keep}' is not one of its rules`);
    }
  });
  return { priority: new Map(raw.priority.map((id, i) => [id, i])), conflicts: raw.conflicts };
}

const orderSetsSchema = {
  type: 'object',
  propertyNames: { pattern: '^[a-z0-9-]+$' },
  additionalProperties: {
    type: 'object',
    required: ['label', 'orderables'],
    additionalProperties: false,
    properties: {
      label: text,
      orderables: { type: 'array', minItems: 2, uniqueItems: true, items: { type: 'string' } },
    },
  },
} as const;

/**
 * cards/order-sets.json: orders a card suggests as one button when two or more of them are pending (one suggestion,
 * several create actions: spec "Suggestion"). An orderable belongs to one set at most.
 */
export function loadOrderSets(file: string, orderables: ReadonlyMap<string, Orderable>): OrderSet[] {
  const raw = checkSchema<Record<string, { label: string; orderables: string[] }>>(
    orderSetsSchema,
    readJsonFile(file),
    file
  );
  const member = new Map<string, string>();
  return Object.entries(raw).map(([id, set]) => {
    set.orderables.forEach((orderable, i) => {
      const where = `$.${id}.orderables[${String(i)}]`;
      if (!orderables.has(orderable)) {
        throw new KnowledgeError(file, where, `'${orderable}' is not an orderable of cards/orderables.json`);
      }
      const other = member.get(orderable);
      if (other !== undefined) {
        throw new KnowledgeError(file, where, `'${orderable}' is already in order set '${other}'`);
      }
      member.set(orderable, id);
    });
    return { id, label: set.label, orderables: set.orderables };
  });
}
