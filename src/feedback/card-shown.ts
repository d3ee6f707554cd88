import type { Indicator } from '../cds-hooks/types.js';

/**
 * One card the service returned, as the feedback analytics need it: which rule, which service, how urgent, when.
 * Deliberately without patient, encounter or user identifiers: counting cards shown must not store patient data.
 */
export interface CardShown {
  /** `card.uuid`, which feedback names (spec "Feedback": `card`). */
  readonly cardUuid: string;
  /** The rule that produced the card (`source.topic.code`). */
  readonly ruleId: string;
  readonly serviceId: string;
  readonly indicator: Indicator;
  /** ISO 8601 instant the card was returned. */
  readonly shownAt: string;
  /** The CDS Client's `tenant` (JWT claim), once client authentication supplies one. */
  readonly tenant?: string;
}

const indicators: readonly string[] = ['info', 'warning', 'critical'];

/** Checks an entry read back from storage, so that a damaged line is skipped rather than trusted. */
export function isCardShown(value: unknown): value is CardShown {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return (
    typeof v['cardUuid'] === 'string' &&
    typeof v['ruleId'] === 'string' &&
    typeof v['serviceId'] === 'string' &&
    typeof v['indicator'] === 'string' &&
    indicators.includes(v['indicator']) &&
    typeof v['shownAt'] === 'string' &&
    !Number.isNaN(Date.parse(v['shownAt'])) &&
    (v['tenant'] === undefined || typeof v['tenant'] === 'string')
  );
}
