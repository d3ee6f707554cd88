import type { AstNode } from './ast.js';
import { tick } from './budget.js';
import type { Evaluate, Frame } from './compile.js';
import { fail, UnsupportedExpression } from './expression-error.js';
import { compileFilter } from './filter.js';
import { createSequence, isConstructed, isSequence, sequenceOf } from './sequence.js';

/** One step of a path over the items the previous step gave; the last step is told so. */
type Step = (items: readonly unknown[], frame: Frame, last: boolean) => readonly unknown[];

/**
 * A path `a.b[...].c` (docs.jsonata.org "Path operators"): each step maps over the items of the previous one and
 * the results are flattened one level; a path that starts with a variable starts from that variable, not from each
 * item of the context; an empty step ends the path.
 */
export function compilePath(node: AstNode, compileNode: (node: AstNode) => Evaluate): Evaluate {
  const nodes = node.steps ?? [];
  const steps = nodes.map((step) => compileStep(step, compileNode));
  const fromVariable = nodes[0]?.type === 'variable';
  // A path that starts with an array constructor (`[a, b].c`) evaluates it once, over the whole input.
  const constructsFirst = nodes[0]?.consarray === true;
  const first = constructsFirst ? compileNode(nodes[0] as AstNode) : undefined;
  return (input, frame) => {
    let items: readonly unknown[] = Array.isArray(input) && !fromVariable ? input : sequenceOf(input);
    let result: readonly unknown[] = items;
    for (let index = 0; index < steps.length; index++) {
      result =
        index === 0 && constructsFirst
          ? ((first as Evaluate)(items, frame) as readonly unknown[])
          : (steps[index] as Step)(items, frame, index === steps.length - 1);
      if (result.length === 0) {
        break;
      }
      items = result;
    }
    return result;
  };
}

function compileStep(node: AstNode, compileNode: (node: AstNode) => Evaluate): Step {
  const stages = (node.stages ?? []).map((stage) => compileFilter(stage, compileNode));
  if (node.type === 'sort') {
    const sort = compileSort(node, compileNode);
    return (items, frame) => {
      let result: unknown = sort(items, frame);
      for (const stage of stages) {
        result = stage(result, frame);
      }
      return result as readonly unknown[];
    };
  }
  const evaluate = compileNode(node);
  return (items, frame, last) => {
    const results: unknown[] = [];
    for (const item of items) {
      tick();
      let result = evaluate(item, frame);
      for (const stage of stages) {
        result = stage(result, frame);
      }
      if (result !== undefined) {
        results.push(result);
      }
    }
    // The last step giving one array from the data: that array is the answer, not its items.
    const only = results[0];
    if (last && results.length === 1 && Array.isArray(only) && !isSequence(only)) {
      return only as unknown[];
    }
    const flattened = createSequence();
    for (const result of results) {
      if (Array.isArray(result) && !isConstructed(result)) {
        for (const item of result) {
          flattened.push(item);
        }
      } else {
        flattened.push(result);
      }
    }
    return flattened;
  };
}

/**
 * `^(key)` / `^(>key)`: a stable sort by the keys in order, items without a key last; keys must be all numbers or
 * all strings (T2007, T2008). One item or none is left as it is.
 */
function compileSort(
  node: AstNode,
  compileNode: (node: AstNode) => Evaluate
): (items: readonly unknown[], frame: Frame) => readonly unknown[] {
  const terms = (node.terms ?? []).map((term) => ({
    key: compileNode(term.expression),
    descending: term.descending === true,
  }));
  if (terms.length === 0) {
    throw new UnsupportedExpression('sort without terms');
  }
  return (items, frame) => {
    if (items.length <= 1) {
      return items;
    }
    const compare = (a: unknown, b: unknown): number => {
      for (const { key, descending } of terms) {
        const left = key(a, frame);
        const right = key(b, frame);
        if (left === undefined || right === undefined) {
          if (left !== right) {
            return left === undefined ? 1 : -1;
          }
          continue;
        }
        if (
          (typeof left !== 'string' && typeof left !== 'number') ||
          (typeof right !== 'string' && typeof right !== 'number')
        ) {
          return fail('T2008', 'The expressions within an order-by clause must evaluate to numeric or string values');
        }
        if (typeof left !== typeof right) {
          fail('T2007', 'Type mismatch within order-by clause. All values must be of the same type');
        }
        if (left !== right) {
          const order = left < right ? -1 : 1;
          return descending ? -order : order;
        }
      }
      return 0;
    };
    return mergeSort(items, compare);
  };
}

/**
 * A stable top-down merge sort that compares the same pairs in the same order as jsonata's: when keys of several
 * wrong kinds are mixed, the error is the one of the first pair compared, as with jsonata.
 */
function mergeSort(items: readonly unknown[], compare: (a: unknown, b: unknown) => number): unknown[] {
  if (items.length <= 1) {
    return [...items];
  }
  const middle = Math.floor(items.length / 2);
  const left = mergeSort(items.slice(0, middle), compare);
  const right = mergeSort(items.slice(middle), compare);
  const merged: unknown[] = [];
  let l = 0;
  let r = 0;
  while (l < left.length && r < right.length) {
    // Only a left item strictly after the right one moves behind it: equal keys keep their order.
    merged.push(compare(left[l], right[r]) > 0 ? right[r++] : left[l++]);
  }
  return merged.concat(left.slice(l), right.slice(r));
}
