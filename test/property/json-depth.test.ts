import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { assertJsonDepth, JsonTooDeep, nestsDeeper } from '../../src/http/json-depth.js';

/** The byte scan's verdict (main thread, before parsing) on a JSON text. */
function scannedDeeper(text: string, limit: number): boolean {
  try {
    assertJsonDepth(Buffer.from(text, 'utf8'), limit);
    return false;
  } catch (error) {
    if (error instanceof JsonTooDeep) {
      return true;
    }
    throw error;
  }
}

/**
 * Service calls check MAX_JSON_DEPTH on the parsed value, other routes on the bytes before parsing: both must refuse
 * exactly the same bodies, whatever strings (brackets, quotes, escapes, non-ASCII) and nesting they hold.
 */
describe('JSON depth: the parsed-value check agrees with the byte scan', () => {
  const tricky = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', 'ü', '😀', ' ') });
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      tricky,
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(tricky, tie('value'), { maxKeys: 4 })
    ),
  })).value;

  test('random values and limits', () => {
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: 8 }), (value, limit) => {
        const text = JSON.stringify(value);
        expect(nestsDeeper(JSON.parse(text), limit)).toBe(scannedDeeper(text, limit));
      }),
      { numRuns: 2000 }
    );
  });

  test('the boundary: a value exactly `limit` deep passes, one more level is refused', () => {
    const nested = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    expect(nestsDeeper(nested(64), 64)).toBe(false);
    expect(nestsDeeper(nested(65), 64)).toBe(true);
    expect(nestsDeeper({ a: { b: [1, { c: 'x' }] } }, 4)).toBe(false);
    expect(nestsDeeper({ a: { b: [1, { c: [] }] } }, 4)).toBe(true);
    expect(nestsDeeper('[[[[', 0)).toBe(false);
    expect(nestsDeeper(nested(1_000_000), 64)).toBe(true);
  });
});
