import type { AstNode } from './ast.js';
import type { Evaluate } from './compile.js';
import { fail, UnsupportedExpression } from './expression-error.js';
import { boundNames } from './scope.js';
import { markConstructed } from './sequence.js';
import { append } from './values.js';

/** JSONata's array and object constructors (docs.jsonata.org "Constructing output"). */

/** `[a, b]`: the items' values, lists among them spliced in, except nested constructors (`[[1], 2]`). */
export function compileArray(
  expressions: readonly AstNode[],
  compileNode: (node: AstNode) => Evaluate,
  step: boolean
): Evaluate {
  refuseBindings(expressions, 'an array constructor');
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
    // As a path step (`a.[b]`), the array stays one item of the path's results (path.ts).
    return step ? markConstructed(result) : result;
  };
}

/**
 * `{ key: value }`: over a list, items giving the same key are grouped and the value is evaluated over the group
 * (jsonata's group-by); a key given by two different pairs is an error (D1009), a key must be a string (T1003).
 */
export function compileObject(
  pairs: readonly (readonly [AstNode, AstNode])[],
  compileNode: (node: AstNode) => Evaluate
): Evaluate {
  refuseBindings(pairs.flat(), 'an object constructor');
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

/**
 * jsonata evaluates a constructor's items concurrently, so a `:=` in one item may or may not be done when another
 * reads the name; such an expression is left to jsonata rather than given a different order.
 */
function refuseBindings(nodes: readonly AstNode[], where: string): void {
  if (boundNames(nodes).length > 0) {
    throw new UnsupportedExpression(`a binding (:=) inside ${where}`);
  }
}
