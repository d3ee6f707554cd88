import type { Action, Card, Suggestion } from '../cds-hooks/types.js';
import type { DecisionModel } from '../mapping/decision-model.js';
import type { RuleOutcome } from '../rules/decide.js';
import type { SmartAppTopic, SuggestionRequest } from '../rules/rule.js';
import { CANONICAL_BASE } from '../terminology/value-set.js';
import { distinctEvidence, escapeMarkdown, evidenceLine, fillTemplate, limitSummary } from './markdown.js';
import { serviceRequestFor, type OrderContext, type Orderable } from './orderables.js';

/** Stable system of `source.topic` (its code is the rule id: feedback, metrics and EHR acknowledgements use it). */
export const TOPIC_SYSTEM = `${CANONICAL_BASE}:rule`;
export const OVERRIDE_REASON_SYSTEM = `${CANONICAL_BASE}:override-reason`;

/** The SMART app's launch URL under the service's base (src/smart/smart-routes.ts); the EHR adds iss and launch. */
export const SMART_LAUNCH_PATH = '/smart/launch';
const SMART_LINK_LABEL: Readonly<Record<SmartAppTopic, string>> = {
  workup: 'Open the neuropathy workup app (pattern, timeline, workup checklist)',
  treatment: 'Open the neuropathy workup app (treatment and glucocorticoid dose checks)',
};

export interface RenderContext {
  readonly model: DecisionModel;
  readonly encounterId?: string;
  readonly userId?: string;
  readonly orderables: ReadonlyMap<string, Orderable>;
  /** Absolute URL of the service, for links to the guidance pages (GET /guidance/{rule-id}). */
  readonly publicBaseUrl: string;
  readonly newId: () => string;
}

/**
 * Turns rule outcomes (already ordered critical, warning, info) into CDS Hooks cards (spec "Card Attributes";
 * rules.md section 4). An order is suggested once per response: a later card that would suggest it again says so
 * instead, so that accepting every card never creates duplicate orders.
 */
export function renderCards(outcomes: readonly RuleOutcome[], context: RenderContext): Card[] {
  const offered = new Set<string>();
  return outcomes.map((outcome) => renderCard(outcome, context, offered));
}

function renderCard({ rule, finding, indicator }: RuleOutcome, context: RenderContext, offered: Set<string>): Card {
  const template = rule.template;
  const values = finding.values ?? {};
  const evidence = distinctEvidence(finding.evidence);
  const built = buildSuggestions(
    finding.suggest ?? [],
    evidence.map((e) => e.reference),
    context,
    offered
  );
  const guidanceUrl = `${context.publicBaseUrl}/guidance/${encodeURIComponent(rule.id)}`;
  const notes = [
    ...(finding.notes ?? []).map(escapeMarkdown),
    ...(built.alreadyOrdered.length === 0
      ? []
      : [`Already ordered, so not suggested again: ${built.alreadyOrdered.map(escapeMarkdown).join(', ')}.`]),
    ...(built.offeredElsewhere.length === 0
      ? []
      : [`Suggested on another card of this response: ${built.offeredElsewhere.map(escapeMarkdown).join(', ')}.`]),
  ];

  const detail = [
    template.guidance,
    ...(template.patientNote === undefined ? [] : ['', fillTemplate(template.patientNote, values)]),
    '',
    '**Patient data behind this card**',
    '',
    ...evidence.map(evidenceLine),
    ...(notes.length === 0 ? [] : ['', ...notes.flatMap((n, i) => (i === 0 ? [n] : ['', n]))]),
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
    ...(built.suggestions.length === 0
      ? {}
      : { suggestions: built.suggestions, selectionBehavior: template.selectionBehavior ?? 'any' }),
    ...(urgent && template.overrideReasons !== undefined
      ? {
          overrideReasons: template.overrideReasons.map((r) => ({
            system: OVERRIDE_REASON_SYSTEM,
            code: r.code,
            display: r.display,
          })),
        }
      : {}),
    links: [
      { label: `Guidance and sources: ${template.title}`, url: guidanceUrl, type: 'absolute' },
      ...(template.smartApp === undefined
        ? []
        : [
            {
              label: SMART_LINK_LABEL[template.smartApp],
              url: `${context.publicBaseUrl}${SMART_LAUNCH_PATH}`,
              type: 'smart' as const,
              // Spec "Link": handed to the app in the token response; the app opens on this rule's topic.
              appContext: JSON.stringify({ rule: rule.id }),
            },
          ]),
    ],
  };
}

interface BuiltSuggestions {
  readonly suggestions: Suggestion[];
  readonly alreadyOrdered: string[];
  readonly offeredElsewhere: string[];
}

function buildSuggestions(
  requests: readonly SuggestionRequest[],
  evidenceRefs: readonly string[],
  context: RenderContext,
  offered: Set<string>
): BuiltSuggestions {
  const { model } = context;
  // Never suggest what is already ordered (open orders) or drafted in this session: an accepted suggestion must
  // not trigger its own card again (alert loops seen in the CDC opioid pilots, research/peers.md).
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

  for (const request of requests) {
    switch (request.use) {
      case 'order': {
        const orderable = lookup(request.orderable);
        if (orderable.concepts.some((c) => existing.has(c))) {
          built.alreadyOrdered.push(orderable.label);
        } else if (offered.has(orderable.id)) {
          built.offeredElsewhere.push(orderable.label);
        } else {
          offered.add(orderable.id);
          built.suggestions.push(suggestion(`Order ${orderable.label}`, [create(orderable)], request.recommended));
        }
        break;
      }
      case 'delete':
        built.suggestions.push(
          suggestion(
            `Remove the draft order: ${request.display}`,
            [remove(request.reference, request.display)],
            request.recommended
          )
        );
        break;
      case 'replace':
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
        break;
    }
  }
  return built;
}
