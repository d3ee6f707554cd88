import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, test } from 'vitest';
import { defaultKnowledgeDir } from '../../src/config.js';
import { fixture } from '../support/service.js';
import { trustedClientsFile } from '../support/client-jwt.js';
import { listenOnLoopback } from '../support/loopback.js';

/**
 * The real entry point (src/server.ts) as a child process: signals, timeouts and start-up refusals are properties
 * of the process, not of the app. Every wait is on an event (a log line, a socket event, the exit), never a sleep.
 */
const root = defaultKnowledgeDir();
const SERVER = join(root, 'src', 'server.ts');

/** The child's environment: ours minus anything that would change its configuration. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: process.env['HOME'] };
  return { ...env, NODE_ENV: 'development', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...extra };
}

interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly port: number;
  /** Resolves with the first log line (from now on or already seen) whose msg matches. */
  line(msg: RegExp): Promise<Record<string, unknown>>;
  readonly exited: Promise<number | null>;
}

let running: Running | undefined;
afterEach(() => {
  if (running !== undefined && running.child.exitCode === null) {
    running.child.kill('SIGKILL');
  }
  running = undefined;
});

async function startServer(extra: Record<string, string> = {}): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], { cwd: root, env: childEnv(extra) });
  const seen: Record<string, unknown>[] = [];
  const waiting: { msg: RegExp; resolve: (line: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>;
    seen.push(line);
    for (const w of waiting.filter((x) => x.msg.test(String(line['msg'])))) {
      w.resolve(line);
    }
  });
  const line = (msg: RegExp): Promise<Record<string, unknown>> => {
    const found = seen.find((l) => msg.test(String(l['msg'])));
    return found !== undefined ? Promise.resolve(found) : new Promise((resolve) => waiting.push({ msg, resolve }));
  };
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const listening = await line(/^listening$/);
  running = { child, port: listening['port'] as number, line, exited };
  return running;
}

describe('graceful shutdown on SIGTERM', () => {
  test('a request in flight is answered, new connections are refused, and the process exits 0', async () => {
    // A long keep-alive: the exit must not wait for the answered connection to time out (the test would).
    const server = await startServer({ KEEP_ALIVE_TIMEOUT_MS: '60000' });
    const body = Buffer.from(JSON.stringify(fixture('patient-view.ctd-neuropathy-active-nitrofurantoin')));
    const req = httpRequest({
      host: '127.0.0.1',
      port: server.port,
      method: 'POST',
      path: '/cds-services/ctd-neuropathy-patient-view',
      headers: { 'Content-Type': 'application/json', 'Content-Length': body.length, Expect: '100-continue' },
    });
    const response = once(req, 'response') as Promise<[IncomingMessage]>;
    req.flushHeaders();
    // "100 Continue" means the server has parsed the headers: the request is in flight.
    await once(req, 'continue');

    server.child.kill('SIGTERM');
    await server.line(/^shutting down/);

    const refused = connect(server.port, '127.0.0.1');
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    // Not served either way: refused, or (seen once on a loaded machine) reset by the closing listener.
    expect(['ECONNREFUSED', 'ECONNRESET']).toContain(error.code);

    req.end(body);
    const [res] = await response;
    const chunks: Buffer[] = [];
    for await (const chunk of res) {
      chunks.push(chunk as Buffer);
    }
    expect(res.statusCode).toBe(200);
    expect((JSON.parse(Buffer.concat(chunks).toString()) as { cards: unknown[] }).cards.length).toBeGreaterThan(0);
    expect(await server.exited).toBe(0);
  });

  test('SIGTERM with nothing in flight: a prompt, clean exit', async () => {
    const server = await startServer();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});

describe('server timeouts', () => {
  test('a client that never finishes its headers is answered 408 and cut off (HEADERS_TIMEOUT_MS)', async () => {
    const server = await startServer({ HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '2000' });
    const socket = connect(server.port, '127.0.0.1');
    await once(socket, 'connect');
    const started = performance.now();
    socket.write('POST /cds-services/ctd-neuropathy-patient-view HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    let received = '';
    socket.on('data', (data: Buffer) => {
      received += data.toString();
    });
    await once(socket, 'close');
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('start-up refuses an unsafe configuration, saying why', () => {
  const run = (env: Record<string, string>): { status: number | null; stderr: string } => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', SERVER], {
      cwd: root,
      env: childEnv(env),
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { status: result.status, stderr: result.stderr };
  };

  // Asynchronous: the test's own process must keep serving the port the child finds taken.
  const runAsync = async (env: Record<string, string>): Promise<{ status: number | null; stderr: string }> => {
    const child = spawn(process.execPath, ['--import', 'tsx', SERVER], { cwd: root, env: childEnv(env) });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const [status] = (await once(child, 'close')) as [number | null];
    return { status, stderr };
  };

  test('production without trusted clients', () => {
    const { status, stderr } = run({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://cds.example.org' });
    expect(status).toBe(2);
    expect(stderr).toMatch(/^Cannot start: Configuration TRUSTED_CLIENTS: is required/m);
  });

  test('production trusting the public CDS Hooks Sandbox', () => {
    const sandbox = join(root, 'config', 'trusted-clients', 'sandbox.json');
    const { status, stderr } = run({
      NODE_ENV: 'production',
      PUBLIC_BASE_URL: 'https://cds.example.org',
      TRUSTED_CLIENTS: sandbox,
    });
    expect(status).toBe(2);
    expect(stderr).toContain(`Cannot start: ${sandbox} at $.clients[0].testingOnly:`);
  });

  test('a trusted-clients file with a symmetric key', () => {
    const file = trustedClientsFile({
      clients: [{ iss: 'https://ehr.example.org', description: 'EHR', jwks: { keys: [{ kty: 'oct', kid: 'k' }] } }],
    });
    const { status, stderr } = run({
      AUTH_MODE: 'required',
      PUBLIC_BASE_URL: 'https://cds.example.org',
      TRUSTED_CLIENTS: file,
    });
    expect(status).toBe(2);
    expect(stderr).toContain(`Cannot start: ${file} at $.clients[0].jwks.keys[0].kty: 'oct' is a symmetric key`);
  });

  test('an unknown NODE_ENV (taken for development, it would switch authentication off)', () => {
    const { status, stderr } = run({ NODE_ENV: 'prod' });
    expect(status).toBe(2);
    expect(stderr).toMatch(/^Cannot start: Configuration NODE_ENV: 'prod' is not production, development or test$/m);
  });

  test('a port already in use, named with its address', async () => {
    const taken = await listenOnLoopback(() => undefined);
    try {
      const { status, stderr } = await runAsync({ PORT: String(taken.port) });
      expect(status).toBe(2);
      expect(stderr).toBe(
        `Cannot start: Configuration PORT: cannot listen on 127.0.0.1:${String(taken.port)}: the address is already in use (EADDRINUSE)\n`
      );
    } finally {
      await taken.close();
    }
  });

  test('a HOST that is not an address of this machine (192.0.2.1, TEST-NET-1)', () => {
    const { status, stderr } = run({ HOST: '192.0.2.1' });
    expect(status).toBe(2);
    expect(stderr).toMatch(
      /^Cannot start: Configuration HOST: cannot listen on 192\.0\.2\.1:0: not an address of this machine/m
    );
  });

  test('a HOST with a port in it', () => {
    const { status, stderr } = run({ HOST: '127.0.0.1:3000' });
    expect(status).toBe(2);
    expect(stderr).toMatch(
      /^Cannot start: Configuration HOST: '127\.0\.0\.1:3000' is not an IP address or a host name/m
    );
  });
});
