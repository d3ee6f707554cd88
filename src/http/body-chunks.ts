import type { IncomingMessage } from 'node:http';

/**
 * A request body as the chunks it arrived in (each 64 KB at most over a socket). A service call's body stays in
 * chunks on the main thread: they are handed to a worker thread without a copy and joined there, where the body is
 * parsed (src/service-call/service-caller.ts, src/service-call/evaluate-call.ts).
 */
export type BodyChunks = readonly Buffer[];

export function isBodyChunks(value: unknown): value is BodyChunks {
  return Array.isArray(value) && value.every((chunk) => Buffer.isBuffer(chunk));
}

/** Failures named by body-parser's `type`s, which the error handler (src/http/error-handler.ts) maps to a 400. */
class BodyReadError extends Error {
  readonly status = 400;
  constructor(
    message: string,
    readonly type: 'request.aborted' | 'request.size.invalid'
  ) {
    super(message);
    this.name = 'BodyReadError';
  }
}

/**
 * Reads a body of known length (its Content-Length) without joining its chunks, which at 12.5 MB cost the main
 * thread ~6 ms in one uninterrupted copy (measured), and without staying on one connection: libuv reads up to 32
 * chunks (2 MB) from a socket per turn of the event loop, so after each chunk that is not the last the request is
 * paused until the loop has turned once. A small call that arrives meanwhile, or whose answer comes back from its
 * worker, waits for one chunk instead of 2 MB and a copy (docs/performance.md, "Fairness").
 */
export function readBodyChunks(
  req: IncomingMessage,
  length: number,
  done: (error: Error | undefined, chunks: BodyChunks) => void
): void {
  const chunks: Buffer[] = [];
  let received = 0;
  let settled = false;
  // The listeners stay attached once settled (an 'error' without a listener would end the process): ignored then.
  const settle = (error: Error | undefined): void => {
    if (!settled) {
      settled = true;
      done(error, chunks);
    }
  };
  req.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    received += chunk.length;
    if (received < length) {
      req.pause();
      setImmediate(() => {
        req.resume();
      });
    }
  });
  req.on('end', () => {
    // Node's HTTP parser ends the body at Content-Length bytes; a shorter body closes the connection instead.
    settle(
      received === length
        ? undefined
        : new BodyReadError('request size did not match content length', 'request.size.invalid')
    );
  });
  // Destroyed or closed before its end: the connection went away, and nobody will read the answer. 'close' also comes
  // after every complete request: no error is made then (an Error captures a stack trace, measurable per call).
  const aborted = (): void => {
    if (!settled) {
      settle(new BodyReadError('request aborted', 'request.aborted'));
    }
  };
  req.on('error', aborted);
  req.on('close', aborted);
}
