import { fail } from './expression-error.js';

/**
 * The guardrails of one evaluation, as jsonata's `timeout` and `stack` options: a runaway expression (deep
 * recursion, a huge fan-out) stops with D1011 / D1012 instead of holding the thread. Evaluation is synchronous, so
 * one budget is current at a time; a nested evaluation (a native function evaluating another program) saves and
 * restores the outer one.
 */
export interface Budget {
  readonly deadline: number;
  readonly maxDepth: number;
  depth: number;
  ticks: number;
}

let current: Budget | undefined;

/** Reading the clock costs: it is read every this many steps. */
const TICKS_PER_CLOCK_READ = 1024;

export function runWithin<T>(timeoutMs: number, maxDepth: number, run: () => T): T {
  const outer = current;
  current = { deadline: Date.now() + timeoutMs, maxDepth, depth: 0, ticks: 0 };
  try {
    return run();
  } catch (error) {
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      // The JS stack ran out before the depth bound did (deeply nested data or expressions).
      fail('D1011', 'Stack overflow error: the expression nests too deeply');
    }
    throw error;
  } finally {
    current = outer;
  }
}

/** One step of work (an item of a path step, a function call): the clock is read now and then. */
export function tick(): void {
  if (current !== undefined && ++current.ticks % TICKS_PER_CLOCK_READ === 0 && Date.now() > current.deadline) {
    fail('D1012', 'Expression evaluation timeout: check for infinite loop');
  }
}

/** Enters a function call; `leave` must follow. */
export function enter(): void {
  tick();
  if (current !== undefined && ++current.depth > current.maxDepth) {
    fail('D1011', 'Stack overflow error: check for non-terminating recursive function');
  }
}

export function leave(): void {
  if (current !== undefined) {
    current.depth -= 1;
  }
}
