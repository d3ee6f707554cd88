import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { defaultKnowledgeDir } from '../../src/config.js';
import { BatchedOutput, type LineSink } from '../../src/log-output.js';

/** A sink that records what it is handed and whether it was asked to write synchronously. */
function recordingSink(): LineSink & { readonly writes: string[]; syncFlushes: number } {
  const writes: string[] = [];
  return {
    writes,
    syncFlushes: 0,
    write(text: string) {
      writes.push(text);
    },
    flush(done) {
      done?.();
    },
    flushSync() {
      this.syncFlushes += 1;
    },
  };
}

const options = { batchBytes: 200, maxDelayMs: 25 };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('batched log output', () => {
  test('quiet service: lines wait at most maxDelayMs, then go out together and in order', () => {
    const sink = recordingSink();
    const output = new BatchedOutput(sink, options);
    output.write('{"a":1}\n');
    output.write('{"b":2}\n');
    vi.advanceTimersByTime(24);
    expect(sink.writes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sink.writes).toEqual(['{"a":1}\n{"b":2}\n']);
    // Nothing waiting: the next timer writes nothing.
    vi.advanceTimersByTime(100);
    expect(sink.writes).toHaveLength(1);
  });

  test('busy service: a full batch goes out at once, without waiting for the timer', () => {
    const sink = recordingSink();
    const output = new BatchedOutput(sink, options);
    const line = `${JSON.stringify({ msg: 'request', pad: 'x'.repeat(80) })}\n`;
    output.write(line);
    output.write(line);
    expect(sink.writes).toEqual([line + line]);
    output.write(line);
    expect(sink.writes).toHaveLength(1);
    vi.advanceTimersByTime(25);
    expect(sink.writes).toEqual([line + line, line]);
  });

  test('through pino: a warning or an error goes out at once, after the lines before it; info waits', () => {
    const sink = recordingSink();
    const logger = pino({ base: null, timestamp: false }, new BatchedOutput(sink, options));
    logger.info('first');
    expect(sink.writes).toEqual([]);
    logger.warn('something is off');
    expect(
      sink.writes
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { msg: string }).msg)
    ).toEqual(['first', 'something is off']);
    logger.info('after');
    expect(sink.writes).toHaveLength(1);
    logger.error('failed');
    expect(sink.writes).toHaveLength(2);
  });

  test('through pino: a fatal line is written synchronously, as pino does for its own stream', () => {
    const sink = recordingSink();
    const logger = pino({ base: null, timestamp: false }, new BatchedOutput(sink, options));
    logger.info('before');
    logger.fatal('cannot go on');
    expect(sink.writes.join('')).toContain('cannot go on');
    expect(sink.syncFlushes).toBe(1);
  });
});

describe('the default logger of a process', () => {
  test('a line logged just before process.exit reaches standard output', () => {
    vi.useRealTimers();
    const logger = join(defaultKnowledgeDir(), 'src', 'logger.ts');
    const script = `const { createLogger } = await import(${JSON.stringify(logger)});
      const log = createLogger('info');
      log.info('one'); log.info('two');
      process.exit(0);`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] },
      timeout: 30_000,
    });
    expect(run.status).toBe(0);
    const lines = run.stdout.split('\n').filter(Boolean);
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['one', 'two']);
  });
});
