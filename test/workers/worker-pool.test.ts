import { afterEach, describe, expect, test } from 'vitest';
import { WorkerPool, WorkerPoolError } from '../../src/workers/worker-pool.js';

const pools: WorkerPool[] = [];
function pool(size: number, onWorkerExit?: (code: number) => void): WorkerPool {
  const created = new WorkerPool({
    size,
    module: new URL('../support/test-worker.ts', import.meta.url),
    typescript: true,
    ...(onWorkerExit === undefined ? {} : { onWorkerExit }),
  });
  pools.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

interface Echo {
  readonly echo: unknown;
  readonly threadId: number;
}

describe('WorkerPool', () => {
  test('runs tasks in its workers and answers each with its own result', async () => {
    const workers = pool(2);
    await workers.ready();
    const results = await Promise.all([1, 2, 3, 4].map((n) => workers.run<Echo>({ echo: n })));
    expect(results.map((r) => r.echo)).toEqual([1, 2, 3, 4]);
    expect(new Set(results.map((r) => r.threadId)).size).toBe(2);
  });

  test('sends a task to an idle worker while another is busy', async () => {
    const workers = pool(2);
    await workers.ready();
    const flag = new SharedArrayBuffer(4);
    const held = workers.run<{ held: boolean; threadId: number }>({ hold: flag });
    expect(workers.load()).toEqual([1, 0]);
    // The busy worker cannot answer until released, so this answer can only come from the other one.
    const quick = await workers.run<Echo>({ echo: 'quick' });
    expect(quick.echo).toBe('quick');
    Atomics.store(new Int32Array(flag), 0, 1);
    Atomics.notify(new Int32Array(flag), 0);
    const slow = await held;
    expect(slow.threadId).not.toBe(quick.threadId);
    expect(workers.load()).toEqual([0, 0]);
  });

  test('hands over a body without a copy when it owns its memory', async () => {
    const workers = pool(1);
    const body = Buffer.alloc(64 * 1024, 7);
    const buffer = body.buffer;
    const result = await workers.run<{ length: number; first: number }>({ bytes: body }, [buffer]);
    expect(result).toEqual({ length: 64 * 1024, first: 7 });
    expect(buffer.byteLength).toBe(0); // transferred: detached here
  });

  test("a task's error rejects that task only", async () => {
    const workers = pool(1);
    await expect(workers.run({ fail: 'no such thing' })).rejects.toThrow(WorkerPoolError);
    await expect(workers.run<Echo>({ echo: 'after' })).resolves.toMatchObject({ echo: 'after' });
  });

  test('a worker that dies fails its own tasks and is replaced', async () => {
    const exits: number[] = [];
    const workers = pool(1, (code) => exits.push(code));
    await workers.ready();
    await expect(workers.run({ exit: 3 })).rejects.toThrow(/exit code 3/);
    expect(exits).toEqual([3]);
    await expect(workers.run<Echo>({ echo: 'replacement' })).resolves.toMatchObject({ echo: 'replacement' });
  });

  test('a closed pool refuses tasks', async () => {
    const workers = pool(1);
    await workers.close();
    await expect(workers.run({ echo: 1 })).rejects.toThrow(/closed/);
  });
});
