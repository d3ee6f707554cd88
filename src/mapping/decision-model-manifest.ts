import { join } from 'node:path';
import { checkSchema } from '../knowledge/check-schema.js';
import { KnowledgeError, readJsonFile } from '../knowledge/knowledge-error.js';
import { checkConceptDeclaration } from './concept-shortcut.js';
import { deepFreeze } from './deep-freeze.js';
import type { CompiledExpression } from './jsonata-runtime.js';
import type { DecisionModelMapping } from './map-decision-model.js';

/**
 * mappings/decision-model.json: the field expressions in evaluation order, the facts whose records each reads
 * (`facts`), the earlier fields each derives from (`reads`, for completeness), and the concepts whose records can
 * change it with its value without them (`concepts`, `empty`: concept-shortcut.ts), checked and compiled.
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
          concepts: { type: 'array', uniqueItems: true, items: { type: 'string', pattern: '^[a-z0-9-]+\\*?$' } },
          empty: {},
        },
        // An empty value is the value without the concepts: it means nothing without them.
        dependencies: { empty: ['concepts'] },
      },
    },
  },
} as const;

interface FieldEntry {
  field: string;
  expression: string;
  facts?: string[];
  reads?: string[];
  concepts?: string[];
  empty?: unknown;
}

/** `valueSets`: the ids of every value set, against which each field's `concepts` are checked. */
export function loadMapping(
  dir: string,
  compile: (file: string) => CompiledExpression,
  valueSets: ReadonlySet<string>
): DecisionModelMapping {
  const file = join(dir, 'decision-model.json');
  const manifest = checkSchema<{ common?: string; fields: FieldEntry[] }>(manifestSchema, readJsonFile(file), file);
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
    file,
    common: manifest.common === undefined ? undefined : compile(join(dir, manifest.common)),
    fields: manifest.fields.map(({ field, expression, facts, reads, concepts, empty }, i) => {
      const compiled = compile(join(dir, expression));
      if (concepts !== undefined) {
        checkConceptDeclaration(file, `$.fields[${String(i)}]`, compiled, concepts, valueSets);
      }
      return {
        field,
        expression: compiled,
        ...(facts === undefined ? {} : { facts }),
        ...(reads === undefined ? {} : { reads }),
        // Frozen once: every request that takes it shares it, as frozen as a computed value.
        ...(concepts === undefined ? {} : { shortcut: { concepts, empty: deepFreeze(empty) } }),
      };
    }),
  };
}
