import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { defaultKnowledgeDir } from '../../src/config.js';
import { loadKnowledge, type Knowledge } from '../../src/knowledge/load-knowledge.js';
import { decide } from '../../src/rules/decide.js';
import { demoCharts, fixtureCharts, mappingCaseCharts, modelOf, type Chart } from '../support/decision-models.js';
import { randomChart } from '../support/random-charts.js';
import { repositoryKnowledge, TODAY } from '../support/service.js';

/**
 * Property: the engine never changes an answer. The knowledge evaluated by the compiled evaluator (the default) and
 * by jsonata's own gives the same decision model and the same rule outcomes (what the cards are made of), over
 * random charts of the value sets' own codes and over every fixture, mapping case and demo patient.
 * test/expression/ compares the engines expression by expression; this compares what the service answers.
 */
const runs = (n: number): number => n * Number(process.env['PROPERTY_RUNS_FACTOR'] ?? '1');

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

describe('compiled and jsonata evaluation give the same decision model and the same cards', () => {
  test(
    'on random charts of the value sets own codes',
    async () => {
      let fired = 0;
      await fc.assert(
        fc.asyncProperty(randomChart(compiled), async (chart) => {
          const expected = await answer(interpreted, chart);
          expect(await answer(compiled, chart)).toBe(expected);
          fired += expected.includes('"rule":') ? 1 : 0;
        }),
        { numRuns: runs(300) }
      );
      expect(fired).toBeGreaterThan(runs(10));
    },
    runs(30_000)
  );

  test.each([
    ['request fixture', fixtureCharts],
    ['mapping case', mappingCaseCharts],
    ['demo patient', () => demoCharts(TODAY)],
  ])('on every %s', async (_kind, charts) => {
    for (const { name, chart } of charts()) {
      expect(await answer(compiled, chart), name).toBe(await answer(interpreted, chart));
    }
  });
});
