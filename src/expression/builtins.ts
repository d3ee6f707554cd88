import { arityOf, callable, callFunction, type Callable } from './callable.js';
import { fail } from './expression-error.js';
import { createSequence, isSequence } from './sequence.js';
import { validateArguments, type Parameter } from './signature.js';
import { append, deepEqual, lookup, toBoolean, toText } from './values.js';

/**
 * The JSONata built-in functions the compiled evaluator offers (docs.jsonata.org "Function library"), each with the
 * signature jsonata gives it. An expression calling any other built-in is left to jsonata (compile.ts).
 */

/**
 * A built-in: its arguments checked against its signature, the context item put in for a `-` parameter left out.
 * `arity` is what jsonata counts for a built-in passed to `$each` or `$reduce` (its implementation's declared
 * parameters: one for `$string`, whose second has a default).
 */
function builtin(
  name: string,
  parameters: readonly Parameter[],
  body: (...args: unknown[]) => unknown,
  arity = parameters.length
): Callable {
  return callable((args, context) => body(...validateArguments(name, parameters, args, context)), arity);
}

/** `$contains(text, pattern)`: a string, or a function that matches (gives something) or not. */
function contains(text: unknown, pattern: unknown): unknown {
  if (typeof text !== 'string') {
    return undefined;
  }
  if (typeof pattern === 'string') {
    return text.includes(pattern);
  }
  return pattern === undefined ? undefined : callFunction(pattern, [text], null) !== undefined;
}

/** `$reduce(list, function($acc, $item[, $index[, $list]]), init?)`. */
function reduce(list: unknown, reducer: unknown, init: unknown): unknown {
  if (!Array.isArray(list)) {
    return undefined;
  }
  const arity = arityOf(reducer);
  if (arity < 2) {
    fail('D3050', 'The second argument of $reduce must be a function with at least two arguments');
  }
  let index = init === undefined && list.length > 0 ? 1 : 0;
  let result: unknown = index === 1 ? list[0] : init;
  for (; index < list.length; index++) {
    const args: unknown[] = [result, list[index]];
    if (arity >= 3) {
      args.push(index);
    }
    if (arity >= 4) {
      args.push(list);
    }
    result = callFunction(reducer, args, null);
  }
  return result;
}

/** `$each(object, function($value[, $key[, $object]]))`: what the function gives for each field. */
function each(object: unknown, action: unknown): unknown {
  const result = createSequence();
  const arity = arityOf(action);
  if (object !== null && typeof object === 'object') {
    for (const key of Object.keys(object)) {
      const value = (object as Record<string, unknown>)[key];
      const args = arity >= 3 ? [value, key, object] : arity >= 2 ? [value, key] : [value];
      const item = callFunction(action, args, null);
      if (item !== undefined) {
        result.push(item);
      }
    }
  }
  return result;
}

const x: Parameter = { kind: 'x' };
const xContext: Parameter = { kind: 'x', context: true };

function round(value: unknown, precision: unknown): number | undefined {
  if (typeof value !== 'number') {
    return undefined;
  }
  const digits = typeof precision === 'number' ? precision : 0;
  // Shift the decimal point in the string form: multiplying by a power of ten would add binary rounding errors.
  const shift = (n: number, by: number): number => {
    const [mantissa, exponent] = n.toString().split('e');
    return Number(`${mantissa ?? ''}e${String(Number(exponent ?? 0) + by)}`);
  };
  const shifted = digits === 0 ? value : shift(value, digits);
  let result = Math.round(shifted);
  // Half to even: Math.round takes halves up.
  if (Math.abs(result - shifted) === 0.5 && Math.abs(result % 2) === 1) {
    result -= 1;
  }
  result = digits === 0 ? result : shift(result, -digits);
  return Object.is(result, -0) ? 0 : result;
}

function distinct(value: unknown): unknown {
  if (!Array.isArray(value) || value.length <= 1) {
    return value;
  }
  const result: unknown[] = isSequence(value) ? createSequence() : [];
  for (const item of value) {
    if (!result.some((kept) => deepEqual(item, kept))) {
      result.push(item);
    }
  }
  return result;
}

function merge(objects: unknown): unknown {
  if (!Array.isArray(objects)) {
    return undefined;
  }
  const result: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const object of objects as Record<string, unknown>[]) {
    for (const key of Object.keys(object)) {
      result[key] = object[key];
    }
  }
  return result;
}

export const builtins: Readonly<Record<string, Callable>> = {
  count: builtin('count', [{ kind: 'a' }], (list) => (list === undefined ? 0 : (list as unknown[]).length)),
  exists: builtin('exists', [x], (value) => value !== undefined),
  boolean: builtin('boolean', [xContext], (value) => toBoolean(value)),
  not: builtin('not', [xContext], (value) => (value === undefined ? undefined : !toBoolean(value))),
  distinct: builtin('distinct', [x], distinct),
  lookup: builtin('lookup', [xContext, { kind: 's' }], (object, key) => lookup(object, key as string)),
  append: builtin('append', [x, x], append),
  merge: builtin('merge', [{ kind: 'a', items: 'o' }], merge),
  string: builtin(
    'string',
    [xContext, { kind: 'b', optional: true }],
    (value, prettify) => toText(value, prettify === true),
    1
  ),
  lowercase: builtin('lowercase', [{ kind: 's', context: true }], (text) =>
    typeof text === 'string' ? text.toLowerCase() : undefined
  ),
  // The pattern may only be a string here: regular expressions are not compiled (compile.ts refuses them).
  contains: builtin('contains', [{ kind: 's', context: true }, { kind: 'sf' }], contains),
  join: builtin(
    'join',
    [
      { kind: 'a', items: 's' },
      { kind: 's', optional: true },
    ],
    (texts, separator) =>
      Array.isArray(texts) ? texts.join(typeof separator === 'string' ? separator : '') : undefined
  ),
  round: builtin(
    'round',
    [
      { kind: 'n', context: true },
      { kind: 'n', optional: true },
    ],
    round
  ),
  reduce: builtin('reduce', [{ kind: 'a' }, { kind: 'f' }, { kind: 'j', optional: true }], reduce),
  each: builtin('each', [{ kind: 'o', context: true }, { kind: 'f' }], each),
  min: builtin('min', [{ kind: 'a', items: 'n' }], (numbers) =>
    Array.isArray(numbers) && numbers.length > 0 ? Math.min(...(numbers as number[])) : undefined
  ),
};

/** Every built-in of JSONata 2: an expression that calls one not offered above is not compiled. */
export const jsonataBuiltinNames: ReadonlySet<string> = new Set(
  (
    'sum count max min average string substring substringBefore substringAfter lowercase uppercase length trim pad ' +
    'match contains replace split join formatNumber formatBase formatInteger parseInteger number floor ceil round ' +
    'abs sqrt power random boolean not map zip filter single reduce sift keys lookup append exists spread merge ' +
    'reverse each error assert type sort shuffle distinct base64encode base64decode encodeUrlComponent encodeUrl ' +
    'decodeUrlComponent decodeUrl eval toMillis fromMillis clone now millis'
  ).split(' ')
);
