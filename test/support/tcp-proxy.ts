import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a real service (Redis, PostgreSQL): `stop` cuts every connection and stops
 * listening, as an outage would; `start` listens again on the same port, as a recovery would.
 */
export interface TcpProxy {
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function tcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = async (): Promise<void> => {
    const next = createServer((client) => {
      const upstream = connect(targetPort, targetHost);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', resolve);
    });
    port = (next.address() as { port: number }).port;
    server = next;
  };
  await listen();
  return {
    get port() {
      return port;
    },
    start: listen,
    async stop() {
      const current = server;
      server = undefined;
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise<void>((resolve) => {
        if (current === undefined) {
          resolve();
        } else {
          current.close(() => {
            resolve();
          });
        }
      });
    },
  };
}

/** Polls `probe` until it returns true or the deadline passes (no fixed sleeps: each probe is a real request). */
export async function eventually(probe: () => Promise<boolean>, deadlineMs = 20_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (await probe()) {
      return;
    }
    if (Date.now() > until) {
      throw new Error(`not reached within ${String(deadlineMs)} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
