import { fail } from './expression-error.js';
import { contextItem, createSequence, sequenceOf } from './sequence.js';

/**
 * The value semantics of JSONata (docs.jsonata.org: "Boolean functions", "String functions", "Comparison
 * operators"), written for the compiled evaluator and checked against jsonata by test/expression/.
 */

/** A number JSONata can compute with; it refuses infinities wherever it meets one (D1001). */
export function isNumeric(value: unknown): value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    return false;
  }
  if (!Number.isFinite(value)) {
    fail('D1001', `Number out of range: ${String(value)}`);
  }
  return true;
}

/** Functions are values in JSONata: compiled lambdas, built-ins and the native functions are all JS functions. */
export function isCallable(value: unknown): value is (...args: unknown[]) => unknown {
  return typeof value === 'function';
}

/** `$boolean`: the effective boolean value; undefined for nothing. */
export function toBoolean(value: unknown): boolean | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (Array.isArray(value)) {
    if (value.length === 1) {
      return toBoolean(value[0]);
    }
    // Every item is read (no short cut), as jsonata does: an infinity anywhere is refused the same way.
    return value.map((item) => toBoolean(item) === true).includes(true);
  }
  if (typeof value === 'string') {
    return value.length > 0;
  }
  if (isNumeric(value)) {
    return value !== 0;
  }
  if (value !== null && typeof value === 'object') {
    return Object.keys(value).length > 0;
  }
  return value === true;
}

/** A condition's truth: nothing is false. */
export function isTrue(value: unknown): boolean {
  return toBoolean(value) === true;
}

/** `$string`: strings as they are, functions as '', the rest as JSON with numbers to 15 significant digits. */
export function toText(value: unknown, prettify = false): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value === 'string') {
    return value;
  }
  if (isCallable(value)) {
    return '';
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    fail('D3001', 'Attempting to invoke string function on Infinity or NaN');
  }
  return JSON.stringify(
    contextItem(value),
    (_key, item: unknown) => {
      if (item !== undefined && item !== null && isNumeric(item)) {
        return Number.isInteger(item) ? item : Number(item.toPrecision(15));
      }
      return isCallable(item) ? '' : item;
    },
    prettify ? 2 : 0
  );
}

/** JSONata `=`: equal values, arrays item by item, objects key by key (in any order). */
export function deepEqual(left: unknown, right: unknown): boolean {
  if (left === right) {
    return true;
  }
  if (typeof left !== 'object' || typeof right !== 'object' || left === null || right === null) {
    return false;
  }
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((item, index) => deepEqual(item, right[index]));
  }
  const leftKeys = Object.getOwnPropertyNames(left).sort();
  const rightKeys = Object.getOwnPropertyNames(right).sort();
  if (leftKeys.length !== rightKeys.length || leftKeys.some((key, index) => key !== rightKeys[index])) {
    return false;
  }
  const l = left as Record<string, unknown>;
  const r = right as Record<string, unknown>;
  return leftKeys.every((key) => deepEqual(l[key], r[key]));
}

/** `$append`: nothing disappears, single values become one-item lists; the result is a plain array. */
export function append(first: unknown, second: unknown): unknown {
  if (first === undefined) {
    return second;
  }
  if (second === undefined) {
    return first;
  }
  return (Array.isArray(first) ? first : sequenceOf(first)).concat(Array.isArray(second) ? second : [second]);
}

/** A name step (`a`), or `$lookup`: the field of an object; over an array, the fields of its items, flattened. */
export function lookup(input: unknown, key: string): unknown {
  if (Array.isArray(input)) {
    const result = createSequence();
    for (const item of input) {
      const value = lookup(item, key);
      if (Array.isArray(value)) {
        for (const element of value) {
          result.push(element);
        }
      } else if (value !== undefined) {
        result.push(value);
      }
    }
    return result;
  }
  if (input !== null && typeof input === 'object' && Object.hasOwn(input, key)) {
    return (input as Record<string, unknown>)[key];
  }
  return undefined;
}

/** `*`: the values of an object's fields, arrays among them flattened all the way down. */
export function fieldValues(input: unknown): unknown {
  const subject = contextItem(input);
  let results: unknown[] = createSequence();
  if (subject !== null && typeof subject === 'object' && !isCallable(subject)) {
    for (const value of Object.values(subject)) {
      if (Array.isArray(value)) {
        // As jsonata: appending a list makes the result a plain array (which a later step flattens anyway).
        results = results.concat(flattenDeep(value));
      } else {
        results.push(value);
      }
    }
  }
  return results;
}

function flattenDeep(value: unknown[], into: unknown[] = []): unknown[] {
  for (const item of value) {
    if (Array.isArray(item)) {
      flattenDeep(item, into);
    } else {
      into.push(item);
    }
  }
  return into;
}
