import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { defaultKnowledgeDir } from '../../../src/config.js';
import type { CompileOptions } from '../../../src/expression/compile.js';
import type { DecisionModel } from '../../../src/mapping/decision-model.js';
import { compileExpression, type CompiledExpression } from '../../../src/mapping/jsonata-runtime.js';
import type { DecisionModelMapping } from '../../../src/mapping/map-decision-model.js';
import { mappingFunctions } from '../../../src/mapping/mapping-functions.js';
import { decide, ruleBindings } from '../../../src/rules/decide.js';
import { demoCharts, fixtureCharts, mappingCaseCharts, modelOf } from '../../support/decision-models.js';
import { compiled, compiledOutcome, render, type Bindings, type Outcome } from '../../support/differential.js';
import { repositoryKnowledge, TODAY } from '../../support/service.js';

/**
 * The knowledge itself, differentially: every mapping, rule condition, shared-functions file and SMART app view is
 * evaluated as the service evaluates it (no shortcut, every rule) over every request fixture, mapping case and demo
 * chart; each call is replayed through the compiled program with the same input and bindings, and must give the
 * same. The shared functions are the only bindings that differ: a compiled program calls the compiled common file's
 * functions, made from the same input.
 */
const knowledge = repositoryKnowledge();
const guardrails = { timeoutMs: 2000, stackDepth: 500 };
const functions = mappingFunctions(knowledge.codeIndex);
const options: CompileOptions = {
  ...guardrails,
  functions: Object.fromEntries(Object.entries(functions).map(([name, f]) => [name, f.implementation])),
};

interface Difference {
  readonly chart: string;
  readonly jsonata: string;
  readonly compiled: string;
}
const calls = new Map<string, number>();
const differences = new Map<string, Difference[]>();
let chart = '';

const isLambda = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && (value as Record<string, unknown>)['_jsonata_lambda'] === true;

/** What the compiled common file gave for its latest input: the functions its callers' compiled programs get. */
interface Shared {
  latest: Outcome | undefined;
}

/** The expression as the service runs it (jsonata), each call also run compiled and compared. */
function replayed(expression: CompiledExpression, shared?: Shared): CompiledExpression & Shared {
  const file = expression.file.slice(defaultKnowledgeDir().length + 1);
  const program = compiled(readFileSync(expression.file, 'utf8'), options);
  const replay: CompiledExpression & Shared = {
    file: expression.file,
    latest: undefined,
    async evaluate(input, bindings) {
      let reference: Outcome;
      let result: unknown;
      try {
        result = await expression.evaluate(input, bindings);
        reference = { value: result };
      } catch (error) {
        reference = { error: (error as { code?: string }).code ?? String(error) };
      }
      const actual = compiledOutcome(program, input, compiledBindings(bindings, shared));
      replay.latest = actual;
      calls.set(file, (calls.get(file) ?? 0) + 1);
      if (render(actual) !== render(reference)) {
        const list = differences.get(file) ?? [];
        list.push({ chart, jsonata: render(reference), compiled: render(actual) });
        differences.set(file, list);
      }
      if ('error' in reference) {
        throw new Error(`${file} failed with jsonata over ${chart}: ${reference.error}`);
      }
      return result;
    },
  };
  return replay;
}

/** The bindings with the shared jsonata lambdas replaced by the compiled common file's functions. */
function compiledBindings(bindings: Bindings, shared: Shared | undefined): Bindings {
  const made = shared?.latest;
  const functionsMade = made !== undefined && 'value' in made ? (made.value as Record<string, unknown>) : {};
  return Object.fromEntries(
    Object.entries(bindings).map(([name, value]) => [name, isLambda(value) ? functionsMade[name] : value])
  );
}

const mappingCommon = knowledge.mapping.common === undefined ? undefined : replayed(knowledge.mapping.common);
const mapping: DecisionModelMapping = {
  ...knowledge.mapping,
  common: mappingCommon,
  fields: knowledge.mapping.fields.map((field) => {
    const full = { ...field, expression: replayed(field.expression, mappingCommon) };
    delete full.shortcut;
    return full;
  }),
};
const ruleCommon = knowledge.ruleCommon === undefined ? undefined : replayed(knowledge.ruleCommon);
const rules = knowledge.rules.map((rule) => ({
  ...rule,
  requires: [],
  condition: replayed(rule.condition, ruleCommon),
}));
const appDir = join(defaultKnowledgeDir(), 'cards', 'app');
const appView = (name: string): CompiledExpression =>
  replayed(
    compileExpression(readFileSync(join(appDir, name), 'utf8'), join(appDir, name), guardrails, functions),
    ruleCommon
  );
const checklist = appView('workup-checklist.jsonata');
const timeline = appView('timeline.jsonata');
const patternLabels = Object.fromEntries(
  Object.entries(
    JSON.parse(readFileSync(join(appDir, 'pattern-labels.json'), 'utf8')) as Record<string, string>
  ).filter(([key]) => key !== '$comment')
);
const settings = { values: knowledge.site.ruleValues, lookbacks: knowledge.site.lookbacks };

async function evaluateAll(model: DecisionModel): Promise<void> {
  const forHook = rules.filter((r) => (r.template.hooks as readonly string[]).includes(model.hook));
  await decide(
    model,
    forHook,
    { ...settings, disabled: new Set() },
    { common: ruleCommon, precedence: knowledge.precedence }
  );
  const bindings = await ruleBindings(model, settings, ruleCommon);
  await checklist.evaluate(model, bindings);
  await timeline.evaluate(model, { ...bindings, patternLabels });
}

beforeAll(async () => {
  for (const named of [...fixtureCharts(), ...mappingCaseCharts(), ...demoCharts(TODAY)]) {
    chart = named.name;
    await evaluateAll(await modelOf(named.chart, mapping));
  }
});

const files = [
  mappingCommon,
  ...mapping.fields.map((f) => f.expression),
  ruleCommon,
  ...rules.map((r) => r.condition),
  checklist,
  timeline,
]
  .filter((e) => e !== undefined)
  .map((e) => e.file.slice(defaultKnowledgeDir().length + 1));

describe('each knowledge expression gives the same compiled, over every chart', () => {
  test.each(files)('%s', (file) => {
    expect(calls.get(file) ?? 0, 'evaluated at least once').toBeGreaterThan(0);
    const found = differences.get(file) ?? [];
    const first = found[0];
    expect(
      found.length,
      first === undefined
        ? ''
        : `${String(found.length)} of ${String(calls.get(file))} calls differ; first over ${first.chart}:\n` +
            `  jsonata:  ${first.jsonata.slice(0, 600)}\n  compiled: ${first.compiled.slice(0, 600)}`
    ).toBe(0);
  });
});
