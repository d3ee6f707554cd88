import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import type { CallResult } from '../../src/service-call/evaluate-call.js';
import type { ServiceCaller } from '../../src/service-call/service-caller.js';
import { captureLogs, type CapturedLogs } from '../support/log-capture.js';
import { expectOutcome, fixture, testService } from '../support/service.js';

/**
 * Load shedding: a caller that holds every evaluation until the test lets it go stands in for busy workers, so
 * the queue is full exactly when the test says, without timing. Requests go over real loopback connections.
 */
const PATH = '/cds-services/ctd-neuropathy-patient-view';

interface HeldCaller extends ServiceCaller {
  /** Calls that reached the caller (work started). */
  readonly started: () => number;
  releaseAll(): void;
}

function heldCaller(): HeldCaller {
  let started = 0;
  const waiting: (() => void)[] = [];
  const result: CallResult = { status: 200, body: '{"cards":[]}', headers: {}, facts: {}, events: [] };
  return {
    call() {
      started += 1;
      return new Promise((resolve) => {
        waiting.push(() => {
          resolve(result);
        });
      });
    },
    ready: () => Promise.resolve(),
    close: () => Promise.resolve(),
    started: () => started,
    releaseAll() {
      for (const release of waiting.splice(0)) {
        release();
      }
    },
  };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(env: Record<string, string>, caller: ServiceCaller, logs?: CapturedLogs): Promise<string> {
  const service = testService(env, { caller, ...(logs === undefined ? {} : { logger: logs.logger }) });
  await service.warm();
  const server = service.app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}${PATH}`;
}

const body = JSON.stringify(fixture('patient-view.no-relevant-data'));
const call = (url: string): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

/** Sends `n` calls and resolves once the caller has started all of them (they then wait, held). */
async function fill(url: string, caller: HeldCaller, n: number): Promise<Promise<Response>[]> {
  const before = caller.started();
  const held = Array.from({ length: n }, () => call(url));
  for (const deadline = Date.now() + 10_000; caller.started() < before + n;) {
    if (Date.now() > deadline) {
      throw new Error('the calls did not reach the caller');
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return held;
}

async function startedAtLeast(caller: HeldCaller, n: number): Promise<void> {
  for (const deadline = Date.now() + 10_000; caller.started() < n;) {
    if (Date.now() > deadline) {
      throw new Error(`${String(n)} calls did not reach the caller`);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('a bounded queue per worker (WORKER_QUEUE_LIMIT)', () => {
  test('beyond workers x (1 + limit) calls in flight: 503 at once, Retry-After, no work started', async () => {
    const caller = heldCaller();
    const logs = captureLogs();
    const url = await serve({ WORKERS: '2', WORKER_QUEUE_LIMIT: '1' }, caller, logs);
    const held = await fill(url, caller, 4); // 2 workers x (1 running + 1 waiting)

    const shed = await call(url);
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('1');
    const outcome = (await shed.json()) as { id: string; issue: { code: string }[] };
    expect(expectOutcome(outcome)).toMatch(/at capacity/);
    expect(outcome.id).toBe('overloaded');
    expect(outcome.issue[0]?.code).toBe('throttled');
    expect(caller.started()).toBe(4);

    caller.releaseAll();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    // Refusals are summed up in a line per interval (shed-log.test.ts), not logged one by one; admitted calls are.
    const requestLines = logs.lines().filter((l) => l['msg'] === 'request');
    expect(requestLines.map((l) => l['status'])).toEqual([200, 200, 200, 200]);
    // Places are given back: the next call is admitted.
    const next = call(url);
    await startedAtLeast(caller, 5);
    caller.releaseAll();
    expect((await next).status).toBe(200);
  });

  test('WORKERS=0 (main thread) is bounded too: it counts as one worker', async () => {
    const caller = heldCaller();
    const url = await serve({ WORKERS: '0', WORKER_QUEUE_LIMIT: '2' }, caller);
    const held = await fill(url, caller, 3);
    expect((await call(url)).status).toBe(503);
    caller.releaseAll();
    await Promise.all(held);
  });

  test('the default bound is 4 waiting per worker', async () => {
    const caller = heldCaller();
    const url = await serve({ WORKERS: '1' }, caller);
    const held = await fill(url, caller, 5);
    expect((await call(url)).status).toBe(503);
    caller.releaseAll();
    await Promise.all(held);
  });

  test('WORKER_QUEUE_LIMIT=off: no bound (the comparison baseline)', async () => {
    const caller = heldCaller();
    const url = await serve({ WORKERS: '1', WORKER_QUEUE_LIMIT: 'off' }, caller);
    const held = await fill(url, caller, 30);
    caller.releaseAll();
    expect((await Promise.all(held)).every((r) => r.status === 200)).toBe(true);
  });

  test('a call cut off by its client gives its place back', async () => {
    const caller = heldCaller();
    const url = await serve({ WORKERS: '1', WORKER_QUEUE_LIMIT: '0' }, caller);
    const controller = new AbortController();
    const aborted = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: controller.signal,
    }).catch(() => undefined);
    await startedAtLeast(caller, 1);
    controller.abort();
    await aborted;
    // The server sees the closed connection a moment after the client: retried (503) until a call is admitted.
    let admitted = false;
    for (const deadline = Date.now() + 10_000; !admitted && Date.now() < deadline;) {
      let status: number | undefined;
      void call(url).then((r) => {
        status = r.status;
      });
      while (status === undefined && caller.started() < 2) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      admitted = caller.started() >= 2;
    }
    expect(admitted).toBe(true);
    caller.releaseAll();
  });
});
