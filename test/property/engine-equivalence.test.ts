import { expect, test } from 'vitest';
import { defaultKnowledgeDir } from '../../src/config.js';
import { loadKnowledge, type Knowledge } from '../../src/knowledge/load-knowledge.js';
import { decide } from '../../src/rules/decide.js';
import { modelOf, type Chart } from '../support/decision-models.js';
import { describeEquivalence } from '../support/equivalence-suite.js';
import { repositoryKnowledge } from '../support/service.js';

/**
 * Property: the engine never changes an answer. The knowledge evaluated by the compiled evaluator (the default) and
 * by jsonata's own gives the same decision model and the same rule outcomes (what the cards are made of), over
 * random charts of the value sets' own codes and over every fixture, mapping case and demo patient.
 * test/expression/ compares the engines expression by expression; this compares what the service answers.
 */
const compiled = repositoryKnowledge();
const interpreted = loadKnowledge({
  knowledgeDir: defaultKnowledgeDir(),
  siteConfigFile: undefined,
  guardrails: { timeoutMs: 2000, stackDepth: 500 },
  engine: 'jsonata',
});

test('the two knowledges run on different engines: the comparison is not vacuous', () => {
  expect(compiled.expressions).toEqual({ engine: 'compiled', notCompiled: [] });
  expect(interpreted.expressions.engine).toBe('jsonata');
});

async function answer(knowledge: Knowledge, chart: Chart): Promise<string> {
  const model = await modelOf(chart, knowledge.mapping);
  const outcomes = await decide(
    model,
    knowledge.rules.filter((r) => (r.template.hooks as readonly string[]).includes(model.hook)),
    { disabled: new Set(), values: knowledge.site.ruleValues, lookbacks: knowledge.site.lookbacks },
    { common: knowledge.ruleCommon, precedence: knowledge.precedence },
    (ruleId, error) => {
      throw new Error(`rule ${ruleId} failed: ${String(error)}`);
    }
  );
  return JSON.stringify({
    model,
    outcomes: outcomes.map((o) => ({ rule: o.rule.id, indicator: o.indicator, finding: o.finding })),
  });
}

describeEquivalence(
  'compiled and jsonata evaluation give the same decision model and the same cards',
  compiled,
  async (chart) => ({ expected: await answer(interpreted, chart), actual: await answer(compiled, chart) })
);
