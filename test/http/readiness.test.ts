import { renameSync } from 'node:fs';
import request from 'supertest';
import { afterEach, describe, expect, test } from 'vitest';
import type { ComposedService } from '../../src/compose.js';
import { FileFeedbackStore } from '../../src/feedback/file-feedback-store.js';
import { PostgresFeedbackStore } from '../../src/feedback/postgres-feedback-store.js';
import { authEnv, clientKey, EHR_ISS, jwks, trustedClientsFile } from '../support/client-jwt.js';
import { DATABASE_URL, fileStoreKind, postgresStoreKind, type StoreKind } from '../support/feedback-stores.js';
import { captureLogs, type CapturedLogs } from '../support/log-capture.js';
import { eventually, tcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { expectOutcome, testService } from '../support/service.js';

/**
 * /readyz tells the truth about the stores outside the process: 503 naming the one that cannot be reached, 200 once
 * it is back. Outages are real: a TCP proxy on 127.0.0.1 in front of the real Redis / PostgreSQL is stopped and
 * started again, and the file store's directory is moved away and back. Probes poll with a deadline.
 */
const REDIS_URL = process.env['REDIS_URL'];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

const status = async (service: ComposedService): Promise<number> => (await request(service.app).get('/readyz')).status;

/** Takes the dependency down, checks the 503 and its log, brings it back, checks the 200 and its log. */
async function outageAndRecovery(
  service: ComposedService,
  logs: CapturedLogs,
  name: RegExp,
  down: () => Promise<void> | void,
  up: () => Promise<void> | void
): Promise<void> {
  await service.warm();
  expect(await status(service)).toBe(200);

  await down();
  await eventually(async () => (await status(service)) === 503);
  const refused = await request(service.app).get('/readyz').expect(503);
  expect(expectOutcome(refused.body)).toMatch(name);
  // Several probes during the outage: one warn line for the change, no error, no stack.
  for (let i = 0; i < 3; i++) {
    expect(await status(service)).toBe(503);
  }
  const notReady = logs.lines().filter((l) => String(l['msg']).startsWith('not ready'));
  expect(notReady).toHaveLength(1);
  expect(notReady[0]?.['level']).toBe(40);
  expect(String(notReady[0]?.['msg'])).toMatch(name);
  expect(logs.lines().filter((l) => Number(l['level']) >= 50)).toEqual([]);
  expect(logs.text()).not.toContain('"stack"');

  await up();
  await eventually(async () => (await status(service)) === 200);
  expect(logs.lines().filter((l) => l['msg'] === 'ready again: every dependency answers')).toHaveLength(1);
  expect(logs.lines().filter((l) => String(l['msg']).startsWith('not ready'))).toHaveLength(1);
}

async function proxyTo(url: string): Promise<{ proxy: TcpProxy; url: string }> {
  const target = new URL(url);
  const proxy = await tcpProxy(target.hostname, Number(target.port));
  cleanups.push(() => proxy.stop());
  target.host = `127.0.0.1:${String(proxy.port)}`;
  return { proxy, url: target.href };
}

describe('/readyz and the stores outside the process', () => {
  test.runIf(REDIS_URL !== undefined)('Redis (the jti replay store) down: 503 naming it; back: 200', async () => {
    const { proxy, url } = await proxyTo(REDIS_URL ?? '');
    const key = await clientKey('ES384', 'k');
    const file = trustedClientsFile({ clients: [{ iss: EHR_ISS, description: 'EHR', jwks: jwks(key) }] });
    const logs = captureLogs();
    const service = testService(authEnv(file, { REDIS_URL: url }), { logger: logs.logger });
    cleanups.push(() => service.close());
    await outageAndRecovery(
      service,
      logs,
      /Redis replay store/,
      () => proxy.stop(),
      () => proxy.start()
    );
  });

  test.runIf(DATABASE_URL !== undefined)('PostgreSQL (the feedback store) down: 503 naming it; back: 200', async () => {
    const kind: StoreKind = postgresStoreKind();
    cleanups.push(() => kind.dispose());
    const { proxy, url } = await proxyTo(DATABASE_URL ?? '');
    const store = await PostgresFeedbackStore.open({
      connectionString: url,
      schema: kind.env['DATABASE_SCHEMA'] ?? '',
    });
    const logs = captureLogs();
    const service = testService({}, { logger: logs.logger, feedbackStore: store });
    cleanups.push(() => service.close());
    await outageAndRecovery(
      service,
      logs,
      /PostgreSQL feedback store/,
      () => proxy.stop(),
      () => proxy.start()
    );
  });

  test('the file store directory gone: 503 naming it; back: 200', async () => {
    const kind = fileStoreKind();
    cleanups.push(() => kind.dispose());
    const dir = kind.env['FEEDBACK_DIR'] ?? '';
    const store = await FileFeedbackStore.open(dir);
    const logs = captureLogs();
    const service = testService({}, { logger: logs.logger, feedbackStore: store });
    cleanups.push(() => service.close());
    await outageAndRecovery(
      service,
      logs,
      /file feedback store/,
      () => {
        renameSync(dir, `${dir}-away`);
      },
      () => {
        renameSync(`${dir}-away`, dir);
      }
    );
  });
});
