import { fail } from './expression-error.js';

/**
 * Function values of the compiled evaluator: built-ins and compiled lambdas are JS functions that can also be called
 * with the context item (`CALL`), which JSONata hands to a built-in's `-` parameter and to a call in tail position
 * of a lambda. Called as plain functions (by jsonata, or by a native function), they get no context item.
 */
export const CALL: unique symbol = Symbol('expression.call');
/** How many arguments a function takes, for `$reduce` and `$each` (jsonata's arity of a function value). */
export const ARITY: unique symbol = Symbol('expression.arity');

export type ContextCall = (args: readonly unknown[], context: unknown) => unknown;
export type Callable = ((...args: unknown[]) => unknown) & { [CALL]?: ContextCall; [ARITY]?: number };

export function callable(call: ContextCall, arity: number): Callable {
  const plain = ((...args: unknown[]) => call(args, undefined)) as Callable;
  plain[CALL] = call;
  plain[ARITY] = arity;
  return plain;
}

/** Calls a function value with the arguments and, when it takes one, the context item. */
export function callFunction(callee: unknown, args: readonly unknown[], context: unknown): unknown {
  if (typeof callee !== 'function') {
    return fail('T1006', 'Attempted to invoke a non-function');
  }
  const call = (callee as Callable)[CALL];
  return call === undefined ? (callee as Callable)(...args) : call(args, context);
}

export function arityOf(callee: unknown): number {
  return (callee as Callable)[ARITY] ?? (callee as Callable).length;
}

/**
 * A function passed as an argument, as jsonata passes it: wrapped so that whoever calls it later gives it no context
 * item (`null`): `function($g){ $g() }($boolean)` is `$boolean(null)`, false.
 */
export function asArgument(value: unknown): unknown {
  if (typeof value !== 'function') {
    return value;
  }
  const call = (value as Callable)[CALL];
  return call === undefined ? value : callable((args) => call(args, null), arityOf(value));
}
