import { fail } from './expression-error.js';
import { isCallable } from './values.js';

/**
 * Argument checking of the built-in functions, after JSONata's function signatures (docs.jsonata.org "Function
 * signatures"), for the parameter kinds the built-ins here use: `x` anything, `j` anything but a function, `s` `n`
 * `b` `o` one type or nothing, `f` a function (not nothing), `sf` a string, a function or nothing, `a` an array (a
 * single value is wrapped), `a<s>` an array of one type; `?` optional; `-` the context when left out.
 */
export interface Parameter {
  readonly kind: 'x' | 'j' | 's' | 'n' | 'b' | 'o' | 'f' | 'sf' | 'a';
  /** For `a<T>`: the type of every item. */
  readonly items?: 's' | 'n' | 'o';
  readonly optional?: true;
  /** `-`: when the call gives fewer arguments than required, the context item takes this place. */
  readonly context?: true;
}

/** JSONata's one-letter type of a value; `m` is missing. */
function symbolOf(value: unknown): string {
  if (isCallable(value)) {
    return 'f';
  }
  switch (typeof value) {
    case 'string':
      return 's';
    case 'number':
      return 'n';
    case 'boolean':
      return 'b';
    case 'object':
      return value === null ? 'l' : Array.isArray(value) ? 'a' : 'o';
    default:
      return 'm';
  }
}

function accepts(parameter: Parameter, symbol: string): boolean {
  switch (parameter.kind) {
    case 'x':
    case 'a':
      return true;
    case 'j':
      return symbol !== 'f';
    case 'f':
      return symbol === 'f';
    case 'sf':
      return symbol === 's' || symbol === 'f' || symbol === 'm';
    default:
      return symbol === parameter.kind || symbol === 'm';
  }
}

function asArray(parameter: Parameter, value: unknown, position: number): unknown {
  const symbol = symbolOf(value);
  if (symbol === 'm') {
    return undefined;
  }
  const items = parameter.items;
  if (items !== undefined) {
    const fits = Array.isArray(value)
      ? value.length === 0 || (symbolOf(value[0]) === items && value.every((item) => symbolOf(item) === items))
      : symbol === items;
    if (!fits) {
      fail('T0412', `Argument ${String(position)} of function must be an array of ${items}`);
    }
  }
  return Array.isArray(value) ? value : [value];
}

/** The arguments a built-in is called with: checked, the context put in, single values wrapped for arrays. */
export function validateArguments(
  name: string,
  parameters: readonly Parameter[],
  args: readonly unknown[],
  context: unknown
): unknown[] {
  const required = parameters.filter((p) => p.optional !== true).length;
  const withContext = args.length < required && parameters[0]?.context === true;
  if (withContext && !accepts(parameters[0] as Parameter, symbolOf(context))) {
    fail('T0411', `Context value is not a compatible type with argument 1 of function $${name}`);
  }
  const supplied = withContext ? [context, ...args] : args;
  if (supplied.length > parameters.length || supplied.length < required) {
    fail('T0410', `Wrong number of arguments for function $${name}`);
  }
  return parameters.slice(0, supplied.length).map((parameter, index) => {
    const value = supplied[index];
    if (!accepts(parameter, symbolOf(value))) {
      fail('T0410', `Argument ${String(index + 1)} of function $${name} does not match the function signature`);
    }
    return parameter.kind === 'a' ? asArray(parameter, value, index + 1) : value;
  });
}
