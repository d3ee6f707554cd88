import { describe, expect, test } from 'vitest';
import { shedLog } from '../../src/http/shed-log.js';
import { captureLogs, type CapturedLogs } from '../support/log-capture.js';

/** The summary lines of load shedding; waits poll the captured log with a deadline, never a fixed sleep. */
async function summaries(logs: CapturedLogs, n: number): Promise<Record<string, unknown>[]> {
  const of = (): Record<string, unknown>[] => logs.lines().filter((l) => l['shed'] !== undefined);
  for (const deadline = Date.now() + 5_000; of().length < n;) {
    if (Date.now() > deadline) {
      throw new Error(`${String(n)} summary line(s) did not come`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return of();
}

describe('the load-shedding log', () => {
  test('one warn line per interval with the count, none while nothing is shed', async () => {
    const logs = captureLogs();
    const log = shedLog(logs.logger, 20);
    log.count();
    log.count();
    log.count();
    expect(logs.lines()).toEqual([]); // nothing per refusal
    const [first] = await summaries(logs, 1);
    expect(first).toMatchObject({ level: 40, shed: 3, seconds: 0.02 });
    expect(first?.['stack']).toBeUndefined();

    log.count();
    log.count();
    const lines = await summaries(logs, 2);
    expect(lines.map((l) => l['shed'])).toEqual([3, 2]);
    expect(logs.lines()).toHaveLength(2);
  });
});
