/**
 * Overload: 200 concurrent connections against the real patient-view endpoint of a server process started here
 * (bench/lib/bench-server.js, production settings, client authentication off), once with the bounded work queue
 * (WORKER_QUEUE_LIMIT, default 4 per worker) and once with it off as the baseline. Reports, per run, the latency
 * of admitted calls (200) and of shed ones (503), the shed share and the admitted calls per second. Goal: admitted
 * p99 under one second. Everything listens on 127.0.0.1 only.
 */
import autocannon from 'autocannon';
import { SERVICE_PATH, serverEnv, startBenchServer } from './lib/loopback-client.js';
import { round } from './lib/measure.js';
import { syntheticRequest } from './lib/synthetic-patient.js';

export const OVERLOAD_CONNECTIONS = 200;

export interface OverloadRun {
  /** WORKER_QUEUE_LIMIT of the run ('off': the baseline). */
  readonly queueLimit: string;
  readonly seconds: number;
  readonly responses: number;
  readonly admitted: { readonly perSecond: number; readonly p50: number; readonly p99: number };
  readonly shed: { readonly share: number; readonly p99: number | null };
  /** Neither 200 nor 503, or no answer (timeouts, resets). */
  readonly other: number;
}

const percentile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

async function load(port: number, body: Buffer, queueLimit: string, seconds: number): Promise<OverloadRun> {
  const options = {
    url: `http://127.0.0.1:${String(port)}${SERVICE_PATH}`,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body,
    pipelining: 1,
  };
  await autocannon({ ...options, connections: 10, duration: 2 }); // warm-up, not overloaded
  const admitted: number[] = [];
  const shed: number[] = [];
  let other = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { ...options, connections: OVERLOAD_CONNECTIONS, duration: seconds, timeout: 30 },
      (error: unknown, finished: autocannon.Result) => {
        if (error === null || error === undefined) {
          resolve(finished);
        } else {
          reject(error instanceof Error ? error : new Error('autocannon could not run'));
        }
      }
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status === 200) {
        admitted.push(ms);
      } else if (status === 503) {
        shed.push(ms);
      } else {
        other += 1;
      }
    });
  });
  admitted.sort((a, b) => a - b);
  shed.sort((a, b) => a - b);
  const responses = admitted.length + shed.length + other;
  return {
    queueLimit,
    seconds,
    responses,
    admitted: {
      perSecond: round(admitted.length / seconds, 1),
      p50: round(percentile(admitted, 0.5), 1),
      p99: round(percentile(admitted, 0.99), 1),
    },
    shed: {
      share: round(responses === 0 ? 0 : shed.length / responses, 3),
      p99: shed.length === 0 ? null : round(percentile(shed, 0.99), 1),
    },
    other: other + result.errors + result.timeouts,
  };
}

/** The bounded run, then the baseline with the bound off; one server process each, 100 resources per request. */
export async function runOverloadBench(quick: boolean, feedbackDir: string): Promise<OverloadRun[]> {
  const seconds = quick ? 5 : 15;
  const body = Buffer.from(JSON.stringify(syntheticRequest(100)));
  const runs: OverloadRun[] = [];
  for (const queueLimit of ['4', 'off']) {
    // The access log at 200 connections is part of the cost; warn keeps the comparison about the queue.
    const server = await startBenchServer(
      serverEnv({ LOG_LEVEL: 'warn', WORKER_QUEUE_LIMIT: queueLimit }, feedbackDir)
    );
    try {
      runs.push(await load(server.port, body, queueLimit, seconds));
    } finally {
      await server.stop();
    }
  }
  return runs;
}

export function overloadTable(runs: readonly OverloadRun[]): string {
  return [
    `${String(OVERLOAD_CONNECTIONS)} connections, 100 prefetched resources per request:`,
    '',
    '| WORKER_QUEUE_LIMIT | admitted/s | admitted p50 / p99 (ms) | shed share | shed p99 (ms) | other |',
    '|---|---|---|---|---|---|',
    ...runs.map(
      (r) =>
        `| ${r.queueLimit === 'off' ? 'off (baseline)' : r.queueLimit} | ${String(r.admitted.perSecond)} | ${String(r.admitted.p50)} / **${String(r.admitted.p99)}** | ${String(Math.round(r.shed.share * 1000) / 10)} % | ${r.shed.p99 === null ? '-' : String(r.shed.p99)} | ${String(r.other)} |`
    ),
  ].join('\n');
}
