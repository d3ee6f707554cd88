import type { AstNode } from './ast.js';
import { tick } from './budget.js';
import type { Evaluate, Frame } from './compile.js';
import { UnsupportedExpression } from './expression-error.js';
import { createSequence, sequenceOf } from './sequence.js';
import { isNumeric, isTrue } from './values.js';

/** A predicate `[...]` applied to a value: the items it keeps, as a sequence. */
export type Filter = (input: unknown, frame: Frame) => unknown;

/**
 * JSONata filters (docs.jsonata.org "Predicate queries"): a literal number picks an item by position (negative from
 * the end); any other predicate keeps the items for which it is true, or, when it gives numbers, those at the
 * positions it gives.
 */
export function compileFilter(stage: AstNode, compileNode: (node: AstNode) => Evaluate): Filter {
  if (stage.type !== 'filter' || stage.expr === undefined) {
    throw new UnsupportedExpression(`stage ${stage.type}`);
  }
  const predicate = stage.expr;
  if (predicate.type === 'number') {
    const position = Math.floor(Number(predicate.value));
    return (input) => {
      const items = Array.isArray(input) ? input : sequenceOf(input);
      const item: unknown = items[position < 0 ? items.length + position : position];
      // An item that is itself a list is the result as it is (jsonata).
      return item === undefined ? createSequence() : Array.isArray(item) ? (item as unknown[]) : sequenceOf(item);
    };
  }
  const test = compileNode(predicate);
  return (input, frame) => {
    const items = Array.isArray(input) ? input : sequenceOf(input);
    const kept = createSequence();
    for (let index = 0; index < items.length; index++) {
      tick();
      const item: unknown = items[index];
      const result = test(item, frame);
      const positions = isNumeric(result) ? [result] : numbersIn(result);
      if (positions === undefined) {
        if (isTrue(result)) {
          kept.push(item);
        }
        continue;
      }
      for (const position of positions) {
        const at = Math.floor(position);
        if ((at < 0 ? items.length + at : at) === index) {
          kept.push(item);
        }
      }
    }
    return kept;
  };
}

/** The value as a list of numbers, when it is one (every item read: an infinity anywhere is refused). */
function numbersIn(value: unknown): number[] | undefined {
  if (!Array.isArray(value)) {
    return undefined;
  }
  const numeric = value.map((item) => isNumeric(item));
  return numeric.includes(false) ? undefined : (value as number[]);
}
