import { Ajv, type ValidateFunction } from 'ajv';
import { KnowledgeError } from './knowledge-error.js';

/** One ajv instance for knowledge files; used at start-up only. */
const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
const compiled = new WeakMap<object, ValidateFunction>();

/** Validates a knowledge file against its schema; the error names the file and the JSON path (`$.a.b[2]`). */
// T is the type the schema describes; the function asserts it, so T appearing once is the point.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function checkSchema<T>(schema: object, value: unknown, file: string): T {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) {
    return value as T;
  }
  const error = validate.errors?.[0];
  const path = jsonPath(error?.instancePath ?? '');
  const params = (error?.params ?? {}) as Record<string, unknown>;
  const detail =
    error?.keyword === 'required'
      ? `is missing required field '${String(params['missingProperty'])}'`
      : error?.keyword === 'additionalProperties'
        ? `has unknown field '${String(params['additionalProperty'])}'`
        : (error?.message ?? 'is not valid');
  throw new KnowledgeError(file, path, detail);
}

export function jsonPath(instancePath: string): string {
  const steps = instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  return steps.reduce((path, step) => (/^\d+$/.test(step) ? `${path}[${step}]` : `${path}.${step}`), '$');
}
