import type { Action, Card, Suggestion } from '../cds-hooks/types.js';
import type { DecisionModel } from '../mapping/decision-model.js';
import type { RuleOutcome } from '../rules/decide.js';
import type { SuggestionRequest } from '../rules/rule.js';
import { distinctEvidence, escapeMarkdown, evidenceLine, fillTemplate, limitSummary } from './markdown.js';
import { serviceRequestFor, type Orderable } from './orderables.js';
import { CANONICAL_BASE } from '../terminology/value-set.js';

/** Stable system of `source.topic` (its code is the rule id: feedback, metrics and EHR acknowledgements use it). */
export const TOPIC_SYSTEM = `${CANONICAL_BASE}:rule`;
export const OVERRIDE_REASON_SYSTEM = `${CANONICAL_BASE}:override-reason`;

export interface RenderContext {
  readonly model: DecisionModel;
  readonly encounterId?: string;
  readonly userId?: string;
  readonly orderables: ReadonlyMap<string, Orderable>;
  /** Absolute URL of the service, for links to the guidance pages (GET /guidance/{rule-id}). */
  readonly publicBaseUrl: string;
  readonly newId: () => string;
}

/** Turns rule outcomes into CDS Hooks cards (spec "Card Attributes"; rules.md section 4). */
export function renderCards(outcomes: readonly RuleOutcome[], context: RenderContext): Card[] {
  return outcomes.map((outcome) => renderCard(outcome, context));
}

function renderCard({ rule, finding, indicator }: RuleOutcome, context: RenderContext): Card {
  const template = rule.template;
  const values = finding.values ?? {};
  const evidence = distinctEvidence(finding.evidence);
  const { suggestions, alreadyOrdered } = buildSuggestions(
    finding.suggest ?? [],
    evidence.map((e) => e.reference),
    context
  );
  const guidanceUrl = `${context.publicBaseUrl}/guidance/${encodeURIComponent(rule.id)}`;

  const detail = [
    template.guidance,
    ...(template.patientNote === undefined ? [] : ['', fillTemplate(template.patientNote, values)]),
    '',
    '**Patient data behind this card**',
    '',
    ...evidence.map(evidenceLine),
    ...(finding.notes === undefined || finding.notes.length === 0
      ? []
      : ['', ...finding.notes.map((n) => fillTemplate(n, values))]),
    ...(alreadyOrdered.length === 0
      ? []
      : ['', `Already ordered, so not suggested again: ${alreadyOrdered.map(escapeMarkdown).join(', ')}.`]),
    '',
    `**Source:** ${template.source.label}. ${template.source.citation}.`,
  ].join('\n');

  const urgent = indicator === 'warning' || indicator === 'critical';
  return {
    uuid: context.newId(),
    summary: limitSummary(fillTemplate(template.summary, values, false).replace(/\s+/g, ' ').trim()),
    detail,
    indicator,
    source: {
      label: template.source.label,
      url: guidanceUrl,
      topic: { system: TOPIC_SYSTEM, code: rule.id, display: template.title },
    },
    ...(suggestions.length === 0 ? {} : { suggestions, selectionBehavior: template.selectionBehavior ?? 'any' }),
    ...(urgent && template.overrideReasons !== undefined
      ? {
          overrideReasons: template.overrideReasons.map((r) => ({
            system: OVERRIDE_REASON_SYSTEM,
            code: r.code,
            display: r.display,
          })),
        }
      : {}),
    links: [{ label: `Guidance and sources: ${template.title}`, url: guidanceUrl, type: 'absolute' }],
  };
}

function buildSuggestions(
  requests: readonly SuggestionRequest[],
  evidenceRefs: readonly string[],
  context: RenderContext
): { suggestions: Suggestion[]; alreadyOrdered: string[] } {
  const { model } = context;
  // Never suggest what is already ordered (active orders) or drafted in this session: an accepted suggestion must
  // not trigger its own card again (alert loops seen in the CDC opioid pilots, research/peers.md).
  const existing = new Set<string>([
    ...model.orders.map((o) => o.concept),
    ...model.draftOrders.flatMap((d) => d.concepts),
  ]);
  const alreadyOrdered: string[] = [];
  const suggestions: Suggestion[] = [];
  const orderContext = {
    patientId: model.patientId,
    ...(context.encounterId === undefined ? {} : { encounterId: context.encounterId }),
    ...(context.userId === undefined ? {} : { userId: context.userId }),
    today: model.today,
    reasons: evidenceRefs,
  };
  const create = (orderable: Orderable): Action => ({
    type: 'create',
    description: `Order ${orderable.label} (${orderable.code.display}, ${orderable.code.code})`,
    resource: serviceRequestFor(orderable, orderContext),
  });
  const lookup = (id: string): Orderable => {
    const orderable = context.orderables.get(id);
    if (orderable === undefined) {
      // Rules are cross-checked against cards/orderables.json at start-up; reaching this is a knowledge bug.
      throw new Error(`unknown orderable ${id}`);
    }
    return orderable;
  };

  for (const request of requests) {
    switch (request.use) {
      case 'order': {
        const orderable = lookup(request.orderable);
        if (orderable.concepts.some((c) => existing.has(c))) {
          alreadyOrdered.push(orderable.label);
          continue;
        }
        suggestions.push({
          label: `Order ${orderable.label}`,
          uuid: context.newId(),
          ...(request.recommended === true ? { isRecommended: true } : {}),
          actions: [create(orderable)],
        });
        break;
      }
      case 'delete':
        suggestions.push({
          label: `Remove the draft order: ${request.display}`,
          uuid: context.newId(),
          ...(request.recommended === true ? { isRecommended: true } : {}),
          actions: [
            { type: 'delete', description: `Delete the draft order ${request.display}`, resourceId: request.reference },
          ],
        });
        break;
      case 'replace':
        for (const id of request.orderables) {
          const orderable = lookup(id);
          suggestions.push({
            label: `Replace ${request.display} with ${orderable.label}`,
            uuid: context.newId(),
            ...(request.recommended === true ? { isRecommended: true } : {}),
            // Spec "Suggestion": actions are processed as a transaction, deletes first, then creates.
            actions: [
              {
                type: 'delete',
                description: `Delete the draft order ${request.display}`,
                resourceId: request.reference,
              },
              create(orderable),
            ],
          });
        }
        break;
    }
  }
  return { suggestions, alreadyOrdered };
}
