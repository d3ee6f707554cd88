/**
 * The service against the floor: the real patient-view endpoint (production settings, worker threads) and a bare
 * node:http server that only reads, parses and answers (bench/lib/bare-server.ts), each in its own process, with
 * the same 10-resource request, one at a time and at 10 connections. Goal: the service within 3x of the floor.
 *
 * The two are measured in alternating rounds, and each ratio is the median of the rounds' ratios (of an even count,
 * the upper one): on a shared virtual machine the speed drifts by up to 2x within minutes, and one block each would
 * put that drift in the ratio.
 */
import { syntheticRequest } from './lib/synthetic-patient.js';
import {
  percentile,
  sequential,
  SERVICE_PATH,
  serverEnv,
  startBenchServer,
  throughput,
  type Throughput,
} from './lib/loopback-client.js';
import { round, summarise } from './lib/measure.js';

interface Side {
  readonly sequential: { readonly p50: number; readonly p99: number };
  readonly throughput: Throughput;
}

interface Round {
  readonly service: Side;
  readonly bare: Side;
}

export interface BareResult {
  readonly resources: number;
  readonly service: Side;
  readonly bare: Side;
  /** Each round's figures; `service` and `bare` above are those of the median round by latency ratio. */
  readonly rounds: readonly Round[];
  /** service p50 / bare p50, one at a time, median over the rounds (goal: at most 3). */
  readonly latencyRatio: number;
  /** bare req/s / service req/s at 10 connections, median over the rounds (goal: at most 3). */
  readonly throughputRatio: number;
}

async function measureSide(port: number, path: string, body: Buffer, quick: boolean): Promise<Side> {
  const samples = await sequential(port, path, body, quick ? 2000 : 6000);
  return {
    sequential: { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) },
    throughput: await throughput(port, path, body, quick ? 3 : 10),
  };
}

async function measureServer(
  env: NodeJS.ProcessEnv,
  script: string | undefined,
  path: string,
  body: Buffer,
  quick: boolean
): Promise<Side> {
  const server = await startBenchServer(env, script);
  try {
    return await measureSide(server.port, path, body, quick);
  } finally {
    await server.stop();
  }
}

const latencyRatio = (r: Round): number => r.service.sequential.p50 / r.bare.sequential.p50;
const throughputRatio = (r: Round): number =>
  r.bare.throughput.requestsPerSecond / r.service.throughput.requestsPerSecond;

export async function runBareBench(quick: boolean, feedbackDir: string): Promise<BareResult> {
  const body = Buffer.from(JSON.stringify(syntheticRequest(10)));
  const rounds: Round[] = [];
  for (let i = 0; i < (quick ? 2 : 4); i++) {
    // One server at a time: the other must not take CPU from it on this 2-core machine.
    const service = await measureServer(serverEnv({}, feedbackDir), undefined, SERVICE_PATH, body, quick);
    const bare = await measureServer(
      { PATH: process.env['PATH'], NODE_ENV: 'production' },
      'bare-server.js',
      '/',
      body,
      quick
    );
    rounds.push({ service, bare });
  }
  const byLatency = [...rounds].sort((a, b) => latencyRatio(a) - latencyRatio(b));
  // The round whose latency ratio is the median reported (summarise's: the upper one of an even count).
  const middle = byLatency[Math.floor(byLatency.length / 2)] as Round;
  return {
    resources: 10,
    service: middle.service,
    bare: middle.bare,
    rounds,
    latencyRatio: round(summarise(rounds.map(latencyRatio)).median, 2),
    throughputRatio: round(summarise(rounds.map(throughputRatio)).median, 2),
  };
}

export function bareTable(result: BareResult): string {
  const perRound = (ratio: (r: Round) => number): string => result.rounds.map((r) => round(ratio(r), 2)).join(', ');
  const row = (name: string, side: Side): string =>
    `| ${name} | ${String(side.sequential.p50)} / ${String(side.sequential.p99)} | ${String(side.throughput.requestsPerSecond)} | ${String(side.throughput.p50)} / ${String(side.throughput.p99)} |`;
  return [
    `${String(result.resources)} prefetched resources per request:`,
    '',
    '| server | one at a time p50 / p99 (ms) | req/s at 10 connections | p50 / p99 at 10 connections (ms) |',
    '|---|---|---|---|',
    row('the service (patient-view)', result.service),
    row('bare node:http (read, JSON.parse, answer)', result.bare),
    '',
    `Service / bare, median of ${String(result.rounds.length)} alternating rounds: ` +
      `latency **${String(result.latencyRatio)}x** (rounds: ${perRound(latencyRatio)}), ` +
      `throughput **${String(result.throughputRatio)}x** (rounds: ${perRound(throughputRatio)})`,
  ].join('\n');
}
