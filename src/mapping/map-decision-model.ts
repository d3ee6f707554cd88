import { heldConcepts, holdsAny, type ConceptDeclaration } from './concept-shortcut.js';
import type { CompiledExpression } from './jsonata-runtime.js';
import type { DecisionModel } from './decision-model.js';
import { deepFreeze } from './deep-freeze.js';
import type { MappingInput, MappingItem } from './mapping-item.js';

/** One field of the decision model and the compiled expression that produces it (mappings/decision-model.json). */
export interface ModelField {
  readonly field: string;
  readonly expression: CompiledExpression;
  /** The facts whose records the expression reads (`items`); undefined: every record. */
  readonly facts?: readonly string[];
  /** Fields computed before it that it reads (`$<field>`): it is incomplete when one of them is. */
  readonly reads?: readonly string[];
  /** The concepts whose records can change it and its value without them (concept-shortcut.ts). */
  readonly shortcut?: ConceptDeclaration;
}

/** The compiled mappings: shared functions (mappings/common.jsonata) and the field expressions, in order. */
export interface DecisionModelMapping {
  /** mappings/decision-model.json, named by knowledge errors found after loading (check-empty-values.ts). */
  readonly file?: string;
  readonly common: CompiledExpression | undefined;
  readonly fields: readonly ModelField[];
}

/** What mapping needs besides the input: the lab look-backs of the site (days per lab concept). */
export interface MappingSettings {
  readonly lookbacks: Readonly<Record<string, number>>;
}

/**
 * Runs the field expressions in manifest order. Each sees the prepared input, `$today`, `$lookbacks`, the shared
 * functions of mappings/common.jsonata, and the fields computed before it as `$<field>` (risk factors read `$labs`).
 */
export async function mapDecisionModel(
  input: MappingInput,
  mapping: DecisionModelMapping,
  settings: MappingSettings
): Promise<DecisionModel> {
  const common = mapping.common === undefined ? {} : await mapping.common.evaluate({}, {});
  const bindings: Record<string, unknown> = {
    ...(typeof common === 'object' && common !== null ? common : {}),
    today: input.today,
    lookbacks: settings.lookbacks,
  };
  const model: Record<string, unknown> = {
    patientId: input.patientId,
    today: input.today,
    hook: input.hook,
    unavailable: [...new Set(input.unavailable.map((u) => u.key))],
    incomplete: completeness(input, mapping.fields),
  };
  const held = heldConcepts(input);
  for (const { field, expression, facts, shortcut } of mapping.fields) {
    // Without any of its concepts the field is what the expression gives for an empty chart: no call needed.
    // Frozen: later expressions and rules read it, and JSONata mutates some inputs (a group-by turns an empty
    // array into [null]); a frozen value makes such a mistake fail loudly instead of corrupting the model.
    const value =
      shortcut !== undefined && !holdsAny(held, shortcut.concepts)
        ? shortcut.empty
        : deepFreeze(
            await expression.evaluate(
              facts === undefined ? input : { ...input, items: itemsOf(input, facts) },
              bindings
            )
          );
    model[field] = value;
    bindings[field] = value;
  }
  return model as unknown as DecisionModel;
}

/** The records of the given facts, each once: a mapping scans only what can matter to it. */
function itemsOf(input: MappingInput, facts: readonly string[]): readonly MappingItem[] {
  if (facts.length === 1) {
    return input.byFact[facts[0] ?? ''] ?? [];
  }
  return [...new Set(facts.flatMap((fact) => input.byFact[fact] ?? []))];
}

/**
 * Which fields rest on data that could not be read ("unknown is not absent", rules.md section 5): the fields each unavailable
 * prefetch key feeds (hooks/prefetch/templates.json `feeds`), and every field derived from one of them
 * (decision-model.json `reads`). Fields are in dependency order, so one pass suffices.
 */
function completeness(input: MappingInput, fields: readonly ModelField[]): Record<string, string[]> {
  const incomplete: Record<string, Set<string>> = {};
  for (const data of input.unavailable) {
    for (const field of data.feeds) {
      (incomplete[field] ??= new Set()).add(data.label);
    }
  }
  for (const { field, reads } of fields) {
    for (const read of reads ?? []) {
      for (const label of incomplete[read] ?? []) {
        (incomplete[field] ??= new Set()).add(label);
      }
    }
  }
  return Object.fromEntries(Object.entries(incomplete).map(([field, labels]) => [field, [...labels]]));
}
