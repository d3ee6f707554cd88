/**
 * Map stage against JSON.parse of the same request body (issue: "the whole map stage under 0.5x the parse time at
 * 1,000 resources"). Map stage = the JS pre-pass (code index, latest lab per concept) + every JSONata mapping.
 * Run: npx tsx bench/mapping.bench.ts [--quick]
 */
import type { FhirResource } from 'fhir/r4';
import { dailyDose } from '../src/mapping/daily-dose.js';
import { mapDecisionModel } from '../src/mapping/map-decision-model.js';
import { prepareInput } from '../src/mapping/prepare-input.js';
import { BENCH_TODAY, benchKnowledge } from './lib/bench-pipeline.js';
import { measure, round, type Timing } from './lib/measure.js';
import { syntheticRequest } from './lib/synthetic-patient.js';

export interface MappingResult {
  readonly resources: number;
  readonly bodyBytes: number;
  readonly parse: Timing;
  readonly map: Timing;
  /** map median / parse median. */
  readonly ratio: number;
}

function resourcesOf(body: Record<string, unknown>): FhirResource[] {
  const prefetch = body['prefetch'] as Record<string, { entry?: { resource: FhirResource }[] } | null>;
  return Object.values(prefetch).flatMap((bundle) => (bundle?.entry ?? []).map((e) => e.resource));
}

export async function runMappingBench(sizes: readonly number[], quick: boolean): Promise<MappingResult[]> {
  const knowledge = benchKnowledge();
  const results: MappingResult[] = [];
  for (const size of sizes) {
    const text = JSON.stringify(syntheticRequest(size));
    const body = JSON.parse(text) as Record<string, unknown>;
    const resources = resourcesOf(body);
    const map = async (): Promise<unknown> => {
      const input = prepareInput(resources, knowledge.codeIndex, {
        today: BENCH_TODAY,
        patientId: 'bench-patient',
        hook: 'patient-view',
        shapes: knowledge.shapes,
        doseOf: dailyDose,
      });
      return mapDecisionModel(input, knowledge.mapping, { lookbacks: knowledge.site.lookbacks });
    };
    const model = (await map()) as { ctd: unknown[]; labs: unknown[] };
    if (model.ctd.length === 0 || model.labs.length === 0) {
      throw new Error('the synthetic patient did not map to a CTD and labs: the benchmark would measure nothing');
    }
    const iterations = quick ? 30 : size >= 10_000 ? 40 : 300;
    const options = {
      warmup: quick ? 50 : 300,
      warmupMs: quick ? 500 : 2000,
      iterations,
      budgetMs: quick ? 1500 : 6000,
    };
    const parse = await measure(() => JSON.parse(text), options);
    const mapped = await measure(map, options);
    results.push({
      resources: size,
      bodyBytes: text.length,
      parse,
      map: mapped,
      ratio: round(mapped.median / parse.median),
    });
  }
  return results;
}

export function mappingTable(results: readonly MappingResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${String(r.resources)} | ${(r.bodyBytes / 1024).toFixed(0)} KiB | ${round(r.parse.median)} | ${round(r.map.median)} | ${round(r.map.p95)} | ${round(r.map.first)} | **${String(r.ratio)}x** |`
  );
  return [
    '| resources | body | JSON.parse median (ms) | map median (ms) | map p95 (ms) | map first call (ms) | map / parse |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const quick = process.argv.includes('--quick');
  const results = await runMappingBench([100, 1000, 10_000], quick);
  console.log(mappingTable(results));
}
