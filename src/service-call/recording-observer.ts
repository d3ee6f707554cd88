import type { Indicator } from '../cds-hooks/types.js';
import type { PipelineObserver, Stage } from '../call-service.js';

/** What a pipeline observer is told, as data: an evaluation in a worker thread sends these back to the main thread. */
export type PipelineEvent =
  | { readonly kind: 'stage'; readonly service: string; readonly stage: Stage; readonly seconds: number }
  | { readonly kind: 'fetch'; readonly outcome: string }
  | {
      readonly kind: 'card';
      readonly service: string;
      readonly ruleId: string;
      readonly indicator: Indicator;
      readonly cardUuid: string;
    }
  | { readonly kind: 'ruleFailed'; readonly service: string; readonly ruleId: string; readonly code: string };

/** An observer that writes down what it is told (a rule failure as its error code only: no patient data). */
export function recordingObserver(events: PipelineEvent[]): PipelineObserver {
  return {
    stage: (service, stage, seconds) => events.push({ kind: 'stage', service, stage, seconds }),
    fetch: (outcome) => events.push({ kind: 'fetch', outcome }),
    card: (service, ruleId, indicator, cardUuid) => events.push({ kind: 'card', service, ruleId, indicator, cardUuid }),
    ruleFailed: (service, ruleId, error) =>
      events.push({ kind: 'ruleFailed', service, ruleId, code: errorCode(error) }),
  };
}

/** Tells `observer` what was written down, in order; cards with the tenant of the client that asked. */
export function replay(events: readonly PipelineEvent[], observer: PipelineObserver, tenant?: string): void {
  for (const event of events) {
    switch (event.kind) {
      case 'stage':
        observer.stage(event.service, event.stage, event.seconds);
        break;
      case 'fetch':
        observer.fetch(event.outcome);
        break;
      case 'card':
        observer.card(event.service, event.ruleId, event.indicator, event.cardUuid, tenant);
        break;
      case 'ruleFailed':
        observer.ruleFailed(event.service, event.ruleId, { code: event.code });
        break;
    }
  }
}

/** The stable code of a rule failure (a JSONata or MappingError code), never its message. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'unexpected';
}
