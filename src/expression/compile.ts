/**
 * Compiles a JSONata parse tree (jsonata's `ast()`) into plain synchronous JS closures. Work in progress.
 */

/** A function offered to expressions by name (`$name(...)`), called with the evaluated arguments. */
export type NativeFunction = (...args: never[]) => unknown;

export interface CompileOptions {
  /** Functions bound by name for every evaluation (mapping-functions.ts). */
  readonly functions: Readonly<Record<string, NativeFunction>>;
  /** Milliseconds one evaluation may run (JSONata's D1012). */
  readonly timeoutMs: number;
  /** Maximum nesting of function calls (JSONata's D1011). */
  readonly stackDepth: number;
}

/** Evaluates the compiled expression; throws JSONata-shaped errors (`{ code, message }`). */
export type Program = (input: unknown, bindings: Readonly<Record<string, unknown>>) => unknown;

/** The expression uses a construct the compiler does not implement: it is evaluated by jsonata instead. */
export class UnsupportedExpression extends Error {
  constructor(readonly construct: string) {
    super(`not compiled: ${construct}`);
    this.name = 'UnsupportedExpression';
  }
}

export function compileAst(ast: unknown, options: CompileOptions): Program {
  void ast;
  void options;
  throw new UnsupportedExpression('everything (not written yet)');
}
