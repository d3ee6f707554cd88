import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkSchema } from '../knowledge/check-schema.js';
import { KnowledgeError, readJsonFile } from '../knowledge/knowledge-error.js';
import type { Knowledge } from '../knowledge/load-knowledge.js';
import type { Evidence } from '../mapping/decision-model.js';
import { compileExpression, type CompiledExpression, type Guardrails } from '../mapping/jsonata-runtime.js';
import { mappingFunctions } from '../mapping/mapping-functions.js';

/**
 * The SMART app's views of the decision model, kept as knowledge in cards/app/ (the workup checklist, the
 * timeline, the names of the neuropathy patterns) and compiled once at start-up like the rules.
 */
export interface ChecklistItem {
  readonly concept: string;
  readonly label: string;
  readonly kind: 'lab' | 'study';
  readonly status: 'done' | 'ordered' | 'outdated' | 'missing';
  /** Studies: why the guidance recommends it for this patient. */
  readonly why?: string;
  readonly date?: string;
  readonly result?: string;
  readonly lookbackDays?: number;
  readonly evidence?: Evidence;
}

export interface Checklist {
  /** The workup applies: a CTD (or a positive autoantibody) with a neuropathy or numbness. */
  readonly applies: boolean;
  readonly items: readonly ChecklistItem[];
}

export interface TimelineEntry {
  readonly kind: 'finding' | 'biopsy' | 'electrodiagnosis' | 'treatment';
  readonly what: string;
  readonly evidence: Evidence;
}

export interface AppViews {
  readonly patternLabels: Readonly<Record<string, string>>;
  /** `bindings`: the rules' bindings for this model (src/rules/decide.ts ruleBindings). */
  checklist(model: unknown, bindings: Readonly<Record<string, unknown>>): Promise<Checklist>;
  timeline(model: unknown, bindings: Readonly<Record<string, unknown>>): Promise<TimelineEntry[]>;
}

const labelsSchema = {
  type: 'object',
  properties: { $comment: { type: 'string' } },
  additionalProperties: { type: 'string', minLength: 1 },
} as const;

export function loadAppViews(knowledgeDir: string, knowledge: Knowledge, guardrails: Guardrails): AppViews {
  const dir = join(knowledgeDir, 'cards', 'app');
  const functions = mappingFunctions(knowledge.codeIndex);
  const compile = (name: string): CompiledExpression => {
    const file = join(dir, name);
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch {
      throw new KnowledgeError(file, '', 'does not exist');
    }
    return compileExpression(source, file, guardrails, functions, knowledge.expressions.engine);
  };
  const labelsFile = join(dir, 'pattern-labels.json');
  const patternLabels = Object.fromEntries(
    Object.entries(checkSchema<Record<string, string>>(labelsSchema, readJsonFile(labelsFile), labelsFile)).filter(
      ([key]) => key !== '$comment'
    )
  );
  const checklist = compile('workup-checklist.jsonata');
  const timeline = compile('timeline.jsonata');
  return {
    patternLabels,
    async checklist(model, bindings) {
      const result = (await checklist.evaluate(model, bindings)) as Partial<Checklist> | undefined;
      return { applies: result?.applies === true, items: asArray(result?.items) as ChecklistItem[] };
    },
    async timeline(model, bindings) {
      return asArray(await timeline.evaluate(model, { ...bindings, patternLabels })) as TimelineEntry[];
    },
  };
}

/** JSONata gives a single value for a one-item sequence and undefined for none. */
function asArray(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
