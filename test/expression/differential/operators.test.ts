import { differentialSuite } from '../../support/differential.js';

/** Operators, conditions and blocks: the compiled program gives what jsonata gives (pinned). */

differentialSuite('= and != (deep equality, never across a missing value)', [
  { src: '1 = 1', gives: true },
  { src: '1 = "1"', gives: false },
  { src: 'null = null', gives: true },
  { src: 'a = b', input: { a: { x: 1, y: [1, { z: 2 }] }, b: { y: [1, { z: 2 }], x: 1 } }, gives: true },
  { src: 'a = b', input: { a: { x: 1 }, b: { x: 1, y: null } }, gives: false },
  { src: 'a = b', input: { a: [1, 2], b: [1, 2] }, gives: true },
  { src: 'a = b', input: { a: [1, 2], b: [2, 1] }, gives: false },
  { src: 'a = [1, 2]', input: { a: [1, 2] }, gives: true },
  { src: 'a = 1', input: { a: [1] }, gives: false },
  { src: 'a.b = 1', input: { a: [{ b: 1 }] }, gives: true },
  // No existential comparison: a sequence of two is not equal to one of its items.
  { src: 'a.b = 1', input: { a: [{ b: 1 }, { b: 2 }] }, gives: false },
  { src: 'a.b = [1, 2]', input: { a: [{ b: 1 }, { b: 2 }] }, gives: true },
  { src: 'nope = 1', gives: false },
  { src: 'nope != 1', gives: false },
  { src: 'nope = nope', gives: false },
  { src: 'a != b', input: { a: 'x', b: 'y' }, gives: true },
  { src: 'a != b', input: { a: { x: [1] }, b: { x: [1] } }, gives: false },
  { src: '{"a": 1} = {"a": 1}', gives: true },
  { src: '($f := function($x){ $x }; $f = $f)', gives: true },
  { src: 'true = 1', gives: false },
]);

differentialSuite('in (strict equality)', [
  { src: '1 in [1, 2]', gives: true },
  { src: '"1" in [1, 2]', gives: false },
  { src: 'a in b', input: { a: 'x', b: 'x' }, gives: true },
  { src: 'a in b', input: { a: { x: 1 }, b: [{ x: 1 }] }, gives: false },
  { src: 'a in b', input: { a: [1], b: [[1], 1] }, gives: false },
  { src: 'a in b', input: { a: null, b: [null] }, gives: true },
  { src: 'nope in [1]', gives: false },
  { src: '1 in nope', gives: false },
  { src: 'a.b in [2, 3]', input: { a: [{ b: 2 }] }, gives: true },
  { src: 'a.b in [2, 3]', input: { a: [{ b: 2 }, { b: 3 }] }, gives: false },
  { src: 'a[$ in ["x", "z"]]', input: { a: ['x', 'y', 'z'] }, gives: ['x', 'z'] },
]);

differentialSuite('< <= > >=', [
  { src: '1 < 2', gives: true },
  { src: '2 <= 2', gives: true },
  { src: '"b" > "a"', gives: true },
  { src: '"10" < "9"', gives: true },
  { src: 'a >= 1.5', input: { a: 1.5 }, gives: true },
  // A missing side gives undefined, not false.
  { src: 'nope < 1', gives: undefined },
  { src: '1 > nope', gives: undefined },
  { src: 'a.b < 2', input: { a: [{ b: 1 }] }, gives: true },
  { src: '[(a < 1), (a > 1)]', input: {}, gives: [] },
  { src: '$not(a < 1)', input: {}, gives: undefined },
  { src: 'a < 1 ? "yes" : "no"', input: {}, gives: 'no' },
  { src: 'a[b > 1]', input: { a: [{ b: 2 }, { c: 1 }, { b: 0 }] }, gives: { b: 2 } },
]);

differentialSuite('and, or, conditions', [
  { src: 'true and false', gives: false },
  { src: 'a and b', input: { a: 1, b: 'x' }, gives: true },
  { src: 'a and b', input: { a: 1 }, gives: false },
  { src: 'nope or nope', gives: false },
  { src: 'a or b', input: { a: [0, 0], b: [0, 1] }, gives: true },
  { src: 'a or b', input: { a: {}, b: '' }, gives: false },
  // Short-circuit: the right side is never evaluated, so its type error never raised.
  { src: 'false and (1 + "a")', gives: false },
  { src: 'true or ("a" < 1)', gives: true },
  { src: 'a ? 1 : 2', input: { a: [0] }, gives: 2 },
  { src: 'a ? 1 : 2', input: { a: [0, 1] }, gives: 1 },
  { src: 'a ? 1 : 2', input: { a: '0' }, gives: 1 },
  { src: 'a ? 1 : 2', input: { a: {} }, gives: 2 },
  { src: 'a ? 1 : 2', input: { a: null }, gives: 2 },
  { src: 'a ? 1', input: { a: false }, gives: undefined },
  { src: 'a ? 1 : b ? 2 : 3', input: { b: true }, gives: 2 },
  { src: 'a ? b', input: { a: true, b: [1] }, gives: [1] },
  {
    src: 'a.(b ? c : d)',
    input: {
      a: [
        { b: true, c: 1, d: 2 },
        { c: 3, d: 4 },
      ],
    },
    gives: [1, 4],
  },
]);

differentialSuite('+ - *', [
  { src: '1 + 2 * 3', gives: 7 },
  { src: '0.1 + 0.2', gives: 0.30000000000000004 },
  { src: 'a - b', input: { a: 5, b: 7.5 }, gives: -2.5 },
  { src: 'a * 2', input: {}, gives: undefined },
  // A one-element array of the data is not a number; a one-element sequence is.
  { src: 'a + 1', input: { a: [1] }, throws: 'T2001' },
  { src: 'a.b + 1', input: { a: [{ b: 1 }] }, gives: 2 },
  { src: 'a.b * 2', input: { a: [{ b: 1 }, { b: 2 }] }, throws: 'T2001' },
  { src: 'a + 1', input: { a: [1, 2] }, throws: 'T2001' },
  { src: '1 + a', input: { a: [] }, throws: 'T2002' },
]);

differentialSuite('& (string concatenation)', [
  { src: '"a" & "b"', gives: 'ab' },
  { src: '"n=" & 1', gives: 'n=1' },
  // Numbers print with 15 significant digits when not integers.
  { src: '"" & (0.1 + 0.2)', gives: '0.3' },
  { src: '"" & 123456789012345678', gives: '123456789012345680' },
  { src: '"" & 1e21', gives: '1e+21' },
  { src: '"" & 1.23456789012345678e-7', gives: '1.23456789012346e-7' },
  { src: '"" & 2.5', gives: '2.5' },
  { src: 'a & ""', input: { a: -0.000001 }, gives: '-0.000001' },
  { src: 'a & ""', input: { a: { b: [1, 0.1], c: 'x' } }, gives: '{"b":[1,0.1],"c":"x"}' },
  { src: 'a & ""', input: { a: [1, 'x', null] }, gives: '[1,"x",null]' },
  { src: '{"a": 0.1 + 0.2} & ""', gives: '{"a":0.3}' },
  { src: 'true & "/" & false', gives: 'true/false' },
  { src: 'null & "x"', gives: 'nullx' },
  { src: 'nope & "x"', gives: 'x' },
  { src: 'nope & nope', gives: '' },
  { src: 'a.b & "!"', input: { a: [{ b: 1 }, { b: 2 }] }, gives: '[1,2]!' },
  { src: 'a.b & "!"', input: { a: [{ b: 1 }] }, gives: '1!' },
  { src: 'a & "!"', input: [1, 2], gives: '!' },
  { src: '$ & "!"', input: [1, 2], gives: '[1,2]!' },
  { src: 'function($x){ $x } & "x"', gives: 'x' },
  { src: '{"f": function($x){ $x }, "n": 1} & ""', gives: '{"f":"","n":1}' },
]);

differentialSuite('blocks and :=', [
  { src: '(1; 2)', gives: 2 },
  { src: '()', gives: undefined },
  { src: '$x := 5', gives: 5 },
  { src: '($x := 1; $x + 1)', gives: 2 },
  { src: '($x := 1; ($x := 2); $x)', gives: 1 },
  { src: '($x := 1; ($x := 2; $x) + $x)', gives: 3 },
  { src: '($x := 1; $x := $x + 1; $x)', gives: 2 },
  { src: '($a := 1; $b := $a + 1; [$a, $b])', gives: [1, 2] },
  { src: '($x := a; $x.b)', input: { a: [{ b: 1 }, { b: 2 }] }, gives: [1, 2] },
  { src: '($x := a; $x)', input: { a: [1] }, gives: [1] },
  { src: '($x := a.b; $x)', input: { a: [{ b: 1 }] }, gives: 1 },
  { src: '($x := 2; $x)', bindings: { x: 1 }, gives: 2 },
  { src: '[($x := 2), $x]', bindings: { x: 1 }, gives: [2, 1] },
  { src: '($x := nope; $x)', bindings: { x: 1 }, gives: undefined },
  { src: 'a.($x := b; $x * 2)', input: { a: [{ b: 1 }, { b: 2 }] }, gives: [2, 4] },
  { src: '$x := $y := 3', gives: 3 },
  { src: '($x := $y := 3; [$x, $y])', gives: [3, 3] },
]);
