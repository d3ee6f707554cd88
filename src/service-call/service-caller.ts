import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { WorkerPool } from '../workers/worker-pool.js';
import { evaluateCall, type CallEnv, type CallResult, type CallTask } from './evaluate-call.js';

/** Where service calls are evaluated: on the main thread, or in a pool of worker threads (WORKERS). */
export interface ServiceCaller {
  call(task: CallTask): Promise<CallResult>;
  /** Resolves when the caller can take calls (workers loaded and warmed). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Evaluates on the calling thread: tests, tools, and WORKERS=0. */
export function inlineCaller(env: CallEnv): ServiceCaller {
  return {
    call: (task) => evaluateCall(task, env),
    ready: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

/** What a worker needs to build its own knowledge and pipeline: the configuration, which is plain data. */
export interface WorkerSetup {
  readonly config: Config;
}

/**
 * Evaluates in worker threads, each with its own copy of the knowledge, least busy first. The request body's
 * chunks are handed over without a copy when they own their memory (the chunks Node's HTTP parser gives do; a
 * slice of Node's shared buffer pool is copied).
 */
export function workerCaller(config: Config, logger: Logger): ServiceCaller {
  // From TypeScript sources (tests, `npm run dev`) the worker needs tsx's loader; compiled code runs as it is.
  const fromSource = import.meta.url.endsWith('.ts');
  const pool = new WorkerPool({
    size: config.workers,
    module: new URL(`../workers/evaluation-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url),
    typescript: fromSource,
    workerData: { config } satisfies WorkerSetup,
    resourceLimits: { maxOldGenerationSizeMb: config.workerHeapMb },
    onWorkerExit: (code, error) => {
      logger.error({ code, err: error }, 'an evaluation worker stopped; its requests failed and it was replaced');
    },
  });
  return {
    call(task) {
      return pool.run<CallResult>(task, transferable(task.body));
    },
    ready: () => pool.ready(),
    close: () => pool.close(),
  };
}

/** The memory of the chunks that own all of theirs, each once: what postMessage can move instead of copying. */
function transferable(chunks: readonly Uint8Array[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const chunk of chunks) {
    if (chunk.buffer instanceof ArrayBuffer && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength) {
      buffers.add(chunk.buffer);
    }
  }
  return [...buffers];
}
