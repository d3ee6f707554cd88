import { expect, test } from 'vitest';
import type { DecisionModel } from '../../src/mapping/decision-model.js';
import type { DecisionModelMapping } from '../../src/mapping/map-decision-model.js';
import { decide } from '../../src/rules/decide.js';
import type { Rule } from '../../src/rules/rule.js';
import { modelOf } from '../support/decision-models.js';
import { describeEquivalence } from '../support/equivalence-suite.js';
import { repositoryKnowledge } from '../support/service.js';

/**
 * Property: the shortcuts never change an answer. A mapping whose concepts the chart lacks takes its declared empty
 * value, and a rule whose requirements are unmet is skipped; both without JSONata (mappings/decision-model.json
 * `concepts`, cards/<rule-id>.json `requires`). Over random charts built from the value sets' own codes, and over
 * every fixture, mapping case and demo patient, the decision model and the rules' outcomes must be exactly those of
 * evaluating every expression. A failure prints fast-check's seed and the shrunk chart. PROPERTY_RUNS_FACTOR=10
 * hunts longer.
 */
const knowledge = repositoryKnowledge();
/** The same mappings and rules without their declarations: every expression is evaluated. */
const fullMapping: DecisionModelMapping = {
  ...knowledge.mapping,
  fields: knowledge.mapping.fields.map((field) => {
    const full = { ...field };
    delete full.shortcut;
    return full;
  }),
};
const fullRules: Rule[] = knowledge.rules.map((rule) => ({ ...rule, requires: [] }));

test('the shortcuts are declared: the test below is not vacuous', () => {
  expect(knowledge.mapping.fields.filter((f) => f.shortcut !== undefined).length).toBeGreaterThan(10);
  expect(knowledge.rules.filter((r) => r.requires.length > 0).length).toBeGreaterThan(20);
});

async function outcomes(model: DecisionModel, rules: readonly Rule[]): Promise<unknown> {
  const result = await decide(
    model,
    rules.filter((r) => (r.template.hooks as readonly string[]).includes(model.hook)),
    { disabled: new Set(), values: knowledge.site.ruleValues, lookbacks: knowledge.site.lookbacks },
    { common: knowledge.ruleCommon, precedence: knowledge.precedence },
    (ruleId, error) => {
      throw new Error(`rule ${ruleId} failed: ${String(error)}`);
    }
  );
  return result.map((o) => ({ rule: o.rule.id, indicator: o.indicator, finding: o.finding }));
}

/** Shortcut and full evaluation of one chart, as JSON (what the cards and the SMART app are made of). */
describeEquivalence(
  'shortcut and full evaluation give the same decision model and the same cards',
  knowledge,
  async (chart) => {
    const short = await modelOf(chart);
    const full = await modelOf(chart, fullMapping);
    return {
      expected: JSON.stringify({ model: full, outcomes: await outcomes(full, fullRules) }),
      actual: JSON.stringify({ model: short, outcomes: await outcomes(short, knowledge.rules) }),
    };
  }
);
