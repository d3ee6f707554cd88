import fc from 'fast-check';
import { expect, test } from 'vitest';
import { compiled, compiledOutcome, jsonataOutcome, render } from '../../support/differential.js';

/**
 * Property: over random JSON inputs (and a random `$v`), every snippet gives with the compiled program what it gives
 * with jsonata: the same value or the same error code. Keys come from a small alphabet so that paths find
 * something; strings include the key names, so that data can be used as keys and compared with them. A failure
 * prints fast-check's seed and the shrunk input. PROPERTY_RUNS_FACTOR=10 hunts longer.
 */
const runs = (n: number): number => n * Number(process.env['PROPERTY_RUNS_FACTOR'] ?? '1');

const SNIPPETS = [
  'a',
  'a.b',
  'a.b.c',
  '*',
  'a.*',
  '$',
  '$$.a',
  'a[0]',
  'a[-1]',
  'a[b]',
  'a[b = "a"].c',
  'a[$ > 0]',
  '$[1]',
  'a.b[0]',
  'a = b',
  'a != b',
  'a < b',
  'a >= 1',
  'a in b',
  'a & b',
  'a + b',
  'a * 2',
  'a and b',
  'a or b.c',
  'a ? b : c',
  '[a, [b]]',
  '{"x": a, "y": b}',
  'a{b: c}',
  'a.{"k": b}',
  '{a: b}',
  '$count(a)',
  '$exists(a.b)',
  '$not(a)',
  '$boolean(a.b)',
  '$distinct(a)',
  '$lookup(a, "b")',
  '$join(a, ",")',
  '$string(a)',
  '$append(a, b)',
  '$merge(a)',
  '$round(a, 1)',
  '$min(a)',
  '$lowercase(a)',
  'a^(b)',
  'a^(>b, c)',
  'a.b^($)[0]',
  '($f := function($x){ $x.b }; $f(a))',
  '($f := function($x){ $x.b }; a.$f($$))',
  'a[$v in b]',
  '$v = a',
  '$anyIn(a, $v)',
  '$kind(a.b)',
  'a.$string()',
  'a[$not()]',
  '$reduce(a, function($x, $y){ [$x, $y] })',
  '$each(a, function($v, $k){ $k & $count($v) })',
  '$contains(a, "a")',
  '$.*[b]',
] as const;

const key = fc.constantFrom('a', 'b', 'c');
/** Scalars, with now and then an Infinity (JSON.parse reads 1e400 so; jsonata raises D1001 at some uses). */
const scalar = fc.oneof(
  { arbitrary: fc.constantFrom('a', 'b', 'x', ''), weight: 8 },
  { arbitrary: fc.integer({ min: -3, max: 5 }), weight: 8 },
  { arbitrary: fc.constantFrom(0.5, -1.5, 0.1, 2.675, 1e21), weight: 4 },
  { arbitrary: fc.boolean(), weight: 4 },
  { arbitrary: fc.constant(null), weight: 2 },
  { arbitrary: fc.constant(Infinity), weight: 1 }
);
const { value: json } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 3 }),
}));

const programs = SNIPPETS.map((src) => ({ src, program: compiled(src) }));

test(
  'every snippet gives the same with both engines over random inputs',
  async () => {
    await fc.assert(
      fc.asyncProperty(json, json, async (input, v) => {
        for (const { src, program } of programs) {
          const reference = render(await jsonataOutcome(src, input, { v }));
          expect(render(compiledOutcome(program, input, { v })), src).toBe(reference);
        }
      }),
      { numRuns: runs(400) }
    );
  },
  runs(20_000)
);
