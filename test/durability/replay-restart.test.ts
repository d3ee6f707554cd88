import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { authEnv, clientJwt, clientKey, EHR_ISS, jwks, trustedClientsFile } from '../support/client-jwt.js';
import { startServer, stopServer, type ServerProcess } from '../support/server-process.js';

/**
 * Replay across a restart, in the default embedded configuration (no REDIS_URL, no DATABASE_URL): a client JWT
 * accepted by the server process is refused by the next process on the same FEEDBACK_DIR, after a SIGKILL (no
 * shutdown hook) as after a graceful stop.
 */
const running: ServerProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) {
    await stopServer(server);
  }
  for (const dir of dirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('a client JWT accepted before a restart', () => {
  test.each(['SIGKILL', 'SIGTERM'] as const)(
    'is refused as a replay after it (%s)',
    async (signal) => {
      const key = await clientKey('ES384', 'ehr');
      const file = trustedClientsFile({ clients: [{ iss: EHR_ISS, description: 'EHR', jwks: jwks(key) }] });
      const dir = mkdtempSync(join(tmpdir(), 'replay-restart-'));
      dirs.push(dir);
      // REDIS_URL emptied: the test run's own may be set, and the point is the embedded configuration.
      const env = authEnv(file, { FEEDBACK_DIR: join(dir, 'store'), REDIS_URL: '' });
      const token = await clientJwt(key, { path: '/cds-services', iat: Math.floor(Date.now() / 1000) });
      const discover = (server: ServerProcess): Promise<Response> =>
        fetch(`${server.baseUrl}/cds-services`, { headers: { Authorization: `Bearer ${token}` } });

      const first = await startServer(env);
      running.push(first);
      expect((await discover(first)).status).toBe(200);
      expect((await discover(first)).status).toBe(401);
      first.child.kill(signal);
      await first.exited;

      const second = await startServer(env);
      running.push(second);
      expect((await discover(second)).status).toBe(401);
      // A fresh token is accepted: it is the replay that is refused, not the client.
      const fresh = await clientJwt(key, { path: '/cds-services', iat: Math.floor(Date.now() / 1000) });
      const ok = await fetch(`${second.baseUrl}/cds-services`, { headers: { Authorization: `Bearer ${fresh}` } });
      expect(ok.status).toBe(200);
    },
    60_000
  );
});
