import jsonata from 'jsonata';
import { CdsError } from '../errors.js';
import { compileAst, UnsupportedExpression } from '../expression/compile.js';
import { KnowledgeError } from '../knowledge/knowledge-error.js';

/**
 * The only importer of jsonata. Expressions are parsed by jsonata once at start-up and evaluated by one of two
 * engines: `compiled` (src/expression/: the parse tree turned into synchronous JS closures, several times faster)
 * or `jsonata` (its own evaluator, with the `timeout` and `stack` guardrails; not `sequence`, which costs +63%,
 * measured; input size is bounded by the request schema instead). Both give the same values (test/expression/).
 * jsonata >= 2.2.2 is required: 2.2.1 mixed `$$` between concurrent evaluations.
 */

/** Which evaluator runs the knowledge's expressions (EXPRESSION_ENGINE). */
export type ExpressionEngine = 'compiled' | 'jsonata';

export type JsonataFunction = (...args: never[]) => unknown;

export interface CompiledExpression {
  readonly file: string;
  evaluate(input: unknown, bindings: Readonly<Record<string, unknown>>): Promise<unknown>;
  /** Its parse tree, for the start-up checks of what it reads (never evaluated); compiled ones have it. */
  ast?(): unknown;
}

export interface Guardrails {
  /** Milliseconds one evaluation may run. */
  readonly timeoutMs: number;
  /** Maximum evaluation depth. */
  readonly stackDepth: number;
}

/** A failed evaluation, with JSONata's stable error code (e.g. D1012 timeout) and the expression file. */
export class MappingError extends Error {
  readonly code: string;
  readonly file: string;

  constructor(file: string, code: string, message: string) {
    super(`${file}: ${code} ${message}`);
    this.name = 'MappingError';
    this.code = code;
    this.file = file;
  }
}

/** JSONata throws plain objects (not Errors) with `code`, `message`, `position`, `token`. */
function describe(error: unknown): { code: string; message: string; position?: number } {
  if (typeof error === 'object' && error !== null) {
    const e = error as { code?: unknown; message?: unknown; position?: unknown };
    return {
      code: typeof e.code === 'string' ? e.code : 'UNKNOWN',
      message: typeof e.message === 'string' ? e.message : 'evaluation failed',
      ...(typeof e.position === 'number' ? { position: e.position } : {}),
    };
  }
  return { code: 'UNKNOWN', message: String(error) };
}

export function compileExpression(
  source: string,
  file: string,
  guardrails: Guardrails,
  functions: Readonly<Record<string, { implementation: JsonataFunction; signature?: string }>>,
  engine: ExpressionEngine = 'jsonata'
): CompiledExpression {
  let expression: jsonata.Expression;
  try {
    expression = jsonata(source, { timeout: guardrails.timeoutMs, stack: guardrails.stackDepth });
  } catch (error) {
    const { code, message, position } = describe(error);
    throw new KnowledgeError(file, position === undefined ? '' : `character ${String(position)}`, `${code} ${message}`);
  }
  if (engine === 'compiled') {
    // Throws UnsupportedExpression for a construct outside the compiled subset (the caller chooses the engine).
    const program = compileAst(expression.ast(), {
      functions: Object.fromEntries(Object.entries(functions).map(([name, f]) => [name, f.implementation])),
      timeoutMs: guardrails.timeoutMs,
      stackDepth: guardrails.stackDepth,
    });
    return {
      file,
      ast: () => expression.ast(),
      evaluate(input, bindings) {
        try {
          return Promise.resolve(program(input, bindings));
        } catch (error) {
          return Promise.reject(evaluationError(file, error));
        }
      },
    };
  }
  for (const [name, { implementation, signature }] of Object.entries(functions)) {
    expression.registerFunction(name, implementation as (...args: unknown[]) => unknown, signature);
  }
  return {
    file,
    ast: () => expression.ast(),
    async evaluate(input, bindings) {
      try {
        return (await expression.evaluate(input, bindings)) as unknown;
      } catch (error) {
        throw evaluationError(file, error);
      }
    },
  };
}

/** What a failed evaluation becomes, by JSONata error code (both engines raise the same codes). */
function evaluationError(file: string, error: unknown): Error {
  const { code, message } = describe(error);
  if (code === 'D1001') {
    // JSONata refuses non-finite numbers wherever it meets one. They come from the data, never from the
    // knowledge: JSON.parse reads a literal beyond the double range (1e400) as Infinity, and a dose computed
    // from absurd values can overflow. The request is refused as invalid instead of failing as a 500.
    return new CdsError(
      'invalid-request',
      'A number in the patient data or the request is outside the range this service can compute with.',
      { cause: new MappingError(file, code, message) }
    );
  }
  return new MappingError(file, code, message);
}

/**
 * The parse tree of an expression (JSONata's `ast()`), for tools that describe the knowledge, such as the rule book
 * (which facts a rule reads). Never evaluated.
 */
export function expressionAst(source: string): unknown {
  return jsonata(source).ast();
}

/**
 * The construct that keeps an expression out of the compiled subset, or undefined when it compiles (a syntax error
 * is left to compileExpression, which reports it with its position).
 */
export function notCompiledConstruct(source: string): string | undefined {
  try {
    compileAst(expressionAst(source), { functions: {}, timeoutMs: 0, stackDepth: 0 });
    return undefined;
  } catch (error) {
    if (error instanceof UnsupportedExpression) {
      return error.construct;
    }
    return undefined;
  }
}
