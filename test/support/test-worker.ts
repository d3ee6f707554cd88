/**
 * A worker for the WorkerPool tests, speaking the pool's protocol: `{ id, task }` in, `{ id, result }` or
 * `{ id, error }` out. Tasks: echo a value, fail, exit the thread, or hold until the test releases a shared flag
 * (so that a test can keep a worker busy without timing anything).
 */
import { parentPort, threadId } from 'node:worker_threads';

type Task =
  | { readonly echo: unknown }
  | { readonly fail: string }
  | { readonly exit: number }
  | { readonly hold: SharedArrayBuffer }
  | { readonly bytes: Uint8Array };

const port = parentPort;
if (port === null) {
  throw new Error('worker only');
}
port.on('message', ({ id, task }: { id: number; task: Task }) => {
  if ('echo' in task) {
    port.postMessage({ id, result: { echo: task.echo, threadId } });
  } else if ('fail' in task) {
    port.postMessage({ id, error: task.fail });
  } else if ('exit' in task) {
    process.exit(task.exit);
  } else if ('hold' in task) {
    const flag = new Int32Array(task.hold);
    Atomics.wait(flag, 0, 0);
    port.postMessage({ id, result: { held: true, threadId } });
  } else {
    port.postMessage({ id, result: { length: task.bytes.byteLength, first: task.bytes[0] } });
  }
});
port.postMessage('ready');
