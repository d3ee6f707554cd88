import { describe, expect, test } from 'vitest';
import {
  A_FUNCTION,
  compiled,
  compiledOutcome,
  differentialSuite,
  jsonataOutcome,
} from '../../support/differential.js';

/** Array and object constructors, grouping included: the compiled program gives what jsonata gives (pinned). */

const ITEMS = [
  { k: 'x', v: 1 },
  { k: 'y', v: 2 },
  { k: 'x', v: 3 },
];

differentialSuite('array constructors', [
  { src: '[]', gives: [] },
  { src: '[1]', gives: [1] },
  // Values are flattened into the array, nested constructors are kept.
  { src: '[a, [b]]', input: { a: [1, 2], b: [3, 4] }, gives: [1, 2, [3, 4]] },
  { src: '[a, [b]]', input: { a: 1, b: 2 }, gives: [1, [2]] },
  { src: '[1, [2, [3]]]', gives: [1, [2, [3]]] },
  { src: '[a]', input: { a: [[1], [2]] }, gives: [[1], [2]] },
  { src: '[a.b]', input: { a: [{ b: [1, 2] }, { b: 3 }] }, gives: [1, 2, 3] },
  { src: '[[a.b]]', input: { a: [{ b: 1 }, { b: 2 }] }, gives: [[1, 2]] },
  { src: '[nope]', gives: [] },
  { src: '[nope, 1, nope]', gives: [1] },
  { src: '[[nope]]', gives: [[]] },
  { src: '[a, b]', input: { a: null, b: [] }, gives: [null] },
  { src: '[$]', input: [1, 2], gives: [1, 2] },
  { src: '[$]', input: { a: 1 }, gives: [{ a: 1 }] },
  { src: '[a][0]', input: { a: [5, 6] }, gives: 5 },
  { src: '[a][-1]', input: { a: 'x' }, gives: 'x' },
  { src: '[1, 2, 3][$ > 1]', gives: [2, 3] },
  { src: '[1, 2, 3][$ > 2]', gives: 3 },
  { src: 'a.[b]', input: { a: [{ b: 1 }, { b: 2 }] }, gives: [[1], [2]] },
  { src: 'a.[b]', input: { a: [{ b: 1 }] }, gives: [1] },
  { src: 'a.[b, c]', input: { a: [{ b: 1, c: 2 }, { b: 3 }] }, gives: [[1, 2], [3]] },
  { src: '[a.b, c]', input: { a: [{ b: [1] }], c: [[2]] }, gives: [1, [2]] },
  { src: '[a, b][1]', input: { a: [1, 2], b: 3 }, gives: 2 },
  { src: '["x", function($y){ $y }, 1]', gives: ['x', A_FUNCTION, 1] },
]);

differentialSuite('object constructors', [
  { src: '{}', gives: {} },
  { src: '{"a": 1, "b": [1], "c": {"d": null}}', gives: { a: 1, b: [1], c: { d: null } } },
  // Undefined values are dropped.
  { src: '{"a": nope, "b": 1}', gives: { b: 1 } },
  { src: '{"a": a}', input: { a: [1] }, gives: { a: [1] } },
  { src: '{"a": a.b}', input: { a: [{ b: 1 }] }, gives: { a: 1 } },
  { src: '{"a": a.b}', input: { a: [{ b: 1 }, { b: 2 }] }, gives: { a: [1, 2] } },
  { src: '{"a": [a.b]}', input: { a: [{ b: 1 }] }, gives: { a: [1] } },
  { src: '{k: v}', input: { k: 'key', v: 'value' }, gives: { key: 'value' } },
  { src: '{k: v}', input: { v: 'value' }, gives: {} },
  { src: '{"b": 1, "a": 2}', gives: { b: 1, a: 2 } },
  { src: 'a.{"x": b}', input: { a: [{ b: 1 }, { b: 2 }] }, gives: [{ x: 1 }, { x: 2 }] },
  { src: 'a.{"x": b}', input: { a: [{ b: 1 }] }, gives: { x: 1 } },
  { src: 'a.{"x": b}', input: { a: [{ b: 1 }, { c: 2 }] }, gives: [{ x: 1 }, {}] },
  { src: '{"a": {"b": a}}', input: { a: 1 }, gives: { a: { b: 1 } } },
  { src: '{"n": 1}.n', gives: 1 },
  { src: '{"f": function($x){ $x + 1 }}', gives: { f: A_FUNCTION } },
  { src: '($o := {"f": function($x){ $x + 1 }}; $g := $o.f; $g(2))', gives: 3 },
  { src: '{"a": $}', input: [1, 2], gives: { a: [1, 2] } },
]);

differentialSuite('object constructors over sequences: grouping', [
  { src: 'a{k: v}', input: { a: ITEMS }, gives: { x: [1, 3], y: 2 } },
  { src: 'a{k: $count(v)}', input: { a: ITEMS }, gives: { x: 2, y: 1 } },
  { src: 'a{k: $}', input: { a: ITEMS }, gives: { x: [ITEMS[0], ITEMS[2]], y: ITEMS[1] } },
  { src: 'a{k: v[0]}', input: { a: ITEMS }, gives: { x: [1, 3], y: 2 } },
  { src: 'a{"all": v}', input: { a: ITEMS }, gives: { all: [1, 2, 3] } },
  // Keys in order of first appearance, across the pairs.
  { src: 'a{k: v, "z": 0}', input: { a: ITEMS }, gives: { x: [1, 3], z: 0, y: 2 } },
  { src: 'a[v > 1]{k: v}', input: { a: ITEMS }, gives: { y: 2, x: 3 } },
  { src: 'a^(>v){k: v}', input: { a: ITEMS }, gives: { x: [3, 1], y: 2 } },
  { src: 'a{k: v}[0]', input: { a: ITEMS }, gives: { x: 1 } },
  { src: 'a{k: v}', input: { a: [{ k: 'x', v: 1 }, { v: 2 }, { k: 'y' }] }, gives: { x: 1 } },
  { src: 'a{k: v}', input: { a: [] }, gives: {} },
  { src: 'a{k: v}', input: {}, gives: {} },
  { src: 'a{k: v}', input: { a: { k: 'x', v: [1] } }, gives: { x: [1] } },
  { src: 'a.b{k: v}', input: { a: [{ b: ITEMS[0] }, { b: [ITEMS[1], ITEMS[2]] }] }, gives: { x: [1, 3], y: 2 } },
  { src: '$x{k: v}', bindings: { x: ITEMS }, gives: { x: [1, 3], y: 2 } },
  { src: '$x{k: v}', bindings: { x: [] }, gives: {} },
  { src: '${k: v}', input: ITEMS, gives: { x: [1, 3], y: 2 } },
  { src: '$.{k: v}', input: ITEMS, gives: [{ x: 1 }, { y: 2 }, { x: 3 }] },
  { src: '$[0]{k: v}', input: ITEMS, gives: { x: 1 } },
  // The top-level array is one context: its keys are a sequence, not a string.
  { src: '{k: v}', input: ITEMS, throws: 'T1003' },
  { src: 'a{k: v, "x": 0}', input: { a: ITEMS }, throws: 'D1009' },
  { src: '{"a": 1, "a": 2}', throws: 'D1009' },
  { src: '{"a": 1, "b": 2, "a": nope}', throws: 'D1009' },
  { src: '{1: 2}', throws: 'T1003' },
  { src: '{k: 1}', input: { k: true }, throws: 'T1003' },
  { src: '{k: 1}', input: { k: null }, throws: 'T1003' },
  { src: '{k: 1}', input: { k: ['x', 'y'] }, throws: 'T1003' },
  { src: '{k: 1}', input: { k: ['x'] }, throws: 'T1003' },
  { src: '{a.k: a.v}', input: { a: ITEMS }, throws: 'T1003' },
  { src: 'a{k: 1}', input: { a: [{ k: 'x' }, { k: 2 }] }, throws: 'T1003' },
]);

/**
 * Where the compiled evaluator differs from jsonata on purpose. jsonata evaluates the items of an array constructor,
 * and the values of an object constructor, concurrently (Promise.all): a `:=` in one item is not yet done when the next
 * reads it, and of two failing items the one that fails after fewer steps is the error. A `:=` inside a constructor is
 * therefore not compiled (the knowledge then runs on jsonata). Two failing items fail both engines, each naming one.
 */
describe('evaluation order inside constructors', () => {
  test.each(['[$x := 1, $x]', '{"a": $x := 1, "b": $x}'])('a binding inside %s is left to jsonata', (src) => {
    expect(compiled(src)).toEqual({ unsupported: expect.stringContaining('a binding (:=) inside') as unknown });
  });

  test.each([
    ['[1 + "x", "y" + 1]', 'T2002'],
    ['[(1; 2; 3; 1 + "x"), "y" + 1]', 'T2001'],
    ['{"a": (1; 2; 3; 1 + "x"), "b": "y" + 1}', 'T2001'],
  ])('%s fails with either engine (jsonata: %s)', async (src, code) => {
    expect(await jsonataOutcome(src, undefined)).toEqual({ error: code });
    expect(compiledOutcome(compiled(src), undefined)).toEqual({
      error: expect.stringMatching(/^T200[12]$/) as unknown,
    });
  });
});

/**
 * jsonata pushes an undefined item into the (bound) empty array it groups, changing the binding; the compiled
 * evaluator never writes to its input (the service freezes what the expressions read, so jsonata's write would fail).
 */
describe('grouping over an empty array', () => {
  test('gives the same object, without changing the bound array', async () => {
    const grouped = '($g := $x{"k": 1}; $g)';
    expect(compiledOutcome(compiled(grouped), undefined, { x: [] })).toEqual(
      await jsonataOutcome(grouped, undefined, { x: [] })
    );
    const count = '($g := $x{"k": 1}; $count($x))';
    expect(await jsonataOutcome(count, undefined, { x: [] })).toEqual({ value: 1 });
    expect(compiledOutcome(compiled(count), undefined, { x: [] })).toEqual({ value: 0 });
  });
});
