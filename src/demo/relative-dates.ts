/**
 * Relative dates in the demo data: `"-20d"` is the date 20 days before today, `"+5d"` five days after, `"0d"` today,
 * and a time may follow (`"-20dT08:30:00Z"`). The synthetic patients are written this way so that look-backs
 * ("vitamin B12 within 365 days") give the same answer whatever day the demo runs: the data never goes stale.
 */
// The sign is required (except for "0d"), so that an ordinary value such as a code "20d" is never taken for a date.
const RELATIVE = /^([+-]\d{1,5}|0)d(T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** True when `value` is a relative date of the demo data (a string such as "-20d"). */
export function isRelativeDate(value: string): boolean {
  return RELATIVE.test(value);
}

/** `today` (YYYY-MM-DD) moved by `days`, computed on the calendar (UTC arithmetic, no time-zone drift). */
export function shiftDate(today: string, days: number): string {
  const [year, month, day] = today.split('-').map(Number);
  if (year === undefined || month === undefined || day === undefined) {
    throw new Error(`'${today}' is not a date (YYYY-MM-DD)`);
  }
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** A deep copy of `value` with every relative date string replaced by the date it means on `today`. */
export function resolveRelativeDates<T>(value: T, today: string): T {
  return resolve(value, today) as T;
}

function resolve(value: unknown, today: string): unknown {
  if (typeof value === 'string') {
    const match = RELATIVE.exec(value);
    return match === null ? value : `${shiftDate(today, Number(match[1]))}${match[2] ?? ''}`;
  }
  if (Array.isArray(value)) {
    return value.map((item) => resolve(item, today));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolve(item, today)]));
  }
  return value;
}
