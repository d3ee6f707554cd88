import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import type { FhirResource } from 'fhir/r4';
import { describe, expect, test } from 'vitest';
import { defaultKnowledgeDir } from '../../src/config.js';
import type { DecisionModel } from '../../src/mapping/decision-model.js';
import { modelOf } from '../support/decision-models.js';
import { TODAY } from '../support/service.js';

/**
 * Runs every mapping case of mappings/cases (spec by example, as JSONata's own test suite does): the input FHIR
 * resources go through the real map stage, the output must satisfy mappings/decision-model.schema.json, and
 * `expected` must match (objects partially, arrays element by element; `null` means "absent").
 */
interface MappingCase {
  readonly description: string;
  readonly input: {
    readonly resources: FhirResource[];
    readonly today?: string;
    readonly hook?: string;
    readonly draftOrders?: FhirResource[];
    readonly selections?: string[];
  };
  readonly expected: Record<string, unknown>;
}

const mappingsDir = join(defaultKnowledgeDir(), 'mappings');
const casesDir = join(mappingsDir, 'cases');
const files = readdirSync(casesDir)
  .filter((f) => f.endsWith('.cases.json'))
  .sort();
const validateModel = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(
  JSON.parse(readFileSync(join(mappingsDir, 'decision-model.schema.json'), 'utf8')) as object
);

function map(input: MappingCase['input']): Promise<DecisionModel> {
  return modelOf({
    resources: input.resources,
    today: input.today ?? TODAY,
    hook: input.hook ?? 'patient-view',
    ...(input.draftOrders === undefined ? {} : { drafts: input.draftOrders }),
    ...(input.selections === undefined ? {} : { selections: input.selections }),
  });
}

describe.each(files)('%s', (file) => {
  const { cases } = JSON.parse(readFileSync(join(casesDir, file), 'utf8')) as { cases: MappingCase[] };

  test.each(cases.map((c) => [c.description, c]))('%s', async (_description, mappingCase) => {
    const model = await map(mappingCase.input);
    validateModel(model);
    expect(validateModel.errors ?? []).toEqual([]);
    const absent = Object.entries(mappingCase.expected).filter(([, value]) => value === null);
    const present = Object.fromEntries(Object.entries(mappingCase.expected).filter(([, value]) => value !== null));
    for (const [key] of absent) {
      expect(model[key as keyof DecisionModel], key).toBeUndefined();
    }
    expect(model).toMatchObject(present);
  });
});

test('every case has a description and an expected outcome', () => {
  for (const file of files) {
    const { cases } = JSON.parse(readFileSync(join(casesDir, file), 'utf8')) as { cases: Partial<MappingCase>[] };
    for (const c of cases) {
      expect(typeof c.description === 'string' && c.description.length > 10, file).toBe(true);
      expect(c.expected, c.description).toBeTypeOf('object');
    }
  }
});
