import { pino, type DestinationStream } from 'pino';

/**
 * Where the main thread's log lines go: standard output, written in batches.
 *
 * pino's own standard-output stream hands each line to libuv's thread pool as a write of its own: per line a
 * thread-pool hand-over, a write, and a completion woken back onto the main thread. At the production level every
 * request writes its access line, so that was paid per request (measured: ~45 us of CPU per service call,
 * docs/performance.md). Here lines are gathered and handed to that same stream together: once `batchBytes` are
 * waiting, `maxDelayMs` after the first line otherwise, and at once after a warning or an error, so that what goes
 * wrong is seen without delay, after the lines that led to it. A fatal line and the process's exit write everything
 * out synchronously (pino calls `flushSync` after a fatal line; the exit hook below), as pino's own stream does.
 */
export interface LogOutput extends DestinationStream {
  /** Hands every waiting line to the stream now; `done` once the stream has written it. */
  flush(done?: (error?: Error) => void): void;
  /** Writes every waiting line before it returns. */
  flushSync(): void;
}

/** What the batches are handed to (pino's SonicBoom for standard output). */
export interface LineSink {
  write(text: string): unknown;
  flush(done?: (error?: Error) => void): void;
  flushSync(): void;
}

export interface BatchOptions {
  readonly batchBytes: number;
  readonly maxDelayMs: number;
}

/** pino's warn level: this and above are written at once. */
const WARN = 40;

/** A batch of ~10 access lines, a line waiting at most a few hundredths of a second when the service is quiet. */
export const DEFAULT_BATCH: BatchOptions = { batchBytes: 4096, maxDelayMs: 25 };

/** Gathers pino's lines for `sink`. pino tells it each line's level through its metadata hook (`lastLevel`). */
export class BatchedOutput implements LogOutput {
  /** Asks pino to set `lastLevel` before each write (pino's documented metadata interface for destinations). */
  readonly [pino.symbols.needsMetadataGsym] = true;
  lastLevel = 0;
  private waiting: string[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sink: LineSink,
    private readonly options: BatchOptions = DEFAULT_BATCH
  ) {}

  write(line: string): void {
    this.waiting.push(line);
    // Characters, not bytes: log lines are ASCII but for the odd escaped name, and the threshold is approximate.
    this.bytes += line.length;
    if (this.lastLevel >= WARN || this.bytes >= this.options.batchBytes) {
      this.handOver();
    } else {
      // unref: a waiting line never keeps the process alive; the exit hook writes it.
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.handOver();
      }, this.options.maxDelayMs).unref();
    }
  }

  flush(done?: (error?: Error) => void): void {
    this.handOver();
    this.sink.flush(done);
  }

  flushSync(): void {
    this.handOver();
    this.sink.flushSync();
  }

  private handOver(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.waiting.length === 0) {
      return;
    }
    const text = this.waiting.length === 1 ? (this.waiting[0] as string) : this.waiting.join('');
    this.waiting = [];
    this.bytes = 0;
    this.sink.write(text);
  }
}

let shared: BatchedOutput | undefined;

/**
 * The thread's batched standard output, one for every logger of the thread (so their lines keep their order). Its
 * SonicBoom writes asynchronously, as pino's default does; pino flushes that stream at exit, and the hook here first
 * hands it what is still waiting.
 */
export function batchedStdout(): LogOutput {
  if (shared === undefined) {
    const output = new BatchedOutput(pino.destination({ dest: 1, sync: false }));
    process.on('exit', () => {
      output.flushSync();
    });
    shared = output;
  }
  return shared;
}
