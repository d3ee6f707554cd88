/**
 * Errors raised while evaluating a compiled expression. They carry JSONata's stable error codes (docs.jsonata.org
 * "Error codes") so that callers handle a compiled and an interpreted evaluation alike (jsonata-runtime.ts reads
 * `code`; D1001, a number out of range, becomes a refused request).
 */
export class ExpressionError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'ExpressionError';
    this.code = code;
  }
}

export function fail(code: string, message: string): never {
  throw new ExpressionError(code, message);
}

/** The expression uses a construct the compiler does not implement: it is evaluated by jsonata instead. */
export class UnsupportedExpression extends Error {
  constructor(readonly construct: string) {
    super(`not compiled: ${construct}`);
    this.name = 'UnsupportedExpression';
  }
}
