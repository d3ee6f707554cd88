import { describe, expect, test } from 'vitest';
import {
  A_FUNCTION,
  compiled,
  compiledOutcome,
  differentialSuite,
  jsonataOutcome,
  render,
  type Outcome,
} from '../../support/differential.js';

/** Lambdas, closures and functions as values: the compiled program gives what jsonata gives (pinned). */

const TREE = { a: [{ b: 1 }, { b: 2 }], b: 'root' };

differentialSuite('lambdas', [
  { src: '($f := function($x){ $x * 2 }; $f(3))', gives: 6 },
  { src: '(function($x){ $x * 2 })(3)', gives: 6 },
  { src: '($f := function($a, $b){ [$a, $b] }; $f(1))', gives: [1] },
  { src: '($f := function($a){ $a }; $f(1, 2, 3))', gives: 1 },
  { src: '($f := function($x){ $x.b }; $f(a))', input: TREE, gives: [1, 2] },
  { src: '($f := function($x){ $x }; $f(a))', input: { a: [1] }, gives: [1] },
  { src: '($f := function($x){ $x }; $f(a.b))', input: { a: [{ b: 1 }] }, gives: 1 },
  { src: '($f := function(){ 1 }; $f(nope))', gives: 1 },
  { src: '($f := function($n){ $n <= 1 ? 1 : $n * $f($n - 1) }; $f(5))', gives: 120 },
  { src: '($twice := function($g, $v){ $g($g($v)) }; $twice(function($x){ $x + 1 }, 1))', gives: 3 },
  { src: '($f := function($x){ $x > 1 }; a[$f(b)].b)', input: TREE, gives: 2 },
  { src: '($f := function($x){ {"v": $x} }; a.$f(b))', input: TREE, gives: [{ v: 1 }, { v: 2 }] },
  { src: 'a.(function($x){ $x + b })(1)', input: TREE, gives: [2, 3] },
  { src: 'function($x){ $x }', gives: A_FUNCTION },
  { src: '($f := function($x){ $x }; [$f, 1])', gives: [A_FUNCTION, 1] },
  { src: '($f := function($x){ $x }; $exists($f))', gives: true },
  { src: '($f := 1; $f(1))', throws: 'T1006' },
  { src: '$nope(1)', throws: 'T1006' },
]);

differentialSuite('closures and the definition context', [
  // The body reads the context the lambda was defined in, not the one it is called from.
  { src: '($f := function(){ b }; a.$f())', input: TREE, gives: ['root', 'root'] },
  { src: '($f := function($v){ $count($) }; a.$f(1))', input: { a: [1, 2, 3] }, gives: [1, 1, 1] },
  { src: '($f := function($v){ $ }; a.$f(1))', input: { a: [1, 2] }, gives: [{ a: [1, 2] }, { a: [1, 2] }] },
  { src: 'a.($f := function(){ b }; $f())', input: TREE, gives: [1, 2] },
  // Closures see their frame, not a copy: a later `:=` in the same block is seen.
  { src: '($y := 10; $f := function($x){ $x + $y }; $y := 20; $f(1))', gives: 21 },
  // ... but not a `:=` of an inner block, nor one of the caller.
  { src: '($x := 1; $f := function(){ $x }; ($x := 2; $f()))', gives: 1 },
  { src: '($f := function(){ $x }; ($x := 2; $f()))', gives: undefined },
  { src: '($mk := function($n){ function($x){ $x + $n } }; $add2 := $mk(2); $add2(5))', gives: 7 },
  { src: '($mk := function($n){ function($x){ $x + $n } }; [$mk(1)(1), $mk(2)(1)])', gives: [2, 3] },
  // A `:=` in a body binds in that call's frame: each call starts again.
  {
    src: '($c := function(){ ($n := 0; function(){ $n := $n + 1 }) }; $i := $c(); [$i(), $i()])',
    gives: [1, 1],
  },
  { src: '($f := function($x){ ($x := $x + 1; $x) }; $x := 5; [$f(1), $x])', gives: [2, 5] },
  { src: 'a.(($g := function(){ b }); $g())', input: TREE, throws: 'T1006' },
  { src: '($f := function(){ $v }; $f())', bindings: { v: 'bound' }, gives: 'bound' },
  { src: '($f := function($v){ $v }; $f(1))', bindings: { v: 'bound' }, gives: 1 },
]);

/**
 * The service evaluates the shared functions of cards/common.jsonata once per request and binds the lambdas it
 * returns into every rule condition: a lambda made by one program is called by another, with its own input.
 */
describe('a lambda returned by one program and called by another', () => {
  const maker = '{ "doneWithin": function($days){ procedures[ageDays <= $days].concept }, "n": $count(procedures) }';
  const caller = '[[$doneWithin(30)], [$doneWithin(50)], [$doneWithin(1)], $n, procedures]';
  const model = {
    procedures: [
      { concept: 'ncs', ageDays: 10 },
      { concept: 'emg', ageDays: 40 },
    ],
  };
  const callerInput = { procedures: 'not this one' };

  async function viaJsonata(): Promise<Outcome> {
    const made = await jsonataOutcome(maker, model);
    return 'value' in made ? jsonataOutcome(caller, callerInput, made.value as Record<string, unknown>) : made;
  }

  function viaCompiled(): Outcome {
    const made = compiledOutcome(compiled(maker), model);
    return 'value' in made
      ? compiledOutcome(compiled(caller), callerInput, made.value as Record<string, unknown>)
      : made;
  }

  test('both engines give the same', async () => {
    const reference = await viaJsonata();
    expect(render(reference), 'jsonata (pinned)').toBe(
      JSON.stringify([['ncs'], ['ncs', 'emg'], [], 2, 'not this one'])
    );
    expect(render(viaCompiled())).toBe(render(reference));
  });
});

/**
 * Built-ins as values. jsonata calls a function passed as an argument with no context item (a `-` parameter left
 * out reads null), and makes a call in tail position of a lambda's body with the caller's context item, not the
 * lambda's (its tail-call trampoline).
 */
differentialSuite('built-ins as values, and the context of a call in tail position', [
  { src: '($g := $string; a.$g())', input: { a: [1, 2] }, gives: ['1', '2'] },
  { src: '($f := function($g, $v){ $g($v) }; $f($string, 1))', gives: '1' },
  { src: '($f := function($g){ $g }; $f($count)(a))', input: { a: [1, 2] }, gives: 2 },
  { src: '($f := function($g){ $g() }; $f($boolean))', input: { a: 1 }, gives: false },
  { src: '($f := function($g){ $g() }; $f($not))', input: { a: 1 }, gives: true },
  { src: '($f := function($g){ $g }; $f($string)())', input: { a: [1, 2] }, gives: 'null' },
  { src: '($f := function($g){ $g() }; $f($lowercase))', input: 'ABC', throws: 'T0411' },
  { src: '($h := function(){ $string() }; a.$h())', input: { a: [1, 2] }, gives: ['1', '2'] },
  { src: '($h := function(){ "" & $string() }; a.$h())', input: { a: [1, 2] } },
  { src: '$each(a, function($v){ $string() })', input: { a: { x: 1 } }, gives: 'null' },
]);
