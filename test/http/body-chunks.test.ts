import { request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, test } from 'vitest';
import type { CallResult, CallTask } from '../../src/service-call/evaluate-call.js';
import type { ServiceCaller } from '../../src/service-call/service-caller.js';
import { captureLogs } from '../support/log-capture.js';
import { fixture, testService } from '../support/service.js';

/**
 * A service call's body is read in the chunks it arrives in and handed over as they are (src/http/body-chunks.ts):
 * over real loopback connections, since chunks are what a socket gives.
 */
const PATH = '/cds-services/ctd-neuropathy-patient-view';

/** A caller that keeps each task's chunks and answers no cards. */
function recordingCaller(): ServiceCaller & { readonly tasks: CallTask[] } {
  const tasks: CallTask[] = [];
  const result: CallResult = { status: 200, body: '{"cards":[]}', headers: {}, facts: {}, events: [] };
  return {
    tasks,
    call(task) {
      tasks.push(task);
      return Promise.resolve(result);
    },
    ready: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(service: ReturnType<typeof testService>): Promise<{ server: Server; port: number }> {
  await service.warm();
  const server = service.app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** POSTs `body` with the given headers (Content-Length only when given); resolves with status and text. */
function post(
  port: number,
  headers: Record<string, string>,
  parts: readonly Buffer[]
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    // One Host for every server here: the cards' links are built from it.
    const options = { host: '127.0.0.1', port, path: PATH, method: 'POST', headers: { host: '127.0.0.1', ...headers } };
    const req = httpRequest(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    for (const part of parts) {
      req.write(part);
    }
    req.end();
  });
}

const compact = Buffer.from(JSON.stringify(fixture('patient-view.pan-mononeuritis-foot-drop')));
// Whitespace is JSON too: the same request, ~300 KB, so several 64 KB socket reads.
const padded = Buffer.from(
  JSON.stringify(fixture('patient-view.pan-mononeuritis-foot-drop'), null, 2) + ' '.repeat(300_000)
);
const json = (body: Buffer): Record<string, string> => ({
  'content-type': 'application/json',
  'content-length': String(body.length),
});

describe('service-call bodies in chunks', () => {
  test('a body of many chunks is answered as the same body in one', async () => {
    // Each service its own: the same sequential card ids, so the answers compare whole.
    const one = await serve(testService());
    const many = await serve(testService());
    const a = await post(one.port, json(compact), [compact]);
    const b = await post(many.port, json(padded), [padded]);
    expect(a.status).toBe(200);
    expect((JSON.parse(a.text) as { cards: unknown[] }).cards.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });

  test('the evaluation is given the chunks as they came, whole and in order', async () => {
    const caller = recordingCaller();
    const { port } = await serve(testService({}, { caller }));
    expect((await post(port, json(padded), [padded])).status).toBe(200);
    const chunks = caller.tasks[0]?.body ?? [];
    expect(chunks.length).toBeGreaterThan(1);
    expect(Buffer.concat(chunks).equals(padded)).toBe(true);
  });

  test('a chunked or gzip-encoded body goes through body-parser and arrives as one chunk', async () => {
    const caller = recordingCaller();
    const { port } = await serve(testService({}, { caller }));
    // No Content-Length: Node sends Transfer-Encoding: chunked.
    const half = compact.length >> 1;
    const chunked = await post(port, { 'content-type': 'application/json' }, [
      compact.subarray(0, half),
      compact.subarray(half),
    ]);
    const gzipped = gzipSync(padded);
    const inflated = await post(port, { ...json(gzipped), 'content-encoding': 'gzip' }, [gzipped]);
    expect([chunked.status, inflated.status]).toEqual([200, 200]);
    expect(caller.tasks.map((task) => task.body.length)).toEqual([1, 1]);
    expect(Buffer.concat(caller.tasks[0]?.body ?? []).equals(compact)).toBe(true);
    expect(Buffer.concat(caller.tasks[1]?.body ?? []).equals(padded)).toBe(true);
  });

  test('a client gone mid-body: nothing is evaluated and no failure is logged', async () => {
    const caller = recordingCaller();
    const logs = captureLogs();
    const { server, port } = await serve(testService({}, { caller, logger: logs.logger }));
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => {
      server.once('request', (_req, res) => {
        res.once('close', resolve);
        // The client goes away once the server has its request, with a third of the body sent.
        socket.destroy();
      });
    });
    socket.write(
      `POST ${PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${String(padded.length)}\r\n\r\n`
    );
    socket.write(padded.subarray(0, 100_000));
    await closed;
    // The request's own 'close' and the error handler run in the same turn as the response's 'close'.
    await new Promise((resolve) => setImmediate(resolve));
    expect(caller.tasks).toEqual([]);
    expect(logs.lines().filter((line) => Number(line['level']) >= 50)).toEqual([]);
  });
});
