import { unsupportedFields, type AstNode } from './ast.js';
import { enter, leave, runWithin } from './budget.js';
import { builtins, jsonataBuiltinNames } from './builtins.js';
import { asArgument, callable, callFunction } from './callable.js';
import { compileArray, compileObject } from './constructors.js';
import { fail, UnsupportedExpression } from './expression-error.js';
import { compileFilter, type Filter } from './filter.js';
import { binaryOperators } from './operators.js';
import { compilePath } from './path.js';
import { boundNames, Frame, readVariable, Scope, slotOf } from './scope.js';
import { contextItem, isSequence, sequenceOf, settle, type Sequence } from './sequence.js';
import { fieldValues, isNumeric, isTrue, lookup } from './values.js';

export { UnsupportedExpression };

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

/** A compiled expression: its value over a context item, with the variables of its scope in `frame`. */
export type Evaluate = (input: unknown, frame: Frame) => unknown;
export type { Frame };

export function compileAst(ast: unknown, options: CompileOptions): Program {
  // `$$` is the input, bound like a top-level `:=` (slot 0).
  const root = new Scope(undefined, ['$', ...boundNames([ast as AstNode])]);
  const evaluate = compileNode(ast as AstNode, root);
  // Built-ins first, then the native functions (which shadow them); per evaluation, the bindings over both.
  const functions = Object.assign(Object.create(null) as Record<string, unknown>, builtins, options.functions);
  return (input, bindings) =>
    runWithin(options.timeoutMs, options.stackDepth, () => {
      const frame = new Frame(undefined, root.slots.size, { bindings, functions });
      frame.values[0] = input;
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
export function compileNode(node: AstNode, scope: Scope): Evaluate {
  for (const field of unsupportedFields) {
    if (field in node) {
      throw new UnsupportedExpression(`${node.type} with ${field}`);
    }
  }
  const core = compileCore(node, scope);
  const filters: Filter[] = (node.predicate ?? []).map((stage) => compileFilter(stage, inScope(scope)));
  if (node.group !== undefined) {
    // `a{k: v}`: the object constructor over what the path (after its filters) gives.
    const group = compileObject(node.group.lhs, inScope(scope));
    return (input, frame) => {
      let result = core(input, frame);
      for (const filter of filters) {
        result = filter(result, frame);
      }
      return group(result, frame);
    };
  }
  if (filters.length === 0) {
    // Operators, literals and constructors never give a sequence, and what a branch, a block or a binding gives is
    // settled already: only these can give one (one call less per node).
    return yieldsSequences.has(node.type) ? (input, frame) => settle(core(input, frame)) : core;
  }
  return (input, frame) => {
    let result = core(input, frame);
    for (const filter of filters) {
      result = filter(result, frame);
    }
    return settle(result);
  };
}

const yieldsSequences = new Set(['path', 'name', 'wildcard', 'variable', 'function']);

/** compileNode for the parts of a path or filter, in the scope they appear in. */
function inScope(scope: Scope): (node: AstNode) => Evaluate {
  return (node) => compileNode(node, scope);
}

function compileCore(node: AstNode, scope: Scope): Evaluate {
  switch (node.type) {
    case 'path':
      return compilePath(node, inScope(scope));
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
      return compileVariable(String(node.value), scope);
    case 'binary':
      return compileBinary(node, scope);
    case 'unary':
      return compileUnary(node, scope);
    case 'condition':
      return compileCondition(node, scope);
    case 'block':
      return compileBlock(node, scope);
    case 'bind':
      return compileBind(node, scope);
    case 'function':
      return compileCall(node, scope, false);
    case 'lambda':
      return compileLambda(node, scope);
    default:
      throw new UnsupportedExpression(node.type);
  }
}

function compileVariable(name: string, scope: Scope): Evaluate {
  if (name === '') {
    return (input) => contextItem(input);
  }
  if (jsonataBuiltinNames.has(name) && !(name in builtins)) {
    throw new UnsupportedExpression(`$${name}`);
  }
  const read = readVariable(name, scope);
  return (_input, frame) => read(frame);
}

function compileBinary(node: AstNode, scope: Scope): Evaluate {
  const op = String(node.value);
  const left = compileNode(node.lhs as AstNode, scope);
  const right = compileNode(node.rhs as AstNode, scope);
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

function compileUnary(node: AstNode, scope: Scope): Evaluate {
  switch (node.value) {
    case '-': {
      const operand = compileNode(node.expression as AstNode, scope);
      return (input, frame) => {
        const value = operand(input, frame);
        if (value === undefined) {
          return undefined;
        }
        return isNumeric(value) ? -value : fail('D1002', 'Cannot negate a non-numeric value');
      };
    }
    case '[':
      return compileArray(node.expressions ?? [], inScope(scope), node.consarray === true);
    case '{':
      return compileObject((node.lhs ?? []) as readonly (readonly [AstNode, AstNode])[], inScope(scope));
    default:
      throw new UnsupportedExpression(`unary ${String(node.value)}`);
  }
}

function compileCondition(node: AstNode, scope: Scope): Evaluate {
  const condition = compileNode(node.condition as AstNode, scope);
  const then = compileNode(node.then as AstNode, scope);
  const otherwise = node.else === undefined ? undefined : compileNode(node.else, scope);
  return (input, frame) =>
    isTrue(condition(input, frame))
      ? then(input, frame)
      : otherwise === undefined
        ? undefined
        : otherwise(input, frame);
}

/** `( a; b )`: the last value; a block that binds names has its own frame for them. */
function compileBlock(node: AstNode, scope: Scope): Evaluate {
  const body = node.expressions ?? [];
  const names = boundNames(body);
  const inner = names.length === 0 ? scope : new Scope(scope, names);
  const expressions = body.map((expression) => compileNode(expression, inner));
  const size = inner.slots.size;
  return (input, frame) => {
    const local = inner === scope ? frame : new Frame(frame, size, frame.globals);
    let result: unknown;
    for (const expression of expressions) {
      result = expression(input, local);
    }
    return result;
  };
}

function compileBind(node: AstNode, scope: Scope): Evaluate {
  const slot = slotOf(String((node.lhs as AstNode).value), scope);
  const value = compileNode(node.rhs as AstNode, scope);
  return (input, frame) => (frame.values[slot] = value(input, frame));
}

/**
 * `$f(a, b)`: the function, then the arguments in order (a function among them passed as jsonata passes it, see
 * asArgument). The context item the callee gets is this one, except for a call in tail position of a lambda's body,
 * which gets the context the lambda itself was called with (jsonata's tail-call trampoline).
 */
function compileCall(node: AstNode, scope: Scope, tail: boolean): Evaluate {
  const procedure = compileNode(node.procedure as AstNode, scope);
  const args = (node.arguments ?? []).map((arg) => compileNode(arg, scope));
  return (input, frame) => {
    const callee = procedure(input, frame);
    const values = args.map((arg) => asArgument(arg(input, frame)));
    return callFunction(callee, values, tail ? frame.callContext : input);
  };
}

/**
 * `function($a) { body }`: a JS function closing over the frame and the context item where it was defined. A body
 * that ends in a call is marked by jsonata for tail-call elimination (`thunk`); here that call is simply made, with
 * the context item the lambda was called with.
 */
function compileLambda(node: AstNode, scope: Scope): Evaluate {
  const body = node.body as AstNode;
  if (node.thunk === true) {
    if (unsupportedFields.some((field) => field in body) || body.group !== undefined) {
      return compileNode(body, scope);
    }
    const call = compileCall(body, scope, true);
    return (input, frame) => settle(call(input, frame));
  }
  if (node.signature !== undefined) {
    throw new UnsupportedExpression('function signature');
  }
  const parameters = (node.arguments ?? []).map((argument) => String(argument.value));
  // Parameters take the first slots (a repeated parameter name keeps its first slot, and its last argument).
  const inner = new Scope(scope, [...parameters, ...boundNames([body])]);
  const slots = parameters.map((name) => slotOf(name, inner));
  const evaluate = compileNode(body, inner);
  const size = inner.slots.size;
  return (input, frame) =>
    callable((args, context) => {
      enter();
      try {
        const local = new Frame(frame, size, frame.globals, context);
        slots.forEach((slot, index) => (local.values[slot] = args[index]));
        return evaluate(input, local);
      } finally {
        leave();
      }
    }, parameters.length);
}
