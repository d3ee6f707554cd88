import { KnowledgeError } from '../knowledge/knowledge-error.js';
import type { MappingInput } from './mapping-item.js';
import { mapDecisionModel, type DecisionModelMapping, type MappingSettings } from './map-decision-model.js';

/**
 * The start-up check of each mapping's declared `empty` value (concept-shortcut.ts): the shortcut hands it out
 * instead of evaluating the expression when the request holds none of the field's concepts, so it must be exactly
 * what the expression gives over a chart with nothing in it. The check evaluates every field in full over an empty
 * chart, once per hook, and compares as the answers are compared (JSON): a wrong declaration would change answers
 * silently, so it stops start-up instead, naming the field. Asynchronous (JSONata evaluates asynchronously), so it
 * runs with the warm-up, before the service reports ready.
 */
export async function checkEmptyValues(
  mapping: DecisionModelMapping,
  settings: MappingSettings,
  hooks: Iterable<string>
): Promise<void> {
  const full: DecisionModelMapping = {
    ...mapping,
    fields: mapping.fields.map((field) => {
      const evaluated = { ...field };
      delete evaluated.shortcut;
      return evaluated;
    }),
  };
  for (const hook of new Set(hooks)) {
    const model = (await mapDecisionModel(emptyChart(hook), full, settings)) as unknown as Record<string, unknown>;
    mapping.fields.forEach(({ field, shortcut }, i) => {
      if (shortcut === undefined) {
        return;
      }
      const computed = asJson(model[field]);
      const declared = asJson(shortcut.empty);
      if (computed !== declared) {
        throw new KnowledgeError(
          mapping.file ?? 'mappings/decision-model.json',
          `$.fields[${String(i)}].empty`,
          `'${field}' declares ${declared} but its expression gives ${computed} over an empty ${hook} chart`
        );
      }
    });
  }
}

/** As the answers are compared: JSON, where "no value" (undefined) has no text of its own. */
const asJson = (value: unknown): string => (value === undefined ? 'no value' : JSON.stringify(value));

function emptyChart(hook: string): MappingInput {
  return {
    today: '2026-01-01',
    patientId: 'empty-chart',
    hook,
    items: [],
    byFact: {},
    labs: {},
    drafts: [],
    unavailable: [],
  };
}
