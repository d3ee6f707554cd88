import type { CardShown } from './card-shown.js';
import type { FeedbackRecord } from './feedback-record.js';

/** Feedback for a card uuid this service never recorded as shown is counted under this rule id. */
export const UNKNOWN_RULE = 'unknown';

/** A time window: `since` inclusive, `until` exclusive; either may be open. */
export interface TimeWindow {
  readonly since?: Date;
  readonly until?: Date;
}

/** How many overridden cards gave one coded override reason. */
export interface ReasonTally {
  readonly system?: string;
  readonly code: string;
  /** One of the displays sent with this system and code (the smallest, so that every store picks the same). */
  readonly display?: string;
  readonly count: number;
}

/**
 * The counts of one rule in a window, as every store computes them (docs/feedback-and-metrics.md defines them):
 * - `cardsShown`: cards of the rule returned in the window (by the time the service returned them);
 * - each card with feedback in the window (by `outcomeTimestamp`) counts once, under its latest outcome there
 *   (ties: `accepted` first, then the smaller idempotency key), in `accepted` or `overridden`;
 * - `overrideReasons`: the coded reasons of those latest `overridden` feedbacks, each counted once per card;
 *   `overriddenWithoutReason`: latest `overridden` feedbacks without any coded reason.
 * Free-text `userComment`s are never counted or returned: they may hold patient data.
 */
export interface RuleTally {
  readonly ruleId: string;
  readonly cardsShown: number;
  readonly accepted: number;
  readonly overridden: number;
  readonly overriddenWithoutReason: number;
  readonly overrideReasons: readonly ReasonTally[];
}

interface MutableTally {
  cardsShown: number;
  accepted: number;
  overridden: number;
  overriddenWithoutReason: number;
  reasons: Map<string, { system?: string; code: string; display?: string; count: number }>;
}

/** The in-memory twin of the PostgreSQL tally query; the store contract tests hold the two to the same answers. */
export function tallyFeedback(
  records: Iterable<FeedbackRecord>,
  cards: ReadonlyMap<string, CardShown>,
  window: TimeWindow
): RuleTally[] {
  const since = window.since?.getTime() ?? -Infinity;
  const until = window.until?.getTime() ?? Infinity;
  const inWindow = (iso: string): boolean => {
    const t = Date.parse(iso);
    return t >= since && t < until;
  };
  const rules = new Map<string, MutableTally>();
  const tallyOf = (ruleId: string): MutableTally => {
    let tally = rules.get(ruleId);
    if (tally === undefined) {
      tally = { cardsShown: 0, accepted: 0, overridden: 0, overriddenWithoutReason: 0, reasons: new Map() };
      rules.set(ruleId, tally);
    }
    return tally;
  };

  for (const card of cards.values()) {
    if (inWindow(card.shownAt)) {
      tallyOf(card.ruleId).cardsShown += 1;
    }
  }
  const latest = new Map<string, FeedbackRecord>();
  for (const record of records) {
    if (!inWindow(record.outcomeTimestamp)) {
      continue;
    }
    const previous = latest.get(record.card);
    if (previous === undefined || supersedes(record, previous)) {
      latest.set(record.card, record);
    }
  }
  for (const record of latest.values()) {
    const tally = tallyOf(cards.get(record.card)?.ruleId ?? UNKNOWN_RULE);
    if (record.outcome === 'accepted') {
      tally.accepted += 1;
      continue;
    }
    tally.overridden += 1;
    const counted = new Set<string>();
    for (const reason of record.overrideReasons) {
      if (reason.code === undefined) {
        continue;
      }
      const key = JSON.stringify([reason.system ?? null, reason.code]);
      let entry = tally.reasons.get(key);
      if (entry === undefined) {
        entry = { ...(reason.system === undefined ? {} : { system: reason.system }), code: reason.code, count: 0 };
        tally.reasons.set(key, entry);
      }
      if (reason.display !== undefined && (entry.display === undefined || reason.display < entry.display)) {
        entry.display = reason.display;
      }
      if (!counted.has(key)) {
        counted.add(key);
        entry.count += 1;
      }
    }
    if (counted.size === 0) {
      tally.overriddenWithoutReason += 1;
    }
  }
  return [...rules].map(([ruleId, t]) => ({
    ruleId,
    cardsShown: t.cardsShown,
    accepted: t.accepted,
    overridden: t.overridden,
    overriddenWithoutReason: t.overriddenWithoutReason,
    overrideReasons: [...t.reasons.values()],
  }));
}

/** Whether `a` is a later word on its card than `b`: later outcomeTimestamp, then accepted, then smaller key. */
function supersedes(a: FeedbackRecord, b: FeedbackRecord): boolean {
  const ta = Date.parse(a.outcomeTimestamp);
  const tb = Date.parse(b.outcomeTimestamp);
  if (ta !== tb) {
    return ta > tb;
  }
  if (a.outcome !== b.outcome) {
    return a.outcome === 'accepted';
  }
  return a.key < b.key;
}
