import { fail } from './expression-error.js';
import { deepEqual, isNumeric, toText } from './values.js';

/**
 * JSONata's binary operators (docs.jsonata.org "Numeric operators", "Comparison operators", "Boolean operators",
 * "Other operators"): nothing on either side gives nothing (or false for `=`, `!=` and `in`), wrong types are errors.
 */
export type BinaryOperator = (left: unknown, right: unknown) => unknown;

function arithmetic(compute: (left: number, right: number) => number): BinaryOperator {
  return (left, right) => {
    if (left !== undefined && !isNumeric(left)) {
      fail('T2001', 'The left side of an arithmetic expression must evaluate to a number');
    }
    if (right !== undefined && !isNumeric(right)) {
      fail('T2002', 'The right side of an arithmetic expression must evaluate to a number');
    }
    return left === undefined || right === undefined ? undefined : compute(left, right);
  };
}

function comparison(compare: (left: number | string, right: number | string) => boolean): BinaryOperator {
  return (left, right) => {
    const leftType = typeof left;
    const rightType = typeof right;
    const comparable = (type: string): boolean => type === 'undefined' || type === 'string' || type === 'number';
    if (!comparable(leftType) || !comparable(rightType)) {
      fail('T2010', 'The expressions on either side of a comparison must be numbers or strings');
    }
    if (left === undefined || right === undefined) {
      return undefined;
    }
    if (leftType !== rightType) {
      fail('T2009', 'The values on either side of a comparison must be of the same type');
    }
    return compare(left as number | string, right as number | string);
  };
}

export const binaryOperators: Readonly<Record<string, BinaryOperator>> = {
  '+': arithmetic((l, r) => l + r),
  '-': arithmetic((l, r) => l - r),
  '*': arithmetic((l, r) => l * r),
  '/': arithmetic((l, r) => l / r),
  '%': arithmetic((l, r) => l % r),
  '=': (l, r) => l !== undefined && r !== undefined && deepEqual(l, r),
  '!=': (l, r) => l !== undefined && r !== undefined && !deepEqual(l, r),
  '<': comparison((l, r) => l < r),
  '<=': comparison((l, r) => l <= r),
  '>': comparison((l, r) => l > r),
  '>=': comparison((l, r) => l >= r),
  '&': (l, r) => (toText(l) ?? '') + (toText(r) ?? ''),
  // Membership is identity, not deep equality (jsonata's `in`).
  in: (l, r) => l !== undefined && r !== undefined && (Array.isArray(r) ? r.some((item) => item === l) : r === l),
};
