import type { Indicator } from '../cds-hooks/types.js';
import type { DecisionModel } from '../mapping/decision-model.js';
import { isObject } from '../mapping/fhir-fields.js';
import { deepFreeze } from '../mapping/deep-freeze.js';
import type { CompiledExpression } from '../mapping/jsonata-runtime.js';
import type { Finding, Rule } from './rule.js';

export interface RuleOutcome {
  readonly rule: Rule;
  readonly finding: Finding;
  readonly indicator: Indicator;
}

/** Per-site rule settings: switches and thresholds (README "Configuration"). */
export interface RuleSettings {
  readonly disabled: ReadonlySet<string>;
  /** Values offered to every condition as `$settings` (e.g. `emgRepeatDays`). */
  readonly values: Readonly<Record<string, number>>;
  /** Lab look-backs in days (site configuration), offered as `$lookbacks`. */
  readonly lookbacks: Readonly<Record<string, number>>;
}

const RANK: Readonly<Record<Indicator, number>> = { critical: 0, warning: 1, info: 2 };

/** Told when a rule's condition fails (an evaluation guardrail tripped, or a knowledge bug). */
export type RuleErrorHandler = (ruleId: string, error: unknown) => void;

/**
 * Evaluates every enabled rule of the hook over the decision model. Each rule fires at most once per request
 * (one condition, one finding); results are ordered critical, warning, info (rules.md section 5), then by rule id
 * so that the order is stable.
 *
 * A rule whose condition fails is reported to `onRuleError` and skipped: one broken or runaway rule must not take
 * the other rules' cards (a critical warning among them) down with it.
 */
export async function decide(
  model: DecisionModel,
  rules: readonly Rule[],
  settings: RuleSettings,
  common?: CompiledExpression,
  onRuleError: RuleErrorHandler = () => undefined
): Promise<RuleOutcome[]> {
  const bindings = await ruleBindings(model, settings, common);
  const outcomes: RuleOutcome[] = [];
  for (const rule of rules) {
    if (
      settings.disabled.has(rule.id) ||
      !rule.template.hooks.includes(model.hook as Rule['template']['hooks'][number])
    ) {
      continue;
    }
    let result: unknown;
    try {
      result = await rule.condition.evaluate(model, bindings);
    } catch (error) {
      onRuleError(rule.id, error);
      continue;
    }
    const finding = asFinding(result);
    if (finding === undefined) {
      continue;
    }
    outcomes.push({ rule, finding, indicator: indicatorOf(rule, finding) });
  }
  return outcomes.sort((a, b) => RANK[a.indicator] - RANK[b.indicator] || a.rule.id.localeCompare(b.rule.id));
}

/**
 * What every rule condition is evaluated with: `$settings`, `$lookbacks`, `$hook` and what the conditions share
 * (cards/common.jsonata), computed once per request. The SMART app's views of the model (cards/app/) are
 * evaluated with the same bindings, so that "done" and "a neuropathy" mean there what they mean on the cards.
 */
export async function ruleBindings(
  model: DecisionModel,
  settings: Omit<RuleSettings, 'disabled'>,
  common: CompiledExpression | undefined
): Promise<Record<string, unknown>> {
  const constants = { settings: settings.values, lookbacks: settings.lookbacks, hook: model.hook };
  // The shared values are frozen like the model (a condition that mutated one would change what the next rule
  // sees); its functions are JSONata closures over the model and stay as they are.
  const result = common === undefined ? {} : await common.evaluate(model, constants);
  const shared = isObject(result) ? result : {};
  for (const value of Object.values(shared)) {
    if (!(isObject(value) && value['_jsonata_lambda'] === true)) {
      deepFreeze(value);
    }
  }
  return { ...shared, ...constants };
}

/** No data, no card: a finding needs at least one piece of evidence. */
function asFinding(result: unknown): Finding | undefined {
  if (!isObject(result)) {
    return undefined;
  }
  const evidence = result['evidence'];
  const list = Array.isArray(evidence) ? evidence.filter(isObject) : isObject(evidence) ? [evidence] : [];
  if (list.length === 0) {
    return undefined;
  }
  const normalise = (value: unknown): unknown[] | undefined =>
    value === undefined
      ? undefined
      : (Array.isArray(value) ? value : [value]).filter((v) => v !== undefined && v !== null);
  const suggest = normalise(result['suggest']);
  const notes = normalise(result['notes']);
  const { indicator, values } = result as { indicator?: Finding['indicator']; values?: Finding['values'] };
  return {
    evidence: list as unknown as Finding['evidence'],
    ...(indicator === undefined ? {} : { indicator }),
    ...(values === undefined ? {} : { values }),
    ...(suggest === undefined ? {} : { suggest: suggest as unknown as NonNullable<Finding['suggest']> }),
    ...(notes === undefined ? {} : { notes: notes.map(String) }),
  };
}

/** The condition may raise the indicator, but only to one its card template allows. */
function indicatorOf(rule: Rule, finding: Finding): Indicator {
  const wanted = finding.indicator;
  if (
    wanted !== undefined &&
    (wanted === rule.template.indicator || (rule.template.escalatesTo ?? []).includes(wanted))
  ) {
    return wanted;
  }
  return rule.template.indicator;
}
