export interface BatchBufferOptions {
  /** Longest an item waits before it is written. */
  readonly maxDelayMs: number;
  /** A batch this large is written at once. */
  readonly maxBatch: number;
  /** Most items kept for a retry after a failed write; older failures beyond it are dropped. */
  readonly maxPending: number;
  /** A write failed; `dropped` items were given up (the rest wait for the next write). */
  readonly onError: (error: unknown, dropped: number) => void;
}

/**
 * Collects items and writes them in batches, off the request path: used for the cards-shown log, where one write
 * (and one fsync or one INSERT) per second is cheap and one per card would slow every CDS call. The price is that a
 * crash loses what was still buffered (at most `maxDelayMs` of cards shown), unless something that depends on an item
 * being stored asks for it first (`flushWhere`).
 */
export class BatchBuffer<T> {
  private items: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** The batch being written at the moment: still pending until its write resolves. */
  private inFlight: readonly T[] = [];

  constructor(
    private readonly write: (items: readonly T[]) => Promise<void>,
    private readonly options: BatchBufferOptions
  ) {}

  add(item: T): void {
    this.items.push(item);
    if (this.items.length >= this.options.maxBatch) {
      void this.flush();
    } else {
      this.schedule();
    }
  }

  /** Writes everything added so far; never rejects (failures go to `onError`). */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.writing = this.writing.then(() => this.writeOut());
    return this.writing;
  }

  /**
   * Writes the buffer now if an item that `matches` is waiting (queued or being written), and resolves to whether
   * every such item is stored afterwards (false: its write failed and it waits for a retry).
   */
  async flushWhere(matches: (item: T) => boolean): Promise<boolean> {
    if (!this.items.some(matches) && !this.inFlight.some(matches)) {
      return true;
    }
    await this.flush();
    return !this.items.some(matches);
  }

  private schedule(): void {
    if (this.timer === undefined && this.items.length > 0) {
      // unref: a pending batch never keeps the process alive; close() flushes it on shutdown.
      this.timer = setTimeout(() => void this.flush(), this.options.maxDelayMs).unref();
    }
  }

  private async writeOut(): Promise<void> {
    while (this.items.length > 0) {
      const batch = this.items.splice(0, this.options.maxBatch);
      this.inFlight = batch;
      try {
        await this.write(batch);
        this.inFlight = [];
      } catch (error) {
        this.inFlight = [];
        const room = Math.max(0, this.options.maxPending - this.items.length);
        const kept = batch.slice(batch.length - Math.min(room, batch.length));
        this.items.unshift(...kept);
        this.options.onError(error, batch.length - kept.length);
        this.schedule();
        return;
      }
    }
  }
}
