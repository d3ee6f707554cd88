import type { DecisionModel } from '../../src/mapping/decision-model.js';
import { decide } from '../../src/rules/decide.js';
import { repositoryKnowledge } from './service.js';

/**
 * What the rule conditions alone give, without the engine's safety net (no conflicts declared): the conditions must
 * keep conflicting rules apart by themselves (issue 13: "the engine's precedence is a safety net; the conditions
 * themselves should be right").
 */
export async function firedWithoutSafetyNet(model: DecisionModel): Promise<string[]> {
  const knowledge = repositoryKnowledge();
  const outcomes = await decide(
    model,
    knowledge.rules.filter((r) => (r.template.hooks as readonly string[]).includes(model.hook)),
    { disabled: new Set(), values: knowledge.site.ruleValues, lookbacks: knowledge.site.lookbacks },
    { common: knowledge.ruleCommon, precedence: { priority: knowledge.precedence.priority, conflicts: [] } },
    (ruleId, error) => {
      throw new Error(`rule ${ruleId} failed: ${String(error)}`);
    }
  );
  return outcomes.map((o) => o.rule.id);
}

/** The declared conflicts (cards/precedence.json) among the rules that fired, as "a + b". */
export function conflictsIn(fired: readonly string[]): string[] {
  return repositoryKnowledge()
    .precedence.conflicts.filter((c) => c.rules.filter((r) => fired.includes(r)).length > 1)
    .map((c) => c.rules.join(' + '));
}
