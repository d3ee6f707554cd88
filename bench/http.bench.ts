/**
 * Over loopback HTTP, against a server process started here:
 * - throughput at 10 connections (autocannon) and one-at-a-time latency (an hrtime client: autocannon's histogram
 *   has whole milliseconds) of the real patient-view endpoint against POST /bench/ack, an endpoint of the same app
 *   with the same body parser and limit that answers {"cards": []} (bench/lib/bench-server.ts);
 * - fairness: a small request sent while a 10,000-resource request is in flight, against the small one alone,
 *   with the default worker threads and with WORKERS=0;
 * - start-up: process start to the first successful service call.
 * Everything listens on 127.0.0.1 only.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  BUILD,
  percentile,
  post,
  sequential,
  SERVICE_PATH,
  serverEnv,
  startBenchServer,
  throughput,
  type Throughput,
} from './lib/loopback-client.js';
import { round, summarise } from './lib/measure.js';
import { syntheticRequest } from './lib/synthetic-patient.js';

export interface HttpResult {
  readonly resources: number;
  readonly service: { readonly throughput: Throughput; readonly sequential: { p50: number; p99: number } };
  readonly ack: { readonly throughput: Throughput; readonly sequential: { p50: number; p99: number } };
  /** service / ack requests per second (goal: at least 0.8). */
  readonly throughputRatio: number;
}

export interface FairnessResult {
  readonly workers: number;
  /** Median latency of the small request alone (ms). */
  readonly alone: number;
  /** Median latency of the same request sent while a 10,000-resource request is in flight (ms). */
  readonly behindLarge: number;
  readonly largeAlone: number;
  /** behindLarge / alone (goal: at most 2). */
  readonly ratio: number;
}

export interface StartupResult {
  /** Process start to the 'ready' log line (ms). */
  readonly ready: number;
  /** Process start to the first 200 of a service call (ms). */
  readonly firstResponse: number;
}

export async function runHttpBench(quick: boolean, feedbackDir: string): Promise<HttpResult> {
  const server = await startBenchServer(serverEnv({}, feedbackDir));
  try {
    const body = Buffer.from(JSON.stringify(syntheticRequest(100)));
    const seconds = quick ? 3 : 10;
    const budget = quick ? 2000 : 6000;
    const serviceSeq = await sequential(server.port, SERVICE_PATH, body, budget);
    const ackSeq = await sequential(server.port, '/bench/ack', body, budget);
    const serviceThroughput = await throughput(server.port, SERVICE_PATH, body, seconds);
    const ackThroughput = await throughput(server.port, '/bench/ack', body, seconds);
    return {
      resources: 100,
      service: {
        throughput: serviceThroughput,
        sequential: { p50: percentile(serviceSeq, 0.5), p99: percentile(serviceSeq, 0.99) },
      },
      ack: { throughput: ackThroughput, sequential: { p50: percentile(ackSeq, 0.5), p99: percentile(ackSeq, 0.99) } },
      throughputRatio: round(serviceThroughput.requestsPerSecond / ackThroughput.requestsPerSecond),
    };
  } finally {
    await server.stop();
  }
}

export async function runFairnessBench(
  quick: boolean,
  feedbackDir: string,
  workers: number | undefined
): Promise<FairnessResult> {
  // The synthetic 10,000-resource body is 12.5 MB, over the default BODY_LIMIT.
  const env = serverEnv(
    { BODY_LIMIT: '32mb', ...(workers === undefined ? {} : { WORKERS: String(workers) }) },
    feedbackDir
  );
  const server = await startBenchServer(env);
  try {
    const small = Buffer.from(JSON.stringify(syntheticRequest(10, 'small-patient')));
    const large = Buffer.from(JSON.stringify(syntheticRequest(10_000, 'large-patient')));
    const alone = await sequential(server.port, SERVICE_PATH, small, quick ? 1000 : 3000);
    const largeAlone: number[] = [];
    const behind: number[] = [];
    for (let i = 0; i < (quick ? 5 : 15); i++) {
      largeAlone.push(await post(server.port, SERVICE_PATH, large));
    }
    for (let i = 0; i < (quick ? 8 : 25); i++) {
      // The small request starts once the large one is wholly sent, i.e. while the server is busy with it.
      let smallDone: Promise<number> | undefined;
      const largeDone = post(server.port, SERVICE_PATH, large, () => {
        smallDone = post(server.port, SERVICE_PATH, small);
      });
      await largeDone;
      if (smallDone === undefined) {
        throw new Error('the large request was answered before it was sent');
      }
      behind.push(await smallDone);
    }
    const aloneMedian = summarise(alone).median;
    const behindMedian = summarise(behind).median;
    return {
      workers: workers ?? -1,
      alone: round(aloneMedian),
      behindLarge: round(behindMedian),
      largeAlone: round(summarise(largeAlone).median),
      ratio: round(behindMedian / aloneMedian, 2),
    };
  } finally {
    await server.stop();
  }
}

/** `node src/server.js` as `npm start` runs it (compiled), from spawn to its first successful service call. */
export async function runStartupBench(feedbackDir: string): Promise<StartupResult> {
  const start = performance.now();
  const startWall = Date.now();
  const child = spawn(process.execPath, [join(BUILD, 'src', 'server.js')], {
    env: serverEnv({ PORT: '0', HOST: '127.0.0.1' }, feedbackDir),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const body = Buffer.from(JSON.stringify(syntheticRequest(10)));
    // The log line's own time: the main thread writes info lines in batches (up to 25 ms later).
    let markReady: (at: number) => void = () => undefined;
    const ready = new Promise<number>((resolve) => (markReady = resolve));
    const port = await new Promise<number>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        const entry = JSON.parse(line) as { msg?: string; port?: number; time?: string };
        if (entry.msg === 'listening' && typeof entry.port === 'number') {
          resolve(entry.port);
        }
        if (entry.msg === 'ready') {
          markReady(Date.parse(entry.time ?? '') - startWall);
        }
      });
      child.once('exit', (code) => {
        reject(new Error(`the server exited with ${String(code)}`));
      });
    });
    // The first call that succeeds: the port is open as soon as 'listening' is logged.
    for (;;) {
      try {
        await post(port, SERVICE_PATH, body);
        break;
      } catch {
        // not answering 200 yet
      }
    }
    const firstResponse = performance.now() - start;
    return { ready: round(await ready, 1), firstResponse: round(firstResponse, 1) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

export function httpTable(result: HttpResult): string {
  const row = (name: string, r: HttpResult['service']): string =>
    `| ${name} | ${String(r.throughput.requestsPerSecond)} | ${String(r.throughput.p50)} / ${String(r.throughput.p99)} | ${String(r.sequential.p50)} / ${String(r.sequential.p99)} |`;
  return [
    `${String(result.resources)} prefetched resources per request:`,
    '',
    '| endpoint | req/s at 10 connections | p50 / p99 at 10 connections (ms) | one at a time p50 / p99 (ms) |',
    '|---|---|---|---|',
    row('POST /cds-services/ctd-neuropathy-patient-view', result.service),
    row('POST /bench/ack (parse, answer {"cards": []})', result.ack),
    '',
    `Throughput ratio service / ack: **${String(result.throughputRatio)}x**`,
  ].join('\n');
}

export function fairnessTable(results: readonly FairnessResult[]): string {
  return [
    '| evaluation | small request alone (ms) | small behind a 10,000-resource request (ms) | ratio | the large request alone (ms) |',
    '|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.workers === 0 ? 'main thread (WORKERS=0)' : 'worker threads (default)'} | ${String(r.alone)} | ${String(r.behindLarge)} | **${String(r.ratio)}x** | ${String(r.largeAlone)} |`
    ),
  ].join('\n');
}

export function startupTable(result: StartupResult): string {
  return [
    '| process start to ready (ms) | process start to first successful service call (ms) |',
    '|---|---|',
    `| ${String(result.ready)} | ${String(result.firstResponse)} |`,
  ].join('\n');
}
