import { differentialSuite } from '../../support/differential.js';

/**
 * Paths, filters, `$`/`$$`, wildcard and sort: the compiled program gives what jsonata gives. Each case pins jsonata's
 * own result, which is the semantics the case is there for.
 */

differentialSuite('names and singleton sequences', [
  { src: 'a', input: { a: 1 }, gives: 1 },
  // A one-element array in the data stays an array; a one-element sequence made by a path is unwrapped.
  { src: 'a', input: { a: [1] }, gives: [1] },
  { src: 'a.b', input: { a: [{ b: 1 }] }, gives: 1 },
  { src: 'a.b', input: { a: [{ b: 1 }, { b: 2 }] }, gives: [1, 2] },
  { src: 'a.b', input: { a: { b: [1] } }, gives: [1] },
  { src: 'a.b', input: { a: [{ b: [1] }] }, gives: [1] },
  { src: 'a.b', input: { a: [{ b: [1] }, { c: 1 }] }, gives: [1] },
  { src: 'a', input: { a: [] }, gives: [] },
  { src: 'a.b', input: { a: [] }, gives: undefined },
  { src: 'a', input: { a: null }, gives: null },
  { src: 'a.b', input: { a: null }, gives: undefined },
  { src: 'a.b', input: { a: 'text' }, gives: undefined },
  { src: 'nope', input: { a: 1 }, gives: undefined },
  { src: 'a.nope.b', input: { a: { b: 1 } }, gives: undefined },
  { src: 'a', input: 'text', gives: undefined },
  { src: 'a', input: undefined, gives: undefined },
  { src: 'a.b', input: { a: { b: { c: [1, 2] } } }, gives: { c: [1, 2] } },
]);

differentialSuite('flattening in paths', [
  { src: 'a.b', input: { a: [{ b: [1] }, { b: [2, 3] }] }, gives: [1, 2, 3] },
  { src: 'a.b.c', input: { a: [{ b: [{ c: [1, 2] }] }, { b: { c: 3 } }] }, gives: [1, 2, 3] },
  { src: 'a.b', input: { a: [[{ b: 1 }], [{ b: 2 }]] }, gives: [1, 2] },
  { src: 'a', input: { a: [[1, 2], [3]] }, gives: [[1, 2], [3]] },
  { src: 'a.b', input: { a: [{ b: [[1, 2], [3]] }] }, gives: [[1, 2], [3]] },
  { src: 'a.b', input: { a: [{ b: [[1, 2]] }, { b: [[3]] }] }, gives: [[1, 2], [3]] },
  { src: 'a.b', input: { a: [{ b: [] }, { b: 1 }] }, gives: 1 },
  { src: 'a.b', input: { a: [{ b: null }, { b: 1 }] }, gives: [null, 1] },
]);

differentialSuite('filters: booleans and truthiness', [
  { src: 'a[b]', input: { a: [{ b: true }, { b: false }, { c: 1 }] }, gives: { b: true } },
  { src: 'a[$ > 1]', input: { a: [1, 2, 3] }, gives: [2, 3] },
  { src: 'a[$ > 5]', input: { a: [1, 2, 3] }, gives: undefined },
  {
    src: 'a[b = "x"].c',
    input: {
      a: [
        { b: 'x', c: 1 },
        { b: 'y', c: 2 },
        { b: 'x', c: 3 },
      ],
    },
    gives: [1, 3],
  },
  { src: 'a["text"]', input: { a: [1, 2] }, gives: [1, 2] },
  { src: 'a[""]', input: { a: [1, 2] }, gives: undefined },
  { src: 'a[b]', input: { a: [{ b: [0, 0] }, { b: [0, 1] }, { b: [] }, { b: {} }, { b: { c: 0 } }] } },
  { src: 'a[b]', input: { a: [{ b: 'x' }, { b: '' }, { b: null }] }, gives: { b: 'x' } },
  // A filter on a single value treats it as a sequence of one.
  { src: 'a[$ = 5]', input: { a: 5 }, gives: 5 },
  { src: 'a[b]', input: { a: { b: true } }, gives: { b: true } },
  { src: 'a[b].c', input: { a: { b: true, c: [1, 2] } }, gives: [1, 2] },
  { src: 'a[nope]', input: { a: [1, 2] }, gives: undefined },
  { src: 'a[b][c]', input: { a: [{ b: 'x', c: 'y' }, { b: 'x' }, { c: 'y' }] }, gives: { b: 'x', c: 'y' } },
]);

differentialSuite('filters: numeric indexes', [
  { src: 'a[0]', input: { a: [1, 2, 3] }, gives: 1 },
  { src: 'a[-1]', input: { a: [1, 2, 3] }, gives: 3 },
  { src: 'a[-3]', input: { a: [1, 2, 3] }, gives: 1 },
  { src: 'a[-4]', input: { a: [1, 2, 3] }, gives: undefined },
  { src: 'a[5]', input: { a: [1, 2, 3] }, gives: undefined },
  { src: 'a[1.7]', input: { a: [1, 2, 3] }, gives: 2 },
  { src: 'a[-0.5]', input: { a: [1, 2, 3] }, gives: 3 },
  { src: 'a[0]', input: { a: 5 }, gives: 5 },
  { src: 'a[1]', input: { a: 5 }, gives: undefined },
  { src: 'a[-1]', input: { a: 5 }, gives: 5 },
  { src: 'a[0]', input: { a: [[1, 2], [3]] }, gives: [1, 2] },
  { src: 'a[0][0]', input: { a: [[1, 2], [3]] }, gives: 1 },
  { src: 'a[[0, 2]]', input: { a: [1, 2, 3] }, gives: [1, 3] },
  { src: 'a[[2, 0, 0]]', input: { a: [1, 2, 3] }, gives: [1, 1, 3] },
  { src: 'a[[0, -1]]', input: { a: [1, 2, 3] }, gives: [1, 3] },
  { src: 'a[[]]', input: { a: [1, 2, 3] }, gives: undefined },
  { src: 'a[i]', input: { a: [{ i: 0 }, { i: 5 }, { i: 2 }] }, gives: [{ i: 0 }, { i: 2 }] },
  { src: 'a[$]', input: { a: [0, 1, 2] }, gives: [0, 1, 2] },
  { src: 'a[$]', input: { a: [2, 0, 1] }, gives: undefined },
  { src: 'a[$ - 1]', input: { a: [1, 2, 5] }, gives: [1, 2] },
  { src: 'a.b[0]', input: { a: [{ b: [1, 2] }, { b: [3, 4] }] }, gives: [1, 3] },
  { src: '(a.b)[0]', input: { a: [{ b: [1, 2] }, { b: [3, 4] }] }, gives: 1 },
  { src: 'a.b[-1]', input: { a: [{ b: [1, 2] }, { b: 3 }] }, gives: [2, 3] },
  { src: 'a[0].b', input: { a: [{ b: 1 }, { b: 2 }] }, gives: 1 },
  { src: 'a[1][b]', input: { a: [{ b: false }, { b: true }] }, gives: { b: true } },
  { src: 'a[b][1]', input: { a: [{ b: true }, { b: false }, { b: true }] }, gives: { b: true } },
  // A number in a filter is an index, even when it comes from the data.
  { src: 'a[b][0]', input: { a: [{ b: 1 }, { b: 0 }, { b: 2 }] }, gives: { b: 2 } },
]);

differentialSuite('context $, root $$ and top-level arrays', [
  { src: '$', input: { a: 1 }, gives: { a: 1 } },
  { src: '$', input: [1, 2, 3], gives: [1, 2, 3] },
  { src: '$', input: [1], gives: [1] },
  { src: '$', input: [], gives: [] },
  { src: '$[0]', input: [1, 2, 3], gives: 1 },
  { src: '$[-1]', input: [[1, 2], [3]], gives: [3] },
  { src: '$$', input: [1, 2], gives: [1, 2] },
  { src: '$$[0]', input: [1, 2], gives: 1 },
  { src: '$.a', input: [{ a: 1 }, { a: 2 }], gives: [1, 2] },
  { src: 'a', input: [{ a: 1 }, { a: 2 }], gives: [1, 2] },
  { src: 'a', input: [{ a: 1 }], gives: 1 },
  // The whole top-level array is one context: its items' values form one sequence before the filter.
  { src: 'a[0]', input: [{ a: [1, 2] }, { a: [3] }], gives: 1 },
  { src: '$[a > 1]', input: [{ a: 1 }, { a: 2 }], gives: { a: 2 } },
  { src: '$count($)', input: [1, 2, 3], gives: 3 },
  { src: 'a.$', input: { a: [1, 2] }, gives: [1, 2] },
  { src: 'a.($ + 1)', input: { a: [1, 2] }, gives: [2, 3] },
  { src: 'a.$$.b', input: { a: [1, 2], b: 'root' }, gives: ['root', 'root'] },
  { src: 'a.b.$$.c', input: { a: { b: 1 }, c: 'root' }, gives: 'root' },
  { src: 'a[b = $$.c]', input: { a: [{ b: 1 }, { b: 2 }], c: 2 }, gives: { b: 2 } },
]);

differentialSuite('variables', [
  { src: '$x', bindings: { x: 1 }, gives: 1 },
  { src: '$x', bindings: { x: [1] }, gives: [1] },
  { src: '$x.a', bindings: { x: [{ a: 1 }, { a: 2 }] }, gives: [1, 2] },
  { src: '$x[1]', bindings: { x: [1, 2] }, gives: 2 },
  { src: '$x[0]', bindings: { x: [[1, 2], [3]] }, gives: [1, 2] },
  { src: '$nope', gives: undefined },
  { src: '$x.a', input: { a: 'input' }, bindings: { x: { a: 'bound' } }, gives: 'bound' },
  { src: 'a.$x', input: { a: [1, 2] }, bindings: { x: 'v' }, gives: ['v', 'v'] },
  { src: 'a[$ = $x]', input: { a: [1, 2] }, bindings: { x: 2 }, gives: 2 },
]);

differentialSuite('wildcard', [
  { src: '*', input: { a: 1, b: [2, 3], c: { d: 4 } }, gives: [1, 2, 3, { d: 4 }] },
  { src: '*', input: { a: 1 }, gives: 1 },
  { src: '*', input: { a: [1] }, gives: [1] },
  { src: '*', input: { a: [[1, 2], [3]] }, gives: [1, 2, 3] },
  { src: '*', input: 5, gives: undefined },
  { src: '*', input: [{ a: 1 }, { b: 2 }], gives: [{ a: 1 }, { b: 2 }] },
  { src: '*.b', input: { a: { b: 1 }, c: [{ b: 2 }, { d: 3 }] }, gives: [1, 2] },
  { src: 'a.*', input: { a: [{ x: 1 }, { y: [2, 3] }] }, gives: [1, 2, 3] },
  { src: 'a.*[0]', input: { a: { x: [1, 2], y: 3 } }, gives: 1 },
  { src: '*[$ > 1]', input: { a: 1, b: 2, c: 3 }, gives: [2, 3] },
]);

differentialSuite('sort', [
  { src: 'a^(x)', input: { a: [{ x: 2 }, { x: 1 }, { x: 3 }] }, gives: [{ x: 1 }, { x: 2 }, { x: 3 }] },
  { src: 'a^(>x)', input: { a: [{ x: 2 }, { x: 1 }, { x: 3 }] }, gives: [{ x: 3 }, { x: 2 }, { x: 1 }] },
  { src: 'a^(<x)', input: { a: [{ x: 'b' }, { x: 'a' }] }, gives: [{ x: 'a' }, { x: 'b' }] },
  // Stable: equal keys keep their order, ascending and descending.
  {
    src: 'a^(x).n',
    input: {
      a: [
        { x: 1, n: 'a' },
        { x: 0, n: 'b' },
        { x: 1, n: 'c' },
        { x: 0, n: 'd' },
      ],
    },
    gives: ['b', 'd', 'a', 'c'],
  },
  {
    src: 'a^(>x).n',
    input: {
      a: [
        { x: 1, n: 'a' },
        { x: 0, n: 'b' },
        { x: 1, n: 'c' },
        { x: 0, n: 'd' },
      ],
    },
    gives: ['a', 'c', 'b', 'd'],
  },
  // Undefined keys go last, in both directions.
  { src: 'a^(x).n', input: { a: [{ n: 'a' }, { x: 2, n: 'b' }, { x: 1, n: 'c' }] }, gives: ['c', 'b', 'a'] },
  { src: 'a^(>x).n', input: { a: [{ n: 'a' }, { x: 1, n: 'b' }, { x: 2, n: 'c' }] }, gives: ['c', 'b', 'a'] },
  {
    src: 'a^(>x, y).n',
    input: {
      a: [
        { x: 1, y: 2, n: 'a' },
        { x: 1, y: 1, n: 'b' },
        { x: 2, y: 3, n: 'c' },
      ],
    },
  },
  {
    src: 'a^(x, >y).n',
    input: {
      a: [
        { x: 1, n: 'a' },
        { x: 1, y: 1, n: 'b' },
        { x: 0, n: 'c' },
      ],
    },
  },
  { src: 'a^($)', input: { a: [3, 1, 2] }, gives: [1, 2, 3] },
  { src: 'a^(>$)', input: { a: ['b', 'c', 'a'] }, gives: ['c', 'b', 'a'] },
  { src: 'a^($)', input: { a: 5 }, gives: 5 },
  { src: 'a^($)', input: { a: [5] }, gives: 5 },
  { src: 'a^(x)', input: { a: [] }, gives: undefined },
  {
    src: 'a^(x)[0].n',
    input: {
      a: [
        { x: 2, n: 'b' },
        { x: 1, n: 'a' },
      ],
    },
    gives: 'a',
  },
  { src: 'a^(x)[-1]', input: { a: [{ x: 2 }, { x: 1 }] }, gives: { x: 2 } },
  { src: 'a.b^($)', input: { a: [{ b: [3, 1] }, { b: 2 }] }, gives: [1, 2, 3] },
  { src: 'a^(x)', input: { a: [{ x: 1 }, { x: 'b' }] }, throws: 'T2007' },
  { src: 'a^(x)', input: { a: [{ x: 1 }, { x: { y: 1 } }] }, throws: 'T2008' },
  { src: 'a^(x)', input: { a: [{ x: true }, { x: false }] }, throws: 'T2008' },
  { src: 'a^(x)', input: { a: [{ x: [1] }, { x: 2 }] }, throws: 'T2008' },
  // Keys of several wrong kinds: the error is that of the first pair jsonata's merge sort compares.
  { src: 'a^(x)', input: { a: [{ x: 1 }, { x: 'a' }, { x: true }] }, throws: 'T2008' },
  { src: 'a^(x)', input: { a: [{ x: true }, { x: 1 }, { x: 'a' }] }, throws: 'T2007' },
  { src: 'a^(x)', input: { a: [{ x: 1 }, { x: 2 }, { x: 'a' }, { x: {} }] }, throws: 'T2008' },
  { src: 'a^(x)', input: { a: [{ x: 3 }, { x: 2 }, { x: 1 }, { x: 'a' }, { x: null }] }, throws: 'T2008' },
]);
