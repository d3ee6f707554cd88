import { Router } from 'express';
import { badRequest } from '../errors.js';
import { feedbackAnalytics } from '../feedback/feedback-analytics.js';
import type { FeedbackStore } from '../feedback/feedback-store.js';
import type { TimeWindow } from '../feedback/feedback-tally.js';
import { facts } from './cds-routes.js';
import { methodNotAllowed } from './error-handler.js';

/**
 * GET /analytics/feedback: per rule, cards shown, accepted, overridden, override reasons, rates
 * (docs/feedback-and-metrics.md). Protected like the CDS endpoints, by the client JWT (app.ts PROTECTED_PATHS): a
 * dashboard is registered as a trusted client.
 */
export function analyticsRoutes(feedbackStore: FeedbackStore): Router {
  const router = Router();
  router.get('/analytics/feedback', async (req, res) => {
    facts(res).endpoint = 'analytics';
    const window = timeWindow(req.query);
    const tallies = await feedbackStore.tally(window);
    res.set('Cache-Control', 'no-store').json(feedbackAnalytics(tallies, window));
  });
  router.all('/analytics/feedback', methodNotAllowed('GET'));
  return router;
}

const PARAMETERS = new Set(['since', 'until']);

/** `since` (inclusive) and `until` (exclusive): an RFC 3339 date-time, or a date meaning its start in UTC. */
function timeWindow(query: Record<string, unknown>): TimeWindow {
  for (const name of Object.keys(query)) {
    if (!PARAMETERS.has(name)) {
      throw badRequest(`'${name}' is not a parameter here; use since and until`, name);
    }
  }
  const since = instant(query, 'since');
  const until = instant(query, 'until');
  if (since !== undefined && until !== undefined && since.getTime() >= until.getTime()) {
    throw badRequest('since must be before until', 'since');
  }
  return { ...(since === undefined ? {} : { since }), ...(until === undefined ? {} : { until }) };
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2})))?$/;

function instant(query: Record<string, unknown>, name: string): Date | undefined {
  const raw = query[name];
  if (raw === undefined) {
    return undefined;
  }
  if (typeof raw !== 'string') {
    throw badRequest(`${name} must be given once, as a date or date-time`, name);
  }
  const match = DATE_TIME.exec(raw);
  // Date.parse alone would take 2026-02-30 as 2 March; the fields are checked first.
  const field = (i: number): number => Number(match?.[i] ?? 0);
  const valid =
    match !== null &&
    field(2) >= 1 &&
    field(2) <= 12 &&
    field(3) >= 1 &&
    field(3) <= daysInMonth(field(1), field(2)) &&
    field(4) <= 23 &&
    field(5) <= 59 &&
    field(6) <= 59 &&
    field(7) <= 23 &&
    field(8) <= 59;
  const time = valid ? Date.parse(match[4] === undefined ? `${raw}T00:00:00Z` : raw) : NaN;
  if (Number.isNaN(time)) {
    throw badRequest(`${name} is not a date (2026-06-01) or an RFC 3339 date-time (2026-06-01T10:00:00Z)`, name);
  }
  return new Date(time);
}

function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last of this one; setUTCFullYear keeps years below 100 as they are.
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}
