/**
 * Timing helper for the benchmarks: the first (cold) call separately, then warm-up, then samples until a count or a
 * time budget is reached. Reports milliseconds. Only ratios within one run are meaningful across machines.
 */
export interface Timing {
  readonly first: number;
  readonly median: number;
  readonly p95: number;
  readonly samples: number;
}

export interface MeasureOptions {
  /** Calls before sampling: a running service is warm (its hot code optimised by V8), the first call is reported
   *  on its own. */
  readonly warmup: number;
  /** Stop warming up after this many milliseconds even if fewer warm-up calls ran. */
  readonly warmupMs?: number;
  readonly iterations: number;
  /** Stop sampling after this many milliseconds even if fewer iterations ran. */
  readonly budgetMs: number;
}

export async function measure(run: () => unknown, options: MeasureOptions): Promise<Timing> {
  let start = performance.now();
  await run();
  const first = performance.now() - start;
  const warm = performance.now() + (options.warmupMs ?? Number.POSITIVE_INFINITY);
  for (let i = 0; i < options.warmup && performance.now() < warm; i += 1) {
    await run();
  }
  const samples: number[] = [];
  const deadline = performance.now() + options.budgetMs;
  while (samples.length < options.iterations && (samples.length < 5 || performance.now() < deadline)) {
    start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  return { first, ...summarise(samples) };
}

export function summarise(samples: readonly number[]): { median: number; p95: number; samples: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { median: at(0.5), p95: at(0.95), samples: sorted.length };
}

export const round = (value: number, digits = 3): number => Number(value.toFixed(digits));
