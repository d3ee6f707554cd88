import { join } from 'node:path';
import { checkSchema } from '../knowledge/check-schema.js';
import { KnowledgeError, readJsonFile } from '../knowledge/knowledge-error.js';
import type { CompiledExpression } from './jsonata-runtime.js';
import type { DecisionModelMapping } from './map-decision-model.js';

/**
 * mappings/decision-model.json: the field expressions in evaluation order, the facts whose records each reads
 * (`facts`), and the earlier fields each derives from (`reads`, for completeness), checked and compiled.
 */
const manifestSchema = {
  type: 'object',
  required: ['fields'],
  additionalProperties: false,
  properties: {
    description: { type: 'string' },
    common: { type: 'string', pattern: '^[a-z0-9-]+\\.jsonata$' },
    fields: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['field', 'expression'],
        additionalProperties: false,
        properties: {
          field: { type: 'string', pattern: '^[a-zA-Z]+$' },
          expression: { type: 'string', pattern: '^[a-z0-9-]+\\.jsonata$' },
          facts: { type: 'array', items: { type: 'string', pattern: '^[a-zA-Z]+$' } },
          reads: { type: 'array', items: { type: 'string', pattern: '^[a-zA-Z]+$' } },
        },
      },
    },
  },
} as const;

export function loadMapping(dir: string, compile: (file: string) => CompiledExpression): DecisionModelMapping {
  const file = join(dir, 'decision-model.json');
  const manifest = checkSchema<{
    common?: string;
    fields: { field: string; expression: string; facts?: string[]; reads?: string[] }[];
  }>(manifestSchema, readJsonFile(file), file);
  manifest.fields.forEach(({ reads }, i) => {
    (reads ?? []).forEach((read, j) => {
      if (!manifest.fields.slice(0, i).some((f) => f.field === read)) {
        throw new KnowledgeError(
          file,
          `$.fields[${String(i)}].reads[${String(j)}]`,
          `'${read}' is not a field before it`
        );
      }
    });
  });
  return {
    common: manifest.common === undefined ? undefined : compile(join(dir, manifest.common)),
    fields: manifest.fields.map(({ field, expression, facts, reads }) => ({
      field,
      expression: compile(join(dir, expression)),
      ...(facts === undefined ? {} : { facts }),
      ...(reads === undefined ? {} : { reads }),
    })),
  };
}
