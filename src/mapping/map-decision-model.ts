import type { CompiledExpression } from './jsonata-runtime.js';
import type { DecisionModel } from './decision-model.js';
import type { MappingInput } from './prepare-input.js';

/** One field of the decision model and the compiled expression that produces it (mappings/decision-model.json). */
export interface ModelField {
  readonly field: string;
  readonly expression: CompiledExpression;
}

/** What mapping needs besides the input: the lab look-backs of the site (days per lab concept). */
export interface MappingSettings {
  readonly lookbacks: Readonly<Record<string, number>>;
}

/**
 * Runs the field expressions in manifest order. Each sees the prepared input, `$today`, `$lookbacks`, and the fields
 * computed before it as `$<field>` (e.g. risk factors read `$labs`).
 */
export async function mapDecisionModel(
  input: MappingInput,
  fields: readonly ModelField[],
  settings: MappingSettings
): Promise<DecisionModel> {
  const bindings: Record<string, unknown> = { today: input.today, lookbacks: settings.lookbacks };
  const model: Record<string, unknown> = {
    patientId: input.patientId,
    today: input.today,
    hook: input.hook,
    unavailable: [...input.unavailable],
  };
  for (const { field, expression } of fields) {
    const value = await expression.evaluate(input, bindings);
    model[field] = value;
    bindings[field] = value;
  }
  return model as unknown as DecisionModel;
}
