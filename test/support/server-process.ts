import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { defaultKnowledgeDir } from '../../src/config.js';

/** A real server process (`node --import tsx src/server.ts`, or a given command), on a port of its choosing. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  /** Resolves with the exit code and signal once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the process has ended and so has every process that held its output (a child it started). */
  readonly closed: Promise<void>;
}

/** How the server is started; default: the sources through tsx, with the test run's environment. */
export interface Launch {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  /** The environment under `env` (default: the test run's, less OWN_SETTINGS). */
  readonly baseEnv?: NodeJS.ProcessEnv;
}

/** Settings a test run may carry in its environment that must not leak into the spawned server. */
const OWN_SETTINGS = ['DATABASE_URL', 'DATABASE_SCHEMA', 'FEEDBACK_DIR', 'METRICS_TOKEN', 'PORT', 'HOST', 'NODE_ENV'];

export async function startServer(
  env: Record<string, string>,
  deadlineMs = 30_000,
  launch: Launch = {
    command: process.execPath,
    args: ['--import', 'tsx', join(defaultKnowledgeDir(), 'src', 'server.ts')],
  }
): Promise<ServerProcess> {
  const base =
    launch.baseEnv ?? Object.fromEntries(Object.entries(process.env).filter(([k]) => !OWN_SETTINGS.includes(k)));
  const child = spawn(launch.command, launch.args, {
    env: { ...base, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(launch.cwd === undefined ? {} : { cwd: launch.cwd }),
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  const closed = once(child, 'close').then(() => undefined);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  // The 'listening' log line names the port the process bound (PORT=0 lets it choose a free one).
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => {
      reject(new Error(`the server did not listen within ${String(deadlineMs)} ms: ${stderr}`));
    }, deadlineMs);
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'listening' && typeof entry.port === 'number') {
          clearTimeout(timer);
          resolve(entry.port);
        }
      } catch {
        // not a log line
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${String(code ?? signal)}) before listening: ${stderr}`));
    });
  });
  const baseUrl = `http://127.0.0.1:${String(port)}`;
  await waitUntilReady(baseUrl, Date.now() + deadlineMs);
  return { child, baseUrl, exited, closed };
}

/** Polls GET /readyz until it answers 200, up to a deadline (it answers 503 while warming up). */
async function waitUntilReady(baseUrl: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const ready = await fetch(`${baseUrl}/readyz`).then(
      (res) => res.ok,
      () => false
    );
    if (ready) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${baseUrl} was not ready in time`);
}

export async function stopServer(server: ServerProcess | undefined): Promise<void> {
  if (server !== undefined && server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
}
