import jsonata from 'jsonata';
import { describe, expect, test } from 'vitest';
import {
  compileAst,
  UnsupportedExpression,
  type CompileOptions,
  type NativeFunction,
  type Program,
} from '../../src/expression/compile.js';

/**
 * Differential testing of the expression compiler (src/expression/compile.ts) against jsonata, the reference: the
 * same expression, input and bindings go to `await jsonata(src).evaluate(...)` and to the compiled program, and both
 * must give the same value, the same `undefined`, or throw the same error code.
 */

/** Native functions offered to both engines, shaped like the service's (src/mapping/mapping-functions.ts). */
export const NATIVES: Readonly<Record<string, NativeFunction>> = {
  anyIn: (values: unknown, list: unknown) => {
    const wanted = Array.isArray(list) ? list : [list];
    return (Array.isArray(values) ? values : [values]).some((v) => v !== undefined && wanted.includes(v));
  },
  startsWith: (value: unknown, prefix: unknown) =>
    typeof value === 'string' && typeof prefix === 'string' && value.startsWith(prefix),
  /** What a native function receives: a singleton or an array (and how long), or nothing. */
  kind: (value: unknown) =>
    Array.isArray(value) ? `array of ${String(value.length)}` : value === null ? 'null' : typeof value,
  /** A native function that returns nothing: its call gives undefined. */
  nothing: () => undefined,
};

/** The service's guardrails (src/configured.ts); never reached by these small expressions. */
export const OPTIONS: CompileOptions = { functions: NATIVES, timeoutMs: 5000, stackDepth: 500 };

/** What one engine made of an expression: a value (possibly undefined), an error code, or no compiled program. */
export type Outcome = { readonly value: unknown } | { readonly error: string } | { readonly unsupported: string };

export type Bindings = Readonly<Record<string, unknown>>;

/** A copy of plain data, so that neither engine sees what the other did to its input; functions are shared. */
function copy(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(copy);
  }
  if (isData(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)]));
  }
  return value;
}

/** Frozen all the way down: the service freezes the decision model, so a program must never write to its input. */
function frozen(value: unknown): unknown {
  if (Array.isArray(value) || isData(value)) {
    for (const item of Object.values(value)) {
      frozen(item);
    }
    Object.freeze(value);
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON object of the data (not an engine's function value, whatever its shape). */
function isData(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value) || isJsonataFunction(value)) {
    return false;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** jsonata's lambdas and built-ins are objects flagged `_jsonata_lambda` / `_jsonata_function`. */
function isJsonataFunction(value: unknown): boolean {
  return isPlainObject(value) && (value['_jsonata_lambda'] === true || value['_jsonata_function'] === true);
}

/** The error code of what an engine threw; a throw without one is a bug, shown with its text. */
function codeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string') {
    return (error as { code: string }).code;
  }
  return `no code: ${String(error)}`;
}

export async function jsonataOutcome(src: string, input: unknown, bindings: Bindings = {}): Promise<Outcome> {
  const expression = jsonata(src, { timeout: OPTIONS.timeoutMs, stack: OPTIONS.stackDepth });
  for (const [name, implementation] of Object.entries(NATIVES)) {
    expression.registerFunction(name, implementation as (...args: unknown[]) => unknown);
  }
  try {
    return { value: (await expression.evaluate(copy(input), copy(bindings) as Bindings)) as unknown };
  } catch (error) {
    return { error: codeOf(error) };
  }
}

/** The compiled program of an expression, or why there is none. */
export function compiled(src: string, options: CompileOptions = OPTIONS): Program | { readonly unsupported: string } {
  try {
    return compileAst(jsonata(src).ast(), options);
  } catch (error) {
    if (error instanceof UnsupportedExpression) {
      return { unsupported: error.construct };
    }
    throw error;
  }
}

export function compiledOutcome(
  program: Program | { readonly unsupported: string },
  input: unknown,
  bindings: Bindings = {}
): Outcome {
  if (typeof program !== 'function') {
    return program;
  }
  try {
    return { value: program(frozen(copy(input)), frozen(copy(bindings)) as Bindings) };
  } catch (error) {
    return { error: codeOf(error) };
  }
}

/** In a pinned value: any function (they compare as «function»). */
export const A_FUNCTION = (): void => undefined;

const UNDEFINED = '«undefined»';
const FUNCTION = '«function»';

/**
 * A value as its consumers see it, as JSON text: a missing key and a key holding undefined are the same (jsonata's
 * object constructors drop undefined values, JSON.stringify drops the keys), sequence flags and prototypes are not
 * there, any function is «function», -0 is 0; but undefined inside an array is not null, and key order counts (it
 * is the order of the service's JSON).
 */
function canonical(value: unknown): unknown {
  if (value === undefined) {
    return UNDEFINED;
  }
  if (typeof value === 'function' || isJsonataFunction(value)) {
    return FUNCTION;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? (Object.is(value, -0) ? 0 : value) : `«${String(value)}»`;
  }
  if (Array.isArray(value)) {
    return Array.from(value as unknown[], canonical);
  }
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, canonical(v)])
    );
  }
  return value;
}

export function render(outcome: Outcome): string {
  if ('unsupported' in outcome) {
    return `not compiled: ${outcome.unsupported}`;
  }
  if ('error' in outcome) {
    return `error ${outcome.error}`;
  }
  return JSON.stringify(canonical(outcome.value));
}

/** One expression of a corpus, over one input, with what jsonata gives when the case pins it. */
export interface Case {
  readonly src: string;
  readonly input?: unknown;
  readonly bindings?: Bindings;
  /** jsonata's value: pinned, so that the case keeps testing the semantics it was written for. */
  readonly gives?: unknown;
  /** jsonata's error code, pinned. */
  readonly throws?: string;
}

function title(c: Case): string {
  const over = c.input === undefined ? '' : `  over ${JSON.stringify(canonical(c.input))}`;
  const bound = c.bindings === undefined ? '' : `  with ${JSON.stringify(canonical(c.bindings))}`;
  const text = `${c.src}${over}${bound}`;
  return text.length > 150 ? `${text.slice(0, 147)}...` : text;
}

/** jsonata and the compiled program agree on one case, and jsonata gives what the case pins. */
export async function expectSameOutcome(c: Case): Promise<void> {
  const reference = await jsonataOutcome(c.src, c.input, c.bindings);
  if (c.throws !== undefined) {
    expect(render(reference), 'jsonata (pinned)').toBe(`error ${c.throws}`);
  } else if (Object.hasOwn(c, 'gives')) {
    expect(render(reference), 'jsonata (pinned)').toBe(render({ value: c.gives }));
  }
  const actual = compiledOutcome(compiled(c.src), c.input, c.bindings);
  expect(render(actual), `compiled vs jsonata: ${c.src}`).toBe(render(reference));
}

/** A test per case. */
export function differentialSuite(name: string, cases: readonly Case[]): void {
  describe(name, () => {
    for (const c of cases) {
      test(title(c), () => expectSameOutcome(c));
    }
  });
}
