/**
 * The service against the floor: the real patient-view endpoint (production settings, worker threads) and a bare
 * node:http server that only reads, parses and answers (bench/lib/bare-server.ts), each in its own process, with
 * the same 10-resource request, one at a time and at 10 connections. Goal: the service within 3x of the floor.
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
import { round } from './lib/measure.js';

interface Side {
  readonly sequential: { readonly p50: number; readonly p99: number };
  readonly throughput: Throughput;
}

export interface BareResult {
  readonly resources: number;
  readonly service: Side;
  readonly bare: Side;
  /** service p50 / bare p50, one at a time (goal: at most 3). */
  readonly latencyRatio: number;
  /** bare req/s / service req/s at 10 connections (goal: at most 3). */
  readonly throughputRatio: number;
}

async function measureSide(port: number, path: string, body: Buffer, quick: boolean): Promise<Side> {
  const samples = await sequential(port, path, body, quick ? 2000 : 6000);
  return {
    sequential: { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) },
    throughput: await throughput(port, path, body, quick ? 3 : 10),
  };
}

export async function runBareBench(quick: boolean, feedbackDir: string): Promise<BareResult> {
  const body = Buffer.from(JSON.stringify(syntheticRequest(10)));
  // One server at a time: the other must not take CPU from it on this 2-core machine.
  const service = await startBenchServer(serverEnv({}, feedbackDir));
  let serviceSide: Side;
  try {
    serviceSide = await measureSide(service.port, SERVICE_PATH, body, quick);
  } finally {
    await service.stop();
  }
  const bare = await startBenchServer({ PATH: process.env['PATH'], NODE_ENV: 'production' }, 'bare-server.js');
  let bareSide: Side;
  try {
    bareSide = await measureSide(bare.port, '/', body, quick);
  } finally {
    await bare.stop();
  }
  return {
    resources: 10,
    service: serviceSide,
    bare: bareSide,
    latencyRatio: round(serviceSide.sequential.p50 / bareSide.sequential.p50, 2),
    throughputRatio: round(bareSide.throughput.requestsPerSecond / serviceSide.throughput.requestsPerSecond, 2),
  };
}

export function bareTable(result: BareResult): string {
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
    `Service / bare: latency **${String(result.latencyRatio)}x**, throughput **${String(result.throughputRatio)}x**`,
  ].join('\n');
}
