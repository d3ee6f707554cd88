import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { createClient } from 'redis';
import type { Dependency } from '../dependency.js';
import { ReplayStoreUnavailable, type ReplayStore } from './replay-store.js';

const PREFIX = 'ctd-neuropathy-cds:jti:';
/** A call waits at most this long for Redis; the request is then refused (503), not held open. */
const COMMAND_TIMEOUT_MS = 1000;

/**
 * `jti` store shared by every instance of the service (REDIS_URL): a token replayed against another instance is
 * refused too. One `SET key NX PXAT` per call: atomic, and Redis drops the entry when the token could no longer be
 * accepted anyway. Commands fail fast while Redis is unreachable (no offline queue) and the verifier fails closed.
 */
export class RedisReplayStore implements ReplayStore {
  private readonly client;
  private readonly connected: Promise<unknown>;

  constructor(url: string, logger: Logger) {
    this.client = createClient({
      url,
      disableOfflineQueue: true,
      socket: { connectTimeout: 2000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5000) },
    });
    // Without a listener an 'error' event would crash the process; reconnecting is the client's job. Every failed
    // reconnect emits one, so the log says when the connection is lost and when it is back, not every attempt.
    let lost = false;
    this.client.on('error', (error: unknown) => {
      if (!lost) {
        lost = true;
        logger.warn({ reason: reasonOf(error) }, 'redis (jti store) connection lost; reconnecting');
      }
    });
    this.client.on('ready', () => {
      if (lost) {
        lost = false;
        logger.info('redis (jti store) connection back');
      }
    });
    this.connected = this.client.connect();
    // Until connected, claim() fails fast; ready() is how start-up waits for the connection.
    this.connected.catch(() => undefined);
  }

  readonly dependency: Dependency = {
    name: 'Redis replay store (REDIS_URL)',
    check: async () => {
      await this.client.withAbortSignal(AbortSignal.timeout(COMMAND_TIMEOUT_MS)).ping();
    },
  };

  async ready(): Promise<void> {
    await this.connected;
  }

  async claim(key: string, expiresAtMs: number): Promise<boolean> {
    // Hashed: iss and jti are client-chosen strings; the key stays short and free of odd characters.
    const hashed = createHash('sha256').update(key).digest('base64url');
    try {
      const reply = await this.client
        .withAbortSignal(AbortSignal.timeout(COMMAND_TIMEOUT_MS))
        .set(`${PREFIX}${hashed}`, '1', {
          condition: 'NX',
          expiration: { type: 'PXAT', value: Math.ceil(expiresAtMs) },
        });
      return reply === 'OK';
    } catch (error) {
      throw new ReplayStoreUnavailable('redis did not answer', { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.client.isOpen) {
      await this.client.close();
    }
  }
}

/** An error code or name for the log: the client's messages can repeat the URL, and REDIS_URL may hold a password. */
function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown';
}
