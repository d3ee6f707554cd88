/**
 * Progress of a cohort run on stderr (when it is a terminal, or with `--progress`): while grouping an export, files
 * and bytes read; while evaluating, patients done, the rate, and an estimate of the time left. On a terminal the line
 * is rewritten in place; otherwise each report is a line of its own. At most one report a second, but always
 * the first of each phase (once it has a rate) and a final line, so that a run of any length says what it did.
 */
export interface ProgressOptions {
  /** Rewrite one line (a terminal) instead of printing lines. */
  readonly tty: boolean;
  readonly now?: () => number;
  readonly intervalMs?: number;
}

export interface Progress {
  reading(filesDone: number, files: number, bytesRead: number, bytes: number): void;
  /** `expected`: the patients to expect, when known (an estimate: done may pass it). */
  evaluated(done: number, expected: number | undefined): void;
  finished(done: number): void;
}

export const noProgress: Progress = {
  reading: () => undefined,
  evaluated: () => undefined,
  finished: () => undefined,
};

export function progressOn(write: (text: string) => void, options: ProgressOptions): Progress {
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 1000;
  let phase: 'reading' | 'evaluating' | undefined;
  let started = 0;
  let last = 0;
  let printed = false;
  const begin = (next: typeof phase): void => {
    if (phase !== next) {
      phase = next;
      started = now();
      printed = false;
    }
  };
  const say = (line: string): void => {
    const t = now();
    if (printed && t - last < interval) {
      return;
    }
    printed = true;
    last = t;
    write(options.tty ? `\r\x1b[K${line}` : `${line}\n`);
  };
  return {
    reading(filesDone, files, bytesRead, bytes) {
      begin('reading');
      const percent = bytes === 0 ? 100 : (bytesRead / bytes) * 100;
      say(`cohort: grouping by patient: ${String(filesDone)} of ${String(files)} file(s), ${percent.toFixed(0)}% read`);
    },
    evaluated(done, expected) {
      begin('evaluating');
      if (done === 0) {
        return;
      }
      const rate = done / Math.max((now() - started) / 1000, 1e-3);
      const total = expected === undefined ? undefined : Math.max(expected, done);
      const of = total === undefined ? '' : ` of ${count(total)} (${((done / total) * 100).toFixed(1)}%)`;
      const left = total === undefined ? '' : `, about ${clock((total - done) / rate)} left`;
      say(`cohort: ${count(done)}${of} patients, ${count(Math.round(rate))} patients/s${left}`);
    },
    finished(done) {
      const seconds = phase === 'evaluating' ? (now() - started) / 1000 : 0;
      const rate = seconds > 0 ? `, ${count(Math.round(done / seconds))} patients/s` : '';
      write(`${options.tty ? '\r\x1b[K' : ''}cohort: ${count(done)} patients evaluated in ${clock(seconds)}${rate}\n`);
    },
  };
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Seconds as m:ss or h:mm:ss. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number): string => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${String(h)}:${pad(m)}:${pad(s % 60)}` : `${String(m)}:${pad(s % 60)}`;
}
