import { unsupportedFields, type AstNode } from './ast.js';
import { enter, leave, runWithin } from './budget.js';
import { ARITY, builtins, callFunction, jsonataBuiltinNames } from './builtins.js';
import { fail, UnsupportedExpression } from './expression-error.js';

export { UnsupportedExpression };
import { compileFilter, type Filter } from './filter.js';
import { binaryOperators } from './operators.js';
import { compilePath } from './path.js';
import { contextItem, isSequence, sequenceOf, settle, type Sequence } from './sequence.js';
import { append, fieldValues, isNumeric, isTrue, lookup } from './values.js';

/**
 * Compiles a JSONata parse tree (jsonata's `ast()`) into synchronous JS closures that give what jsonata's
 * evaluator gives, for the subset of the language the knowledge uses. jsonata 2 evaluates by walking the tree with an
 * `await` at every node, which was most of a request's time; the clinical logic stays in the JSONata files, only its
 * execution changes. test/expression/ compares the two engines on the knowledge and on generated inputs.
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

/** Evaluates the compiled expression; throws ExpressionError with JSONata's error codes. */
export type Program = (input: unknown, bindings: Readonly<Record<string, unknown>>) => unknown;

/** Variables in scope: each block and function call chains a new frame onto its parent's. */
export type Frame = Record<string, unknown>;
export type Evaluate = (input: unknown, frame: Frame) => unknown;

export function compileAst(ast: unknown, options: CompileOptions): Program {
  const evaluate = compileNode(ast as AstNode);
  // Built-ins first, then the native functions (which shadow them), then per evaluation the bindings.
  const root = Object.assign(Object.create(null) as Frame, builtins, options.functions);
  return (input, bindings) =>
    runWithin(options.timeoutMs, options.stackDepth, () => {
      const frame = Object.create(root) as Frame;
      for (const key of Object.keys(bindings)) {
        frame[key] = bindings[key];
      }
      frame['$'] = input;
      let context = input;
      if (Array.isArray(input) && !isSequence(input)) {
        // A top-level array is one value, not a sequence to map over.
        const wrapped: Sequence = sequenceOf(input);
        wrapped.outerWrapper = true;
        context = wrapped;
      }
      return evaluate(context, frame);
    });
}

/** Any expression: its own evaluation, then its filters, then a sequence of one is its item. */
export function compileNode(node: AstNode): Evaluate {
  for (const field of unsupportedFields) {
    if (field in node) {
      throw new UnsupportedExpression(`${node.type} with ${field}`);
    }
  }
  const core = compileCore(node);
  const filters: Filter[] = (node.predicate ?? []).map((stage) => compileFilter(stage, compileNode));
  if (filters.length === 0) {
    return (input, frame) => settle(core(input, frame));
  }
  return (input, frame) => {
    let result = core(input, frame);
    for (const filter of filters) {
      result = filter(result, frame);
    }
    return settle(result);
  };
}

function compileCore(node: AstNode): Evaluate {
  switch (node.type) {
    case 'path':
      return compilePath(node, compileNode);
    case 'name': {
      const name = String(node.value);
      return (input) => lookup(input, name);
    }
    case 'string':
    case 'number':
    case 'value': {
      const value = node.value;
      return () => value;
    }
    case 'wildcard':
      return (input) => fieldValues(input);
    case 'variable':
      return compileVariable(String(node.value));
    case 'binary':
      return compileBinary(node);
    case 'unary':
      return compileUnary(node);
    case 'condition':
      return compileCondition(node);
    case 'block':
      return compileBlock(node);
    case 'bind':
      return compileBind(node);
    case 'function':
      return compileCall(node);
    case 'lambda':
      return compileLambda(node);
    default:
      throw new UnsupportedExpression(node.type);
  }
}

function compileVariable(name: string): Evaluate {
  if (name === '') {
    return (input) => contextItem(input);
  }
  if (jsonataBuiltinNames.has(name) && !(name in builtins)) {
    throw new UnsupportedExpression(`$${name}`);
  }
  return (_input, frame) => frame[name];
}

function compileBinary(node: AstNode): Evaluate {
  const op = String(node.value);
  const left = compileNode(node.lhs as AstNode);
  const right = compileNode(node.rhs as AstNode);
  if (op === 'and') {
    return (input, frame) => isTrue(left(input, frame)) && isTrue(right(input, frame));
  }
  if (op === 'or') {
    return (input, frame) => isTrue(left(input, frame)) || isTrue(right(input, frame));
  }
  const operator = binaryOperators[op];
  if (operator === undefined) {
    throw new UnsupportedExpression(`operator ${op}`);
  }
  return (input, frame) => operator(left(input, frame), right(input, frame));
}

function compileUnary(node: AstNode): Evaluate {
  switch (node.value) {
    case '-': {
      const operand = compileNode(node.expression as AstNode);
      return (input, frame) => {
        const value = operand(input, frame);
        if (value === undefined) {
          return undefined;
        }
        return isNumeric(value) ? -value : fail('D1002', 'Cannot negate a non-numeric value');
      };
    }
    case '[':
      return compileArray(node.expressions ?? []);
    case '{':
      return compileObject((node.lhs ?? []) as readonly (readonly [AstNode, AstNode])[]);
    default:
      throw new UnsupportedExpression(`unary ${String(node.value)}`);
  }
}

/** `[a, b]`: the items' values, lists among them spliced in, except nested constructors (`[[1], 2]`). */
function compileArray(expressions: readonly AstNode[]): Evaluate {
  const items = expressions.map((expression) => ({
    evaluate: compileNode(expression),
    nested: expression.value === '[',
  }));
  return (input, frame) => {
    const result: unknown[] = [];
    for (const item of items) {
      const value = item.evaluate(input, frame);
      if (value === undefined) {
        continue;
      }
      if (!item.nested && Array.isArray(value)) {
        for (const element of value) {
          result.push(element);
        }
      } else {
        result.push(value);
      }
    }
    return result;
  };
}

/**
 * `{ key: value }`: over a list, items giving the same key are grouped and the value is evaluated over the group
 * (jsonata's group-by); a key given by two different pairs is an error (D1009), a key must be a string (T1003).
 */
function compileObject(pairs: readonly (readonly [AstNode, AstNode])[]): Evaluate {
  const compiled = pairs.map(([key, value]) => ({ key: compileNode(key), value: compileNode(value) }));
  return (input, frame) => {
    const items = Array.isArray(input) ? (input.length === 0 ? [undefined] : input) : [input];
    const groups = Object.create(null) as Record<string, { data: unknown; pair: number }>;
    for (const item of items) {
      compiled.forEach(({ key: keyOf }, pair) => {
        const key = keyOf(item, frame);
        if (key === undefined) {
          return;
        }
        if (typeof key !== 'string') {
          fail('T1003', 'Key in object structure must evaluate to a string');
        }
        const group = groups[key];
        if (group === undefined) {
          groups[key] = { data: item, pair };
        } else if (group.pair !== pair) {
          fail('D1009', `Multiple key definitions evaluate to same key: ${key}`);
        } else {
          group.data = append(group.data, item);
        }
      });
    }
    const result = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(groups)) {
      const { data, pair } = groups[key] as { data: unknown; pair: number };
      const value = (compiled[pair] as (typeof compiled)[number]).value(data, frame);
      if (value !== undefined) {
        result[key] = value;
      }
    }
    return result;
  };
}

function compileCondition(node: AstNode): Evaluate {
  const condition = compileNode(node.condition as AstNode);
  const then = compileNode(node.then as AstNode);
  const otherwise = node.else === undefined ? undefined : compileNode(node.else);
  return (input, frame) =>
    isTrue(condition(input, frame))
      ? then(input, frame)
      : otherwise === undefined
        ? undefined
        : otherwise(input, frame);
}

function compileBlock(node: AstNode): Evaluate {
  const expressions = (node.expressions ?? []).map(compileNode);
  return (input, frame) => {
    const scope = Object.create(frame) as Frame;
    let result: unknown;
    for (const expression of expressions) {
      result = expression(input, scope);
    }
    return result;
  };
}

function compileBind(node: AstNode): Evaluate {
  const name = String((node.lhs as AstNode).value);
  const value = compileNode(node.rhs as AstNode);
  return (input, frame) => (frame[name] = value(input, frame));
}

function compileCall(node: AstNode): Evaluate {
  const procedure = compileNode(node.procedure as AstNode);
  const args = (node.arguments ?? []).map(compileNode);
  return (input, frame) => {
    const callee = procedure(input, frame);
    return callFunction(
      callee,
      args.map((arg) => arg(input, frame)),
      input
    );
  };
}

/**
 * `function($a) { body }`: a JS function closing over the frame and the context item where it was defined. A body
 * that ends in a call is marked by jsonata for tail-call elimination (`thunk`); here that call is simply made.
 */
function compileLambda(node: AstNode): Evaluate {
  if (node.thunk === true) {
    return compileNode(node.body as AstNode);
  }
  if (node.signature !== undefined) {
    throw new UnsupportedExpression('function signature');
  }
  const names = (node.arguments ?? []).map((argument) => String(argument.value));
  const body = compileNode(node.body as AstNode);
  return (input, frame) => {
    const lambda = (...args: unknown[]): unknown => {
      enter();
      try {
        const scope = Object.create(frame) as Frame;
        names.forEach((name, index) => (scope[name] = args[index]));
        return body(input, scope);
      } finally {
        leave();
      }
    };
    return Object.assign(lambda, { [ARITY]: names.length });
  };
}
