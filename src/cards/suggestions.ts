import type { Action, Suggestion } from '../cds-hooks/types.js';
import type { DecisionModel } from '../mapping/decision-model.js';
import type { SuggestionRequest } from '../rules/rule.js';
import type { OrderSet } from './order-sets.js';
import { serviceRequestFor, type OrderContext, type Orderable } from './orderables.js';

export interface SuggestionContext {
  readonly model: DecisionModel;
  readonly encounterId?: string;
  readonly userId?: string;
  readonly orderables: ReadonlyMap<string, Orderable>;
  readonly orderSets: readonly OrderSet[];
  readonly newId: () => string;
}

export interface BuiltSuggestions {
  readonly suggestions: Suggestion[];
  readonly alreadyOrdered: string[];
  readonly offeredElsewhere: string[];
}

/**
 * A card's suggestion requests as CDS Hooks suggestions (spec "Suggestion", "Action"). An order is suggested once
 * per response (`offered` spans the cards), never when it is already ordered or drafted; orders of one order set
 * pending on the same card become one suggestion with several create actions, so that a card keeps a handful of
 * buttons.
 */
export function buildSuggestions(
  requests: readonly SuggestionRequest[],
  evidenceRefs: readonly string[],
  context: SuggestionContext,
  offered: Set<string>
): BuiltSuggestions {
  const { model } = context;
  // Never suggest what is already ordered (open orders) or drafted in this session: an accepted suggestion must
  // not trigger its own card again (alert loops seen in the CDC opioid CDS pilots).
  const existing = new Set<string>([
    ...model.orders.map((o) => o.concept),
    ...model.draftOrders.flatMap((d) => d.concepts),
  ]);
  const built: BuiltSuggestions = { suggestions: [], alreadyOrdered: [], offeredElsewhere: [] };
  const orderContext: OrderContext = {
    patientId: model.patientId,
    ...(context.encounterId === undefined ? {} : { encounterId: context.encounterId }),
    ...(context.userId === undefined ? {} : { userId: context.userId }),
    today: model.today,
    reasons: evidenceRefs,
  };
  const lookup = (id: string): Orderable => {
    const orderable = context.orderables.get(id);
    if (orderable === undefined) {
      // Literal ids are cross-checked at start-up and every rule runs in the fixtures; this is a knowledge bug.
      throw new Error(`unknown orderable ${id}`);
    }
    return orderable;
  };
  const create = (orderable: Orderable): Action => ({
    type: 'create',
    description: `Order ${orderable.label} (${orderable.code.display}, ${orderable.code.code})`,
    resource: serviceRequestFor(orderable, orderContext),
  });
  const remove = (reference: string, display: string): Action => ({
    type: 'delete',
    description: `Delete the draft order ${display}`,
    resourceId: reference,
  });
  const suggestion = (label: string, actions: Action[], recommended: boolean | undefined): Suggestion => ({
    label,
    uuid: context.newId(),
    ...(recommended === true ? { isRecommended: true } : {}),
    actions,
  });

  // Orders still to suggest on this card, in request order.
  const pending: { orderable: Orderable; recommended: boolean }[] = [];
  for (const request of requests) {
    if (request.use !== 'order') {
      continue;
    }
    const orderable = lookup(request.orderable);
    if (orderable.concepts.some((c) => existing.has(c))) {
      built.alreadyOrdered.push(orderable.label);
    } else if (offered.has(orderable.id)) {
      built.offeredElsewhere.push(orderable.label);
    } else if (!pending.some((p) => p.orderable.id === orderable.id)) {
      offered.add(orderable.id);
      pending.push({ orderable, recommended: request.recommended === true });
    }
  }
  const setOf = (id: string): OrderSet | undefined => context.orderSets.find((s) => s.orderables.includes(id));
  const grouped = new Set<string>();
  for (const { orderable, recommended } of pending) {
    if (grouped.has(orderable.id)) {
      continue;
    }
    const set = setOf(orderable.id);
    const members = set === undefined ? [] : pending.filter((p) => setOf(p.orderable.id) === set);
    if (set === undefined || members.length < 2) {
      built.suggestions.push(suggestion(`Order ${orderable.label}`, [create(orderable)], recommended));
      continue;
    }
    members.forEach((m) => grouped.add(m.orderable.id));
    built.suggestions.push(
      suggestion(
        `Order the ${set.label}: ${members.map((m) => m.orderable.short ?? m.orderable.label).join(', ')}`,
        members.map((m) => create(m.orderable)),
        members.some((m) => m.recommended)
      )
    );
  }

  for (const request of requests) {
    if (request.use === 'delete') {
      built.suggestions.push(
        suggestion(
          `Remove the draft order: ${request.display}`,
          [remove(request.reference, request.display)],
          request.recommended
        )
      );
    } else if (request.use === 'replace') {
      for (const option of request.options) {
        const orderables = option.map(lookup);
        // Spec "Suggestion": the actions of one suggestion are processed as a transaction, deletes first.
        built.suggestions.push(
          suggestion(
            `Replace ${request.display} with ${orderables.map((o) => o.label).join(' and ')}`,
            [remove(request.reference, request.display), ...orderables.map(create)],
            request.recommended
          )
        );
      }
    }
  }
  return built;
}
