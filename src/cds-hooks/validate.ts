import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { CdsError } from '../errors.js';
import { contextSchema, feedbackSchema, requestSchema, type SchemaLimits } from './schemas.js';
import type { CdsRequest, FeedbackRequest, HookName } from './types.js';

// ajv-formats ships CommonJS with a default export; under NodeNext the callable sits on `.default`.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export interface RequestValidators {
  /** Throws a 400 CdsError naming the offending field; returns the request typed. */
  readonly request: (body: unknown, hook: HookName) => CdsRequest;
  readonly feedback: (body: unknown) => FeedbackRequest;
}

/** Compiles every edge schema once, at start-up (compiling per request is slow and leaks; ajv #1413). */
export function createRequestValidators(limits: SchemaLimits): RequestValidators {
  // allErrors stays false: the first error names the problem and unbounded error lists are a DoS vector.
  const ajv = new Ajv({ allErrors: false, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv, ['uri', 'date-time']);
  const request = ajv.compile(requestSchema(limits));
  const feedback = ajv.compile(feedbackSchema(limits));
  const contexts: Record<HookName, ValidateFunction> = {
    'patient-view': ajv.compile(contextSchema('patient-view', limits)),
    'order-select': ajv.compile(contextSchema('order-select', limits)),
    'order-sign': ajv.compile(contextSchema('order-sign', limits)),
  };

  return {
    request(body, hook) {
      assertValid(request, body, '');
      const context = (body as { context: unknown }).context;
      assertValid(contexts[hook], context, 'context');
      return body as CdsRequest;
    },
    feedback(body) {
      assertValid(feedback, body, '');
      return body as FeedbackRequest;
    },
  };
}

function assertValid(validate: ValidateFunction, value: unknown, prefix: string): void {
  if (validate(value)) {
    return;
  }
  const error = validate.errors?.[0];
  if (error === undefined) {
    throw new CdsError('invalid-request', 'The request is not valid.');
  }
  const { path, message } = describe(error, prefix);
  throw new CdsError('invalid-request', [{ message, expression: path === '' ? [] : [path] }]);
}

/** Turns an ajv error into `expression` (dotted path, as in the spec's tables) and a sentence naming it. */
function describe(error: ErrorObject, prefix: string): { path: string; message: string } {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let path = [prefix, ...segments.map((s) => (/^\d+$/.test(s) ? `[${s}]` : s))]
    .filter((s) => s !== '')
    .join('.')
    .replace(/\.\[/g, '[');
  const params = error.params as Record<string, unknown>;
  const join = (field: string): string => (path === '' ? field : `${path}.${field}`);
  const name = path === '' ? 'the request body' : path;
  switch (error.keyword) {
    case 'required': {
      path = join(String(params['missingProperty']));
      return { path, message: `${path} is required` };
    }
    case 'dependencies': {
      const missing = String(params['missingProperty']);
      const property = String(params['property']);
      return { path: join(missing), message: `${join(missing)} is required when ${join(property)} is present` };
    }
    case 'type':
      return { path, message: `${name} must be of type ${String(params['type'])}` };
    case 'enum':
    case 'const':
      return { path, message: `${name} has a value that is not allowed` };
    case 'maxItems':
    case 'maxProperties':
      return { path, message: `${name} has more than the ${String(params['limit'])} items this service accepts` };
    case 'minItems':
      return { path, message: `${name} must not be empty` };
    case 'pattern':
    case 'format':
      return { path, message: `${name} is not in the expected format` };
    default:
      return { path, message: `${name} ${error.message ?? 'is not valid'}` };
  }
}
