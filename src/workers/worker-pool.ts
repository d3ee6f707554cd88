import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * A fixed pool of worker threads running one module, with least-busy dispatch.
 *
 * Why: JSON parsing and JSONata evaluation are synchronous CPU work (timers and I/O never run during an
 * evaluation), so on one thread a 10,000-resource request delays every request behind it by its whole duration.
 * With the evaluation in workers, the main thread only moves bytes, and a small request goes to an idle worker. A
 * worker that dies (out of memory on a pathological body, say) fails its own requests only, and is replaced.
 */
export interface WorkerPoolOptions {
  readonly size: number;
  /** The worker module (compiled JS in production; tests may point at any module speaking the protocol below). */
  readonly module: URL;
  readonly workerData?: unknown;
  /**
   * Load a TypeScript module through tsx (a dev dependency): for tests and `npm run dev`, which run the sources.
   * Node does not apply `--import tsx` to worker threads, so the worker registers tsx itself before importing.
   */
  readonly typescript?: boolean;
  readonly resourceLimits?: ResourceLimits;
  /** Told when a worker exits unexpectedly (it is replaced). */
  readonly onWorkerExit?: (code: number, error: Error | undefined) => void;
}

/** Protocol: the pool posts `{ id, task }`; the worker answers `{ id, result }` or `{ id, error }` (a message). */
interface Reply {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  /** Tasks sent to this slot's current worker and not answered yet. */
  readonly pending: Map<number, Pending>;
}

export class WorkerPoolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerPoolError';
  }
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: WorkerPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new RangeError(`worker pool size must be a positive integer, not ${String(options.size)}`);
    }
    for (let i = 0; i < options.size; i++) {
      const slot = { pending: new Map<number, Pending>() } as Slot;
      this.start(slot);
      this.slots.push(slot);
    }
  }

  /** Resolves once every worker has started and said it is ready (it loads its knowledge first). */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.ready));
  }

  /** Tasks in flight per worker (for tests and metrics). */
  load(): number[] {
    return this.slots.map((slot) => slot.pending.size);
  }

  /** Runs a task on the least busy worker. `transfer` lists ArrayBuffers handed over without a copy. */
  run<T>(task: unknown, transfer: readonly ArrayBuffer[] = []): Promise<T> {
    if (this.closed) {
      return Promise.reject(new WorkerPoolError('the worker pool is closed'));
    }
    const slot = this.leastBusy();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      slot.worker.postMessage({ id, task }, [...transfer]);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private leastBusy(): Slot {
    let best = this.slots[0] as Slot;
    for (const slot of this.slots) {
      if (slot.pending.size < best.pending.size) {
        best = slot;
      }
    }
    return best;
  }

  /** Starts a worker in `slot`; when it exits unexpectedly, its tasks fail and a new worker takes the slot. */
  private start(slot: Slot): void {
    const options = {
      workerData: this.options.workerData,
      ...(this.options.resourceLimits === undefined ? {} : { resourceLimits: this.options.resourceLimits }),
    };
    const worker =
      this.options.typescript === true
        ? new Worker(
            `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(this.options.module.href)}); })`,
            { ...options, eval: true }
          )
        : new Worker(this.options.module, options);
    let failure: Error | undefined;
    let started = false;
    slot.worker = worker;
    slot.ready = new Promise<void>((resolve, reject) => {
      worker.once('message', (message: unknown) => {
        if (message !== 'ready') {
          reject(new WorkerPoolError(`worker did not start: ${JSON.stringify(message)}`));
          return;
        }
        started = true;
        resolve();
        worker.on('message', (reply: Reply) => {
          const task = slot.pending.get(reply.id);
          if (task === undefined) {
            return;
          }
          slot.pending.delete(reply.id);
          if (reply.error === undefined) {
            task.resolve(reply.result);
          } else {
            task.reject(new WorkerPoolError(reply.error));
          }
        });
      });
      worker.once('error', (error) => {
        failure = error;
        reject(error);
      });
      worker.once('exit', (code) => {
        reject(new WorkerPoolError(`worker exited with code ${String(code)} before it was ready`));
      });
    });
    // Nobody may be awaiting `ready` when a worker fails; an unhandled rejection would end the process.
    slot.ready.catch(() => undefined);
    worker.once('exit', (code) => {
      for (const task of slot.pending.values()) {
        task.reject(new WorkerPoolError(`the worker stopped (exit code ${String(code)}) during the evaluation`));
      }
      slot.pending.clear();
      // A worker that never became ready (it could not load) is not restarted: that would loop; ready() rejects.
      if (!this.closed && started) {
        this.options.onWorkerExit?.(code, failure);
        this.start(slot);
      }
    });
  }
}
