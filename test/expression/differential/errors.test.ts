import { differentialSuite } from '../../support/differential.js';

/**
 * Errors: the compiled program throws the error code jsonata throws, where jsonata throws it (and not where
 * jsonata does not). Pinned to jsonata's own outcome.
 */

differentialSuite('type errors of arithmetic and comparison', [
  { src: '"a" + 1', throws: 'T2001' },
  { src: '1 + "a"', throws: 'T2002' },
  // The left side is checked first, and a missing side does not excuse the other.
  { src: '"a" + "b"', throws: 'T2001' },
  { src: '"a" + nope', throws: 'T2001' },
  { src: 'nope - "b"', throws: 'T2002' },
  { src: 'null * 1', throws: 'T2001' },
  { src: 'true - 1', throws: 'T2001' },
  { src: 'a * 2', input: { a: { b: 1 } }, throws: 'T2001' },
  { src: '1 < "2"', throws: 'T2009' },
  { src: '"1" >= 2', throws: 'T2009' },
  { src: '{"a": 1} < 1', throws: 'T2010' },
  { src: 'null < 1', throws: 'T2010' },
  { src: 'true > false', throws: 'T2010' },
  { src: 'a <= 2', input: { a: [1] }, throws: 'T2010' },
  { src: 'a.b < 2', input: { a: [{ b: 1 }, { b: 2 }] }, throws: 'T2010' },
  // An incomparable side raises T2010 even when the other is missing.
  { src: 'nope < {"a": 1}', throws: 'T2010' },
  { src: '[1] > nope', throws: 'T2010' },
  { src: 'a[b < "x"]', input: { a: [{ b: 'a' }, { b: 1 }] }, throws: 'T2009' },
  { src: 'a[b < "x"]', input: { a: [{ b: 'a' }, { c: 1 }] }, gives: { b: 'a' } },
  { src: 'a ? 1 + "x" : 2', input: { a: false }, gives: 2 },
  { src: 'a ? 1 + "x" : 2', input: { a: true }, throws: 'T2002' },
  { src: '($f := function($x){ $x + 1 }; a.$f($))', input: { a: [1, 'x'] }, throws: 'T2001' },
  { src: '[1, "a" + 1]', throws: 'T2001' },
  { src: '{"k": "a" + 1}', throws: 'T2001' },
  { src: '{"k": a + 1}', input: {}, gives: {} },
  { src: '$count(a + 1)', input: { a: 'x' }, throws: 'T2001' },
]);

differentialSuite('numbers out of range (Infinity in the data)', [
  // JSON.parse reads 1e400 as Infinity: jsonata raises D1001 where it checks for a number, and only there.
  { src: 'a', input: { a: Infinity }, gives: Infinity },
  { src: 'a + 1', input: { a: Infinity }, throws: 'D1001' },
  { src: 'a * 0', input: { a: Infinity }, throws: 'D1001' },
  { src: '1 - a', input: { a: -Infinity }, throws: 'D1001' },
  { src: 'a = a', input: { a: Infinity }, gives: true },
  { src: 'a < 1', input: { a: Infinity }, gives: false },
  { src: 'a < 1', input: { a: -Infinity }, gives: true },
  { src: 'a in [1]', input: { a: Infinity }, gives: false },
  { src: 'a ? 1 : 2', input: { a: Infinity }, throws: 'D1001' },
  { src: 'a and true', input: { a: Infinity }, throws: 'D1001' },
  { src: '$boolean(a)', input: { a: Infinity }, throws: 'D1001' },
  { src: '$not(a)', input: { a: Infinity }, throws: 'D1001' },
  { src: '$exists(a)', input: { a: Infinity }, gives: true },
  { src: 'a & ""', input: { a: Infinity }, throws: 'D3001' },
  { src: '$string(a)', input: { a: Infinity }, throws: 'D3001' },
  { src: 'a & ""', input: { a: [1, Infinity] }, throws: 'D1001' },
  { src: '$string(a)', input: { a: { x: Infinity } }, throws: 'D1001' },
  { src: 'a[1]', input: { a: [1, Infinity] }, gives: Infinity },
  { src: 'a[$ > 1]', input: { a: [1, Infinity] }, gives: Infinity },
  // A filter whose value is a number is an index: checked, so Infinity is refused.
  { src: 'a[$]', input: { a: [1, Infinity] }, throws: 'D1001' },
  { src: 'a[b]', input: { a: [{ b: Infinity }] }, throws: 'D1001' },
  { src: '$count(a)', input: { a: [1, Infinity] }, gives: 2 },
  { src: '$min(a)', input: { a: [1, Infinity] }, gives: 1 },
  { src: '$min(a)', input: { a: Infinity }, gives: Infinity },
  { src: '$round(a, 2)', input: { a: Infinity }, gives: NaN },
  { src: '[a]', input: { a: Infinity }, gives: [Infinity] },
  { src: '{"v": a}', input: { a: Infinity }, gives: { v: Infinity } },
  { src: '$distinct(a)', input: { a: [Infinity, Infinity] }, gives: [Infinity] },
  { src: 'a^($)', input: { a: [Infinity, 1] }, gives: [1, Infinity] },
  { src: '$merge(a)', input: { a: { x: Infinity } }, gives: { x: Infinity } },
  { src: '$append(a, 1)', input: { a: Infinity }, gives: [Infinity, 1] },
]);

differentialSuite('function argument errors', [
  { src: '$count("a", "b")', throws: 'T0410' },
  { src: '$exists()', throws: 'T0410' },
  { src: '$append(1)', throws: 'T0410' },
  { src: '$append()', throws: 'T0410' },
  { src: '$lookup({"a": 1})', throws: 'T0410' },
  { src: '$distinct()', throws: 'T0410' },
  { src: '$merge(1)', throws: 'T0412' },
  { src: '$round(1, "2")', throws: 'T0410' },
  { src: '$min(a)', input: { a: [1, null] }, throws: 'T0412' },
  { src: '$join(a, ",")', input: { a: ['x', ['y']] }, throws: 'T0412' },
  { src: '$lowercase(a)', input: { a: null }, throws: 'T0410' },
  { src: 'a.$lowercase()', input: { a: [1] }, throws: 'T0411' },
  { src: '$count(1 + "a", 2)', throws: 'T2002' },
]);
