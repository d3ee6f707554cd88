import type { FhirResource } from 'fhir/r4';
import { renderCards } from './cards/render-cards.js';
import type { CdsRequest, CdsResponse, Indicator, OrderSelectContext, OrderSignContext } from './cds-hooks/types.js';
import { CdsError } from './errors.js';
import type { FhirReaderFactory } from './fhir/fhir-reader.js';
import { gather } from './gather/gather.js';
import { assertDraftOrdersMatch } from './gather/patient-consistency.js';
import type { Knowledge, LoadedService } from './knowledge/load-knowledge.js';
import { dailyDose } from './mapping/daily-dose.js';
import type { DecisionModel } from './mapping/decision-model.js';
import { mapDecisionModel } from './mapping/map-decision-model.js';
import { prepareInput } from './mapping/prepare-input.js';
import { decide } from './rules/decide.js';

/** Pipeline stages as timed for metrics; `validate` is timed by the HTTP route, the others here. */
export type Stage = 'validate' | 'gather' | 'map' | 'decide' | 'render';

/** Watches the pipeline for metrics; never sees patient data (rule ids and timings only). */
export interface PipelineObserver {
  stage(service: string, stage: Stage, seconds: number): void;
  fetch(outcome: string): void;
  /** `tenant`: the CDS Client's organisation (JWT claim), when the client sent one; known at the HTTP edge only. */
  card(service: string, ruleId: string, indicator: Indicator, cardUuid: string, tenant?: string): void;
  /** A rule's condition failed and the rule was skipped (its error may quote patient data: log its code only). */
  ruleFailed(service: string, ruleId: string, error: unknown): void;
}

export const silentObserver: PipelineObserver = {
  stage: () => undefined,
  fetch: () => undefined,
  card: () => undefined,
  ruleFailed: () => undefined,
};

/** One observer that tells each of `observers` everything, in order (metrics, the cards-shown log). */
export function combineObservers(...observers: readonly PipelineObserver[]): PipelineObserver {
  return {
    stage(service, stage, seconds) {
      for (const o of observers) {
        o.stage(service, stage, seconds);
      }
    },
    fetch(outcome) {
      for (const o of observers) {
        o.fetch(outcome);
      }
    },
    card(service, ruleId, indicator, cardUuid, tenant) {
      for (const o of observers) {
        o.card(service, ruleId, indicator, cardUuid, tenant);
      }
    },
    ruleFailed(service, ruleId, error) {
      for (const o of observers) {
        o.ruleFailed(service, ruleId, error);
      }
    },
  };
}

export interface Clock {
  /** Today's date (YYYY-MM-DD) in the service's time zone (the TZ environment variable). */
  today(): string;
}

export const systemClock: Clock = {
  today() {
    const now = new Date();
    const pad = (n: number): string => String(n).padStart(2, '0');
    return `${String(now.getFullYear())}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  },
};

export interface PipelineDeps {
  readonly knowledge: Knowledge;
  readonly readerFor: FhirReaderFactory;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly fetchDeadlineMs: number;
  readonly fetchPageLimit: number;
  readonly observer: PipelineObserver;
}

/** Result of one evaluation; `model` is kept for tools (CLI, tests), never logged. */
export interface Evaluation {
  readonly response: CdsResponse;
  readonly model: DecisionModel;
}

/**
 * The use case "Calling a CDS Service" (spec section of that name), free of HTTP: the request is already valid
 * against the schemas; this checks the cross-field rules, gathers data, maps, decides and renders.
 */
export async function callService(
  service: LoadedService,
  request: CdsRequest,
  deps: PipelineDeps,
  publicBaseUrl: string
): Promise<Evaluation> {
  const hook = service.definition.hook;
  const orders = hook === 'patient-view' ? undefined : (request.context as OrderSignContext);
  if (orders !== undefined) {
    assertDraftOrdersMatch(orders);
    if (hook === 'order-select') {
      assertSelectionsInDraftOrders(request.context as OrderSelectContext);
    }
  }
  const today = deps.clock.today();
  const timed = async <T>(stage: Stage, work: () => Promise<T> | T): Promise<T> => {
    const start = performance.now();
    try {
      return await work();
    } finally {
      deps.observer.stage(service.definition.id, stage, (performance.now() - start) / 1000);
    }
  };

  const gathered = await timed('gather', () =>
    gather(request, service.prefetch, {
      readerFor: deps.readerFor,
      today,
      deadlineMs: deps.fetchDeadlineMs,
      pageLimit: deps.fetchPageLimit,
      onFetch: (outcome) => {
        deps.observer.fetch(outcome);
      },
    })
  );

  const model = await timed('map', () => {
    const input = prepareInput(flatten(gathered.byKey.values()), deps.knowledge.codeIndex, {
      today,
      patientId: request.context.patientId,
      hook,
      shapes: deps.knowledge.shapes,
      unavailable: gathered.unavailable,
      ...(orders === undefined ? {} : { draftOrders: orders.draftOrders }),
      ...(hook === 'order-select' ? { selections: (request.context as OrderSelectContext).selections } : {}),
      doseOf: dailyDose,
    });
    return mapDecisionModel(input, deps.knowledge.mapping, { lookbacks: deps.knowledge.site.lookbacks });
  });

  const outcomes = await timed('decide', () =>
    decide(
      model,
      service.rules,
      {
        disabled: deps.knowledge.site.disabledRules,
        values: deps.knowledge.site.ruleValues,
        lookbacks: deps.knowledge.site.lookbacks,
      },
      { common: deps.knowledge.ruleCommon, precedence: deps.knowledge.precedence },
      (ruleId, error) => {
        deps.observer.ruleFailed(service.definition.id, ruleId, error);
      },
      // Conflicting cards the conditions let through (a knowledge bug): the dropped rule is reported like a failure.
      (dropped) => {
        deps.observer.ruleFailed(service.definition.id, dropped, { code: 'PRECEDENCE_CONFLICT' });
      }
    )
  );

  const cards = await timed('render', () =>
    renderCards(outcomes, {
      model,
      ...(request.context.encounterId === undefined ? {} : { encounterId: request.context.encounterId }),
      userId: request.context.userId,
      orderables: deps.knowledge.orderables,
      orderSets: deps.knowledge.orderSets,
      publicBaseUrl,
      newId: deps.newId,
    })
  );
  for (const card of cards) {
    deps.observer.card(service.definition.id, card.source.topic?.code ?? 'unknown', card.indicator, card.uuid ?? '');
  }
  return { response: { cards }, model };
}

function* flatten(groups: Iterable<readonly FhirResource[]>): Generator<FhirResource> {
  for (const group of groups) {
    yield* group;
  }
}

/** order-select: `selections` name resources in `draftOrders` (hook definition, Context table). */
function assertSelectionsInDraftOrders(context: OrderSelectContext): void {
  const drafted = new Set(
    (context.draftOrders.entry ?? []).map((e) =>
      e.resource === undefined ? '' : `${e.resource.resourceType}/${e.resource.id ?? ''}`
    )
  );
  context.selections.forEach((selection, i) => {
    if (!drafted.has(selection)) {
      throw new CdsError('invalid-request', [
        {
          message: `context.selections[${String(i)}] (${selection}) is not an order in context.draftOrders`,
          expression: [`context.selections[${String(i)}]`],
        },
      ]);
    }
  });
}
