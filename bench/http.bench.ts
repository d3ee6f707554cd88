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
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { round, summarise } from './lib/measure.js';
import { syntheticRequest } from './lib/synthetic-patient.js';

const BUILD = join(import.meta.dirname, '..');
const SERVICE_PATH = '/cds-services/ctd-neuropathy-patient-view';

/** Production settings, client authentication off (the load generator is not an EHR signing JWTs). */
function serverEnv(extra: Record<string, string>, feedbackDir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    NODE_ENV: 'production',
    AUTH_MODE: 'off',
    ALLOW_AUTH_OFF_IN_PRODUCTION: 'true',
    PUBLIC_BASE_URL: 'http://127.0.0.1',
    FEEDBACK_DIR: feedbackDir,
    LOG_LEVEL: 'info',
    ...extra,
  };
}

interface Running {
  readonly child: ChildProcess;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts bench/lib/bench-server.js and waits for the port it prints (it prints it once warm and ready). */
async function startBenchServer(env: NodeJS.ProcessEnv): Promise<Running> {
  const child = spawn(process.execPath, [join(BUILD, 'bench', 'lib', 'bench-server.js')], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const parsed = JSON.parse(line) as { port?: number };
      if (typeof parsed.port === 'number') {
        // From here on the server's log lines are drained, not parsed: this process is also the load generator.
        lines.close();
        child.stdout.resume();
        resolve(parsed.port);
      }
    });
    child.once('exit', (code) => {
      reject(new Error(`the bench server exited with ${String(code)}`));
    });
  });
  return {
    child,
    port,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 20 });

/** One POST over a kept-alive connection; resolves with its latency in ms once the whole answer has arrived. */
function post(port: number, path: string, body: Buffer, onSent?: () => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: keepAlive,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) {
            reject(new Error(`${path} answered ${String(res.statusCode)}`));
            return;
          }
          resolve(Number(process.hrtime.bigint() - start) / 1e6);
        });
      }
    );
    req.on('error', reject);
    req.on('finish', () => onSent?.());
    req.end(body);
  });
}

async function sequential(port: number, path: string, body: Buffer, budgetMs: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) {
    await post(port, path, body); // warm-up
  }
  const deadline = performance.now() + budgetMs;
  while (performance.now() < deadline || samples.length < 50) {
    samples.push(await post(port, path, body));
  }
  return samples;
}

interface Throughput {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
}

async function throughput(port: number, path: string, body: Buffer, seconds: number): Promise<Throughput> {
  const run = (duration: number): Promise<autocannon.Result> =>
    autocannon({
      url: `http://127.0.0.1:${String(port)}${path}`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      connections: 10,
      pipelining: 1,
      duration,
    });
  await run(1); // warm-up
  const result = await run(seconds);
  return {
    requestsPerSecond: round(result.requests.average, 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
  };
}

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

const percentile = (samples: readonly number[], q: number): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN);
};

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
  const child = spawn(process.execPath, [join(BUILD, 'src', 'server.js')], {
    env: serverEnv({ PORT: '0', HOST: '127.0.0.1' }, feedbackDir),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const body = Buffer.from(JSON.stringify(syntheticRequest(10)));
    let readyAt = Number.NaN;
    const port = await new Promise<number>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'listening' && typeof entry.port === 'number') {
          resolve(entry.port);
        }
        if (entry.msg === 'ready') {
          readyAt = performance.now() - start;
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
    return { ready: round(readyAt, 1), firstResponse: round(firstResponse, 1) };
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
