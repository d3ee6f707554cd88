import type { Card } from '../../src/cds-hooks/types.js';

interface BundleLike {
  resourceType: 'Bundle';
  type?: string;
  entry?: { resource?: Record<string, unknown> }[];
}

export interface Accepted {
  /** The request as the EHR would send it after the clinician accepted the suggestions. */
  readonly body: Record<string, unknown>;
  /** Labels of the suggestions accepted. */
  readonly accepted: readonly string[];
  /** type/id of the draft orders the accepted suggestions deleted. */
  readonly removed: readonly string[];
}

/**
 * Plays the EHR's part after a clinician accepts every suggestion (only the first of an `at-most-one` card): deleted
 * drafts leave `draftOrders` (and `selections`); created resources become new draft orders on the order hooks, and
 * open orders in the `orders` prefetch on patient-view (the chart is opened again after they were signed). When an
 * order-select request is left with no selection, the next call is order-sign.
 */
export function acceptSuggestions(original: Record<string, unknown>, cards: readonly Card[]): Accepted {
  const body = structuredClone(original) as {
    hook: string;
    context: { draftOrders?: BundleLike; selections?: string[] };
    prefetch?: Record<string, BundleLike | null>;
  };
  const accepted: string[] = [];
  const removed: string[] = [];
  let n = 0;
  for (const card of cards) {
    const suggestions = card.suggestions ?? [];
    for (const suggestion of card.selectionBehavior === 'at-most-one' ? suggestions.slice(0, 1) : suggestions) {
      accepted.push(suggestion.label);
      for (const action of suggestion.actions ?? []) {
        if (action.type === 'delete') {
          removed.push(action.resourceId);
          const drafts = body.context.draftOrders;
          if (drafts !== undefined) {
            drafts.entry = (drafts.entry ?? []).filter(
              (e) => `${String(e.resource?.['resourceType'])}/${String(e.resource?.['id'])}` !== action.resourceId
            );
          }
          if (body.context.selections !== undefined) {
            body.context.selections = body.context.selections.filter((s) => s !== action.resourceId);
          }
        } else {
          const id = `accepted-${String(++n)}`;
          if (body.hook === 'patient-view') {
            const orders = (body.prefetch ??= {})['orders'] ?? { resourceType: 'Bundle', type: 'searchset', entry: [] };
            (orders.entry ??= []).push({ resource: { ...action.resource, id, status: 'active' } });
            body.prefetch['orders'] = orders;
          } else {
            const drafts = (body.context.draftOrders ??= { resourceType: 'Bundle', type: 'collection', entry: [] });
            (drafts.entry ??= []).push({ resource: { ...action.resource, id } });
          }
        }
      }
    }
  }
  if (body.hook === 'order-select' && body.context.selections?.length === 0) {
    // Nothing selected any more: the EHR's next call is order-sign of the drafts that remain.
    body.hook = 'order-sign';
    delete body.context.selections;
  }
  return { body, accepted, removed };
}
