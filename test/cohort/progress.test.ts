import { describe, expect, test } from 'vitest';
import { clock, progressOn } from '../../src/cohort/progress.js';

describe('cohort progress', () => {
  const recorder = (
    tty: boolean
  ): { lines: string[]; at: (ms: number) => void; progress: ReturnType<typeof progressOn> } => {
    const lines: string[] = [];
    let now = 0;
    const progress = progressOn((text) => lines.push(text), { tty, now: () => now, intervalMs: 1000 });
    return { lines, at: (ms) => (now = ms), progress };
  };

  test('at most one report a second, the first of each phase always, the rate and the time left', () => {
    const { lines, at, progress } = recorder(false);
    progress.reading(0, 2, 0, 100);
    at(500);
    progress.reading(1, 2, 50, 100); // within the second: not shown
    at(2000);
    progress.evaluated(0, 1000); // the evaluation starts: nothing to say yet
    at(4000);
    progress.evaluated(100, 1000); // 100 in 2 s: 50/s, 900 left: 18 s
    at(4500);
    progress.evaluated(120, 1000);
    at(6000);
    progress.evaluated(1100, 1000); // more than expected: the estimate gives way
    progress.finished(1100);
    expect(lines).toEqual([
      'cohort: grouping by patient: 0 of 2 file(s), 0% read\n',
      'cohort: 100 of 1,000 (10.0%) patients, 50 patients/s, about 0:18 left\n',
      'cohort: 1,100 of 1,100 (100.0%) patients, 275 patients/s, about 0:00 left\n',
      'cohort: 1,100 patients evaluated in 0:04, 275 patients/s\n',
    ]);
  });

  test('on a terminal the line is rewritten in place; without an expected total there is no estimate', () => {
    const { lines, at, progress } = recorder(true);
    progress.evaluated(0, undefined);
    at(1000);
    progress.evaluated(10, undefined);
    expect(lines).toEqual(['\r\x1b[Kcohort: 10 patients, 10 patients/s']);
  });

  test.each([
    [0, '0:00'],
    [59.4, '0:59'],
    [61, '1:01'],
    [3725, '1:02:05'],
  ])('%f s is %s', (seconds, text) => {
    expect(clock(seconds)).toBe(text);
  });
});
