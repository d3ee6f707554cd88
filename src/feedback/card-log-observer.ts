import { silentObserver, type PipelineObserver } from '../call-service.js';
import type { FeedbackStore } from './feedback-store.js';

/**
 * Records every card the service returns in the feedback store, so the analytics can count cards shown per rule
 * and resolve the rule of a card that feedback names. Only ids, the indicator and the time: no patient data.
 */
export function cardLogObserver(
  store: Pick<FeedbackStore, 'recordCardShown'>,
  now: () => Date = () => new Date()
): PipelineObserver {
  return {
    ...silentObserver,
    card(serviceId, ruleId, indicator, cardUuid, tenant) {
      // A card without a uuid cannot receive feedback (spec "Feedback"); ours always have one.
      if (cardUuid !== '') {
        store.recordCardShown({
          cardUuid,
          ruleId,
          serviceId,
          indicator,
          shownAt: now().toISOString(),
          ...(tenant === undefined ? {} : { tenant }),
        });
      }
    },
  };
}
