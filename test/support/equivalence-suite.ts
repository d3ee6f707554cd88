import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Knowledge } from '../../src/knowledge/load-knowledge.js';
import { demoCharts, fixtureCharts, mappingCaseCharts, type Chart } from './decision-models.js';
import { randomChart } from './random-charts.js';
import { TODAY } from './service.js';

/** Property runs scaled by PROPERTY_RUNS_FACTOR (=10 hunts longer). */
export const runs = (n: number): number => n * Number(process.env['PROPERTY_RUNS_FACTOR'] ?? '1');

/** Two ways of answering one chart, as JSON (the decision model and the rules' outcomes: what the cards are made of). */
export type TwoWays = (chart: Chart) => Promise<{ readonly expected: string; readonly actual: string }>;

/**
 * The property tests that two ways of evaluating give the same answer: over random charts of the value sets' own
 * codes (`knowledge`'s), and over every request fixture, mapping case and demo patient. A failure prints fast-check's
 * seed and the shrunk chart.
 */
export function describeEquivalence(title: string, knowledge: Knowledge, twoWays: TwoWays): void {
  describe(title, () => {
    test(
      'on random charts of the value sets own codes',
      async () => {
        let fired = 0;
        await fc.assert(
          fc.asyncProperty(randomChart(knowledge), async (chart) => {
            const { expected, actual } = await twoWays(chart);
            expect(actual).toBe(expected);
            fired += expected.includes('"rule":') ? 1 : 0;
          }),
          { numRuns: runs(300) }
        );
        // Not vacuous: random charts do fire rules, so the comparison covers evaluated conditions too. About 5% of
        // them fire one (measured: 149 and 192 of 3,000), so 3 of 300 is a bound that fails about once in 30,000
        // runs; more than 10 failed about one run in ten. Every rule is exercised for sure by the fixtures below.
        expect(fired).toBeGreaterThan(runs(2));
      },
      runs(30_000)
    );

    test.each([
      ['request fixture', fixtureCharts],
      ['mapping case', mappingCaseCharts],
      ['demo patient', () => demoCharts(TODAY)],
    ])('on every %s', async (_kind, charts) => {
      for (const { name, chart } of charts()) {
        const { expected, actual } = await twoWays(chart);
        expect(actual, name).toBe(expected);
      }
    });
  });
}
