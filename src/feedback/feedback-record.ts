import { createHash } from 'node:crypto';
import type { FeedbackItem, OverrideReason } from '../cds-hooks/types.js';

/**
 * Feedback as stored: the spec's item (section "Feedback") normalised so that equal feedback compares equal.
 * Epic's variants are folded in: `overrideReasons` (plural, one object or a list) joins `overrideReason`.
 * No patient data is in feedback (card and suggestion uuids, coded reasons, a clinician's comment).
 */
export interface FeedbackRecord {
  /** Idempotency key: the same feedback posted twice is stored once. */
  readonly key: string;
  readonly serviceId: string;
  readonly card: string;
  readonly outcome: 'accepted' | 'overridden';
  readonly acceptedSuggestions: readonly string[];
  readonly overrideReasons: readonly { system?: string; code?: string; display?: string; userComment?: string }[];
  readonly outcomeTimestamp: string;
}

export function toFeedbackRecord(serviceId: string, item: FeedbackItem): FeedbackRecord {
  const plural: readonly OverrideReason[] =
    item.overrideReasons === undefined
      ? []
      : isReasonList(item.overrideReasons)
        ? item.overrideReasons
        : [item.overrideReasons];
  const reasons: OverrideReason[] = [...(item.overrideReason === undefined ? [] : [item.overrideReason]), ...plural];
  const overrideReasons = reasons.map((r) => ({
    ...(r.reason?.system === undefined ? {} : { system: r.reason.system }),
    ...(r.reason?.code === undefined ? {} : { code: r.reason.code }),
    ...(r.reason?.display === undefined ? {} : { display: r.reason.display }),
    ...(r.userComment === undefined ? {} : { userComment: r.userComment }),
  }));
  const acceptedSuggestions = [...new Set((item.acceptedSuggestions ?? []).map((s) => s.id))].sort();
  const body = {
    serviceId,
    card: item.card,
    outcome: item.outcome,
    acceptedSuggestions,
    overrideReasons,
    outcomeTimestamp: new Date(item.outcomeTimestamp).toISOString(),
  };
  const key = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  return { key, ...body };
}

function isReasonList(value: OverrideReason | readonly OverrideReason[]): value is readonly OverrideReason[] {
  return Array.isArray(value);
}

/** Checks a record read back from storage, so that a damaged line is skipped rather than trusted. */
export function isFeedbackRecord(value: unknown): value is FeedbackRecord {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  const strings = (list: unknown): boolean => Array.isArray(list) && list.every((s) => typeof s === 'string');
  return (
    typeof v['key'] === 'string' &&
    typeof v['serviceId'] === 'string' &&
    typeof v['card'] === 'string' &&
    (v['outcome'] === 'accepted' || v['outcome'] === 'overridden') &&
    strings(v['acceptedSuggestions']) &&
    Array.isArray(v['overrideReasons']) &&
    v['overrideReasons'].every(
      (r: unknown) =>
        typeof r === 'object' &&
        r !== null &&
        Object.values(r as Record<string, unknown>).every((field) => typeof field === 'string')
    ) &&
    typeof v['outcomeTimestamp'] === 'string' &&
    !Number.isNaN(Date.parse(v['outcomeTimestamp']))
  );
}
