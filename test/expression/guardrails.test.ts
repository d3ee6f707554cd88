import jsonata from 'jsonata';
import { describe, expect, test } from 'vitest';
import { compileAst } from '../../src/expression/compile.js';
import { compileExpression } from '../../src/mapping/jsonata-runtime.js';

/**
 * The compiled evaluator keeps jsonata's guardrails: runaway recursion stops with D1011 and a runaway computation
 * with D1012, as errors the service reports per rule instead of a hung or crashed thread.
 */
const codeOf = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return 'no error';
};

const program = (source: string, timeoutMs: number, stackDepth: number) =>
  compileAst(jsonata(source).ast(), { functions: {}, timeoutMs, stackDepth });

describe('compiled evaluation guardrails', () => {
  test('recursion deeper than the stack depth stops with D1011', () => {
    const count = '( $f := function($n) { $n > 0 ? 1 + $f($n - 1) : 0 }; $f(depth) )';
    expect(program(count, 5000, 500)({ depth: 400 }, {})).toBe(400);
    expect(codeOf(() => program(count, 5000, 500)({ depth: 600 }, {}))).toBe('D1011');
  });

  test('recursion the JS stack cannot hold stops with D1011, not a RangeError', () => {
    const count = '( $f := function($n) { $n > 0 ? 1 + $f($n - 1) : 0 }; $f(depth) )';
    expect(codeOf(() => program(count, 60_000, 10_000_000)({ depth: 1_000_000 }, {}))).toBe('D1011');
  });

  test('a computation longer than the timeout stops with D1012', () => {
    // 2^n calls within the depth bound: only the clock stops it.
    const fan = '( $f := function($n) { $n = 0 ? 1 : $f($n - 1) + $f($n - 1) }; $f(n) )';
    expect(program(fan, 5000, 500)({ n: 4 }, {})).toBe(16);
    // 2^40 calls would not end in this test's lifetime: only the guardrail can have stopped it.
    expect(codeOf(() => program(fan, 50, 500)({ n: 40 }, {}))).toBe('D1012');
  });

  test('through the runtime, a guardrail error is a MappingError naming the file and the code', async () => {
    const expression = compileExpression(
      '( $f := function($n) { $f($n + 1) + 1 }; $f(0) )',
      'mappings/runaway.jsonata',
      { timeoutMs: 1000, stackDepth: 100 },
      {},
      'compiled'
    );
    await expect(expression.evaluate({}, {})).rejects.toMatchObject({
      name: 'MappingError',
      code: 'D1011',
      file: 'mappings/runaway.jsonata',
    });
  });
});
