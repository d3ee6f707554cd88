import type { ReasonTally, RuleTally, TimeWindow } from './feedback-tally.js';

export interface Rates {
  readonly cardsShown: number;
  readonly accepted: number;
  readonly overridden: number;
  readonly overriddenWithoutReason: number;
  /** accepted / (accepted + overridden): of the cards clinicians acted on, the share accepted; null when none. */
  readonly acceptanceRate: number | null;
  /** (accepted + overridden) / cardsShown: the share of cards shown that got feedback; null when none shown. */
  readonly feedbackRate: number | null;
  readonly overrideReasons: readonly ReasonTally[];
}

export interface RuleAnalytics extends Rates {
  readonly ruleId: string;
}

/** GET /analytics/feedback (docs/feedback-and-metrics.md). */
export interface FeedbackAnalytics {
  readonly window: { readonly since: string | null; readonly until: string | null };
  readonly rules: readonly RuleAnalytics[];
  readonly totals: Rates;
}

/** Turns the stores' counts into the report: rates, rules sorted by id, reasons by count. */
export function feedbackAnalytics(tallies: readonly RuleTally[], window: TimeWindow): FeedbackAnalytics {
  const rules = [...tallies]
    .sort((a, b) => compare(a.ruleId, b.ruleId))
    .map((t) => ({ ruleId: t.ruleId, ...rates(t, mergeReasons([t.overrideReasons])) }));
  const sum = (field: 'cardsShown' | 'accepted' | 'overridden' | 'overriddenWithoutReason'): number =>
    tallies.reduce((n, t) => n + t[field], 0);
  const totals = rates(
    {
      cardsShown: sum('cardsShown'),
      accepted: sum('accepted'),
      overridden: sum('overridden'),
      overriddenWithoutReason: sum('overriddenWithoutReason'),
    },
    mergeReasons(tallies.map((t) => t.overrideReasons))
  );
  return {
    window: { since: window.since?.toISOString() ?? null, until: window.until?.toISOString() ?? null },
    rules,
    totals,
  };
}

function rates(
  counts: Pick<RuleTally, 'cardsShown' | 'accepted' | 'overridden' | 'overriddenWithoutReason'>,
  overrideReasons: readonly ReasonTally[]
): Rates {
  const actedOn = counts.accepted + counts.overridden;
  return {
    cardsShown: counts.cardsShown,
    accepted: counts.accepted,
    overridden: counts.overridden,
    overriddenWithoutReason: counts.overriddenWithoutReason,
    acceptanceRate: ratio(counts.accepted, actedOn),
    feedbackRate: ratio(actedOn, counts.cardsShown),
    overrideReasons,
  };
}

/** Four decimals: enough for a rate, and the same JSON whichever store computed it. */
function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}

/** Adds up reasons with the same system and code (keeping the smallest display), most frequent first. */
function mergeReasons(lists: readonly (readonly ReasonTally[])[]): ReasonTally[] {
  const merged = new Map<string, { system?: string; code: string; display?: string; count: number }>();
  for (const reason of lists.flat()) {
    const key = JSON.stringify([reason.system ?? null, reason.code]);
    const entry = merged.get(key);
    if (entry === undefined) {
      merged.set(key, { ...reason });
      continue;
    }
    entry.count += reason.count;
    if (reason.display !== undefined && (entry.display === undefined || reason.display < entry.display)) {
      entry.display = reason.display;
    }
  }
  return [...merged.values()]
    .map(({ system, code, display, count }) => ({
      ...(system === undefined ? {} : { system }),
      code,
      ...(display === undefined ? {} : { display }),
      count,
    }))
    .sort((a, b) => b.count - a.count || compare(a.system ?? '', b.system ?? '') || compare(a.code, b.code));
}

/** Code-unit order, the same on every machine (localeCompare is not). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
