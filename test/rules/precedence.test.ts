import { describe, expect, test } from 'vitest';
import { decide, type RuleSettings } from '../../src/rules/decide.js';
import { applyPrecedence, type Precedence } from '../../src/rules/precedence.js';
import type { Rule } from '../../src/rules/rule.js';
import { conflictsIn, firedWithoutSafetyNet } from '../support/conflicts.js';
import { demoModels, fixtureModels, mappingCaseModels, type NamedModel } from '../support/decision-models.js';
import { repositoryKnowledge, TODAY } from '../support/service.js';

const knowledge = repositoryKnowledge();
const settings: RuleSettings = {
  disabled: new Set(),
  values: knowledge.site.ruleValues,
  lookbacks: knowledge.site.lookbacks,
};
const rulesOf = (hook: string): Rule[] => knowledge.rules.filter((r) => r.template.hooks.includes(hook as never));

async function conflictsOver(models: readonly NamedModel[]): Promise<string[]> {
  const found: string[] = [];
  for (const { name, model } of models) {
    for (const conflict of conflictsIn(await firedWithoutSafetyNet(model))) {
      found.push(`${name}: ${conflict}`);
    }
  }
  return found;
}

describe('conflicting cards never fire together (cards/precedence.json)', () => {
  test('the declared conflicts are the known pairs, each keeping the card that must lead', () => {
    expect(knowledge.precedence.conflicts.map((c) => [c.keep, c.rules.filter((r) => r !== c.keep)])).toEqual([
      ['vasculitic-neuropathy-suspected', ['vasculitic-neuropathy-monitoring']],
      ['symmetric-neuropathy-vasculitis-not-excluded', ['non-vasculitic-neuropathy-care']],
    ]);
  });

  test('over every request fixture, the conditions alone keep them apart', async () => {
    const models = await fixtureModels();
    expect(models.length).toBeGreaterThan(80);
    expect(await conflictsOver(models)).toEqual([]);
  });

  test('over every mapping case, the conditions alone keep them apart', async () => {
    const models = await mappingCaseModels();
    expect(models.length).toBeGreaterThan(100);
    expect(await conflictsOver(models)).toEqual([]);
  });

  test('over every demo patient (patient-view and its order scenarios), the conditions alone keep them apart', async () => {
    const models = await demoModels(TODAY);
    expect(models.length).toBeGreaterThan(60);
    expect(await conflictsOver(models)).toEqual([]);
  });

  test('each pair member does fire in some fixture: the test above is not vacuous', async () => {
    const fired = new Set<string>();
    for (const { model } of await fixtureModels()) {
      (await firedWithoutSafetyNet(model)).forEach((id) => fired.add(id));
    }
    for (const conflict of knowledge.precedence.conflicts) {
      for (const rule of conflict.rules) {
        expect(fired, rule).toContain(rule);
      }
    }
  });
});

describe('the engine safety net (src/rules/precedence.ts)', () => {
  const rule = (id: string): Rule => ({ id }) as Rule;
  const precedence: Precedence = {
    priority: new Map([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]),
    conflicts: [{ rules: ['b', 'c'], keep: 'b', why: 'test' }],
  };

  test('of two conflicting cards only the declared one is kept, and the drop is reported', () => {
    const reported: [string, string][] = [];
    const kept = applyPrecedence(
      [
        { rule: rule('c'), indicator: 'info' as const },
        { rule: rule('b'), indicator: 'info' as const },
      ],
      precedence,
      (dropped, winner) => reported.push([dropped, winner])
    );
    expect(kept.map((o) => o.rule.id)).toEqual(['b']);
    expect(reported).toEqual([['c', 'b']]);
  });

  test('cards are ordered by indicator, then by clinical priority, not by rule id', () => {
    const ordered = applyPrecedence(
      [
        { rule: rule('a'), indicator: 'info' as const },
        { rule: rule('c'), indicator: 'warning' as const },
        { rule: rule('b'), indicator: 'critical' as const },
        { rule: rule('z'), indicator: 'warning' as const },
      ],
      { ...precedence, conflicts: [] }
    );
    expect(ordered.map((o) => o.rule.id)).toEqual(['b', 'c', 'z', 'a']);
  });

  test('the service orders the suspected-vasculitis card before the workup labs when both are warnings', async () => {
    const model = (await fixtureModels()).find((m) => m.name === 'patient-view.sle-mononeuritis-multiplex')?.model;
    expect(model).toBeDefined();
    const outcomes = await decide(model!, rulesOf('patient-view'), settings, {
      common: knowledge.ruleCommon,
      precedence: knowledge.precedence,
    });
    expect(outcomes.map((o) => [o.rule.id, o.indicator])).toEqual([
      ['vasculitic-neuropathy-suspected', 'warning'],
      ['neuropathy-workup-labs', 'warning'],
    ]);
  });
});
