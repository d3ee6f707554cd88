/**
 * In-process scenario: parse, validate, gather, map, decide, render and the whole handler for patient-view
 * requests of 10 to 10,000 prefetched resources. The whole handler is what the HTTP route does after the bytes
 * have arrived: JSON.parse, schema validation, the pipeline, JSON.stringify of the response. Its ratio to JSON.parse
 * of the same body is the number to watch (goal: at most 1.5x at 1,000 and 10,000 resources).
 */
import type { Stage } from '../src/call-service.js';
import { parseConfig } from '../src/config.js';
import { requestValidatorsFor } from '../src/configured.js';
import { benchKnowledge, benchPipeline, patientViewHandler, patientViewService } from './lib/bench-pipeline.js';
import { measure, round, summarise, type Timing } from './lib/measure.js';
import { syntheticRequest } from './lib/synthetic-patient.js';

export interface StagesResult {
  readonly resources: number;
  readonly bodyBytes: number;
  readonly cards: number;
  readonly parse: Timing;
  readonly validate: Timing;
  /** Medians of each pipeline stage over the handler runs (ms). */
  readonly stages: Readonly<Record<Stage, number>>;
  readonly handler: Timing;
  /** handler median / parse median. */
  readonly ratio: number;
}

export async function runStagesBench(sizes: readonly number[], quick: boolean): Promise<StagesResult[]> {
  const knowledge = benchKnowledge();
  const service = patientViewService(knowledge);
  // The production limits (configuration defaults), so validation does the work it does in production.
  const validators = requestValidatorsFor(parseConfig({}));
  const stageSamples = new Map<Stage, number[]>();
  const deps = benchPipeline(knowledge, {
    stage: (_service, stage, seconds) => {
      const list = stageSamples.get(stage) ?? [];
      list.push(seconds * 1000);
      stageSamples.set(stage, list);
    },
  });

  const results: StagesResult[] = [];
  for (const size of sizes) {
    const text = JSON.stringify(syntheticRequest(size));
    const handler = patientViewHandler(service, deps, validators, text);
    const cards = (JSON.parse(await handler()) as { cards: unknown[] }).cards.length;
    if (cards === 0) {
      throw new Error('the synthetic patient gave no card: the benchmark would not exercise decide and render');
    }
    const options = {
      warmup: quick ? 50 : 300,
      warmupMs: quick ? 500 : 2000,
      iterations: quick ? 20 : size >= 10_000 ? 40 : 200,
      budgetMs: quick ? 1500 : 6000,
    };
    const parse = await measure(() => JSON.parse(text), options);
    const parsed = JSON.parse(text) as unknown;
    // Validation does not change the body (no defaults, no coercion), so the same object can be validated again.
    const validate = await measure(() => validators.request(parsed, 'patient-view'), options);
    stageSamples.clear();
    const handled = await measure(handler, options);
    const stages = Object.fromEntries(
      (['gather', 'map', 'decide', 'render'] as const).map((stage) => [
        stage,
        round(summarise(stageSamples.get(stage) ?? []).median),
      ])
    ) as Record<Stage, number>;
    results.push({
      resources: size,
      bodyBytes: Buffer.byteLength(text),
      cards,
      parse,
      validate,
      stages,
      handler: handled,
      ratio: round(handled.median / parse.median),
    });
  }
  return results;
}

export function stagesTable(results: readonly StagesResult[]): string {
  const rows = results.map((r) =>
    [
      String(r.resources),
      `${(r.bodyBytes / 1024).toFixed(0)} KiB`,
      round(r.parse.median),
      round(r.validate.median),
      r.stages.gather,
      r.stages.map,
      r.stages.decide,
      r.stages.render,
      `${String(round(r.handler.median))} / ${String(round(r.handler.p95))} / ${String(round(r.handler.first))}`,
      `**${String(r.ratio)}x**`,
    ].join(' | ')
  );
  return [
    '| resources | body | parse | validate | gather | map | decide | render | handler median / p95 / first | handler / parse |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n');
}
