/**
 * The expression engines side by side: the whole in-process handler (parse, validate, the pipeline, stringify) with
 * the knowledge evaluated by the compiled evaluator and by jsonata's own, on the same requests in the same run,
 * alternating so that both see the same machine. The ratio is what the compiled evaluator saves.
 */
import { parseConfig } from '../src/config.js';
import { requestValidatorsFor } from '../src/configured.js';
import type { ExpressionEngine } from '../src/mapping/jsonata-runtime.js';
import { benchKnowledge, benchPipeline, patientViewHandler, patientViewService } from './lib/bench-pipeline.js';
import { measure, round, type Timing } from './lib/measure.js';
import { syntheticRequest } from './lib/synthetic-patient.js';

export interface EngineResult {
  readonly resources: number;
  readonly compiled: Timing;
  readonly jsonata: Timing;
  /** jsonata median / compiled median. */
  readonly speedup: number;
}

function handlerFor(engine: ExpressionEngine, text: string): () => Promise<string> {
  const knowledge = benchKnowledge(engine);
  if (knowledge.expressions.engine !== engine) {
    throw new Error(`the knowledge runs on ${knowledge.expressions.engine}, not ${engine}`);
  }
  return patientViewHandler(
    patientViewService(knowledge),
    benchPipeline(knowledge),
    requestValidatorsFor(parseConfig({})),
    text
  );
}

export async function runEngineBench(sizes: readonly number[], quick: boolean): Promise<EngineResult[]> {
  const results: EngineResult[] = [];
  for (const size of sizes) {
    const text = JSON.stringify(syntheticRequest(size));
    const compiled = handlerFor('compiled', text);
    const jsonata = handlerFor('jsonata', text);
    if ((await compiled()) !== (await jsonata())) {
      throw new Error(`the engines answer differently at ${String(size)} resources`);
    }
    const options = {
      warmup: quick ? 50 : 300,
      warmupMs: quick ? 500 : 2000,
      iterations: quick ? 20 : 100,
      budgetMs: quick ? 1000 : 3000,
    };
    // Two rounds each, alternating, the better median kept: a neighbour's burst then hits both engines alike.
    const rounds = { compiled: [] as Timing[], jsonata: [] as Timing[] };
    for (let pass = 0; pass < 2; pass++) {
      rounds.compiled.push(await measure(compiled, options));
      rounds.jsonata.push(await measure(jsonata, options));
    }
    const best = (timings: Timing[]): Timing =>
      timings.reduce((a, b) => (b.median < a.median ? b : a), timings[0] as Timing);
    const c = best(rounds.compiled);
    const j = best(rounds.jsonata);
    results.push({ resources: size, compiled: c, jsonata: j, speedup: round(j.median / c.median, 2) });
  }
  return results;
}

export function engineTable(results: readonly EngineResult[]): string {
  return [
    '| resources | handler, compiled (median / p95 ms) | handler, jsonata (median / p95 ms) | jsonata / compiled |',
    '|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${String(r.resources)} | ${String(round(r.compiled.median))} / ${String(round(r.compiled.p95))} | ${String(round(r.jsonata.median))} / ${String(round(r.jsonata.p95))} | **${String(r.speedup)}x** |`
    ),
  ].join('\n');
}
