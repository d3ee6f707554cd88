import type { Indicator } from '../cds-hooks/types.js';
import type { DecisionModel } from '../mapping/decision-model.js';
import { isObject } from '../mapping/fhir-fields.js';
import { deepFreeze } from '../mapping/deep-freeze.js';
import type { CompiledExpression } from '../mapping/jsonata-runtime.js';
import { applyPrecedence, type ConflictHandler, type Precedence } from './precedence.js';
import type { Finding, Rule } from './rule.js';
import { isMet } from './rule-requires.js';

export interface RuleOutcome {
  readonly rule: Rule;
  readonly finding: Finding;
  readonly indicator: Indicator;
}

/** Per-site rule settings: switches and thresholds (docs/operations.md). */
export interface RuleSettings {
  readonly disabled: ReadonlySet<string>;
  /** Values offered to every condition as `$settings` (e.g. `emgRepeatDays`). */
  readonly values: Readonly<Record<string, number>>;
  /** Lab look-backs in days (site configuration), offered as `$lookbacks`. */
  readonly lookbacks: Readonly<Record<string, number>>;
}

/** Told when a rule's condition fails (an evaluation guardrail tripped, or a knowledge bug). */
export type RuleErrorHandler = (ruleId: string, error: unknown) => void;

/** What besides the rules the evaluation needs from knowledge (cards/common.jsonata, cards/precedence.json). */
export interface RuleKnowledge {
  readonly common: CompiledExpression | undefined;
  readonly precedence: Precedence;
}

/**
 * Evaluates every enabled rule of the hook over the decision model. Each rule fires at most once per request
 * (one condition, one finding); conflicting cards are resolved and the rest ordered critical, warning, info, then by
 * clinical priority (rules.md section 5; cards/precedence.json).
 *
 * A rule whose condition fails is reported to `onRuleError` and skipped: one broken or runaway rule must not take
 * the other rules' cards (a critical warning among them) down with it.
 */
export async function decide(
  model: DecisionModel,
  rules: readonly Rule[],
  settings: RuleSettings,
  knowledge: RuleKnowledge,
  onRuleError: RuleErrorHandler = () => undefined,
  onConflict?: ConflictHandler
): Promise<RuleOutcome[]> {
  // What the conditions share (cards/common.jsonata) is computed once per request and bound into each of them;
  // not at all when every rule is skipped.
  let bindings: Record<string, unknown> | undefined;
  const outcomes: RuleOutcome[] = [];
  for (const rule of rules) {
    if (
      settings.disabled.has(rule.id) ||
      !rule.template.hooks.includes(model.hook as Rule['template']['hooks'][number]) ||
      // Without what it requires (cards/<rule-id>.json `requires`) the rule cannot fire: no need to ask JSONata.
      !rule.requires.every((requirement) => isMet(model, requirement))
    ) {
      continue;
    }
    // Outside the rule's own try: shared values that fail are a fault of the whole evaluation, not of this rule.
    bindings ??= await ruleBindings(model, settings, knowledge.common);
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
    outcomes.push({ rule, finding: withCompleteness(finding, rule, model), indicator: indicatorOf(rule, finding) });
  }
  return applyPrecedence(outcomes, knowledge.precedence, onConflict);
}

/**
 * Unknown is not absent (rules.md section 5): a rule that reads a field resting on data that could not be
 * read says so on its card, first among its notes, naming the data.
 */
function withCompleteness(finding: Finding, rule: Rule, model: DecisionModel): Finding {
  const missing = [...new Set(rule.template.facts.flatMap((fact) => model.incomplete[fact] ?? []))];
  if (missing.length === 0) {
    return finding;
  }
  const note = `Incomplete data: the ${missing.join(', the ')} could not be read. This card rests on the data that could be read and may be wrong or change once the rest is available.`;
  return { ...finding, notes: [note, ...(finding.notes ?? [])] };
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
  // sees); its functions are closures over the model (JS functions, or jsonata's lambda objects) and stay as they are.
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
