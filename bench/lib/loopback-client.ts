/**
 * The load-generator side of the loopback benchmarks: server processes started here (production settings, client
 * authentication off), a kept-alive hrtime client for one-at-a-time latency, and autocannon for throughput.
 * Everything talks to 127.0.0.1 only.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { round } from './measure.js';

export const BUILD = join(import.meta.dirname, '..', '..');
export const SERVICE_PATH = '/cds-services/ctd-neuropathy-patient-view';

/** Production settings, client authentication off (the load generator is not an EHR signing JWTs). */
export function serverEnv(extra: Record<string, string>, feedbackDir: string): NodeJS.ProcessEnv {
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

export interface Running {
  readonly child: ChildProcess;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts bench/lib/bench-server.js (or another server script of bench/lib/) and waits for the port it prints (it
 * prints it once warm and ready).
 */
export async function startBenchServer(env: NodeJS.ProcessEnv, script = 'bench-server.js'): Promise<Running> {
  const child = spawn(process.execPath, [join(BUILD, 'bench', 'lib', script)], {
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
export function post(port: number, path: string, body: Buffer, onSent?: () => void): Promise<number> {
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

export async function sequential(port: number, path: string, body: Buffer, budgetMs: number): Promise<number[]> {
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

export interface Throughput {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
}

export async function throughput(port: number, path: string, body: Buffer, seconds: number): Promise<Throughput> {
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

export const percentile = (samples: readonly number[], q: number): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN);
};
