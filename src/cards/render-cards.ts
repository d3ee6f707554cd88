import type { Card } from '../cds-hooks/types.js';
import type { DecisionModel } from '../mapping/decision-model.js';
import type { RuleOutcome } from '../rules/decide.js';
import type { SmartAppTopic } from '../rules/rule.js';
import { CANONICAL_BASE } from '../terminology/value-set.js';
import { distinctEvidence, escapeMarkdown, evidenceLine, fillTemplate, limitSummary } from './markdown.js';
import type { OrderSet } from './order-sets.js';
import type { Orderable } from './orderables.js';
import { buildSuggestions } from './suggestions.js';

/** Stable system of `source.topic` (its code is the rule id: feedback, metrics and EHR acknowledgements use it). */
export const TOPIC_SYSTEM = `${CANONICAL_BASE}:rule`;
export const OVERRIDE_REASON_SYSTEM = `${CANONICAL_BASE}:override-reason`;
/**
 * Card `extension` key (spec "Extensions") under which a card lists the FHIR references of the records behind it,
 * in the order of its evidence lines: for the EHR to link them, never shown as text.
 */
export const EVIDENCE_EXTENSION = `${CANONICAL_BASE}:evidence`;

/** Evidence lines a card shows; the rest are counted (a card reads at a glance: issue 13). */
const MAX_EVIDENCE_LINES = 8;

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
  readonly orderSets: readonly OrderSet[];
  /** Absolute URL of the service, for links to the guidance pages (GET /guidance/{rule-id}). */
  readonly publicBaseUrl: string;
  readonly newId: () => string;
}

/**
 * Turns rule outcomes (already resolved and ordered by decide) into CDS Hooks cards (spec "Card Attributes";
 * rules.md section 4). An order is suggested once per response: a later card that would suggest it again says so
 * instead, so that accepting every card never creates duplicate orders. A card that exists only to suggest orders,
 * all of which an earlier (as or more urgent) card already suggests, is not shown: it would only point to that card
 * (issue 13). Each card's `source.topic.code` names its rule.
 */
export function renderCards(outcomes: readonly RuleOutcome[], context: RenderContext): Card[] {
  const offered = new Set<string>();
  return outcomes.flatMap((outcome) => renderCard(outcome, context, offered) ?? []);
}

function renderCard(
  { rule, finding, indicator }: RuleOutcome,
  context: RenderContext,
  offered: Set<string>
): Card | undefined {
  const template = rule.template;
  const values = finding.values ?? {};
  const evidence = distinctEvidence(finding.evidence);
  const references = [...new Set(evidence.map((e) => e.reference))];
  const requests = finding.suggest ?? [];
  const built = buildSuggestions(requests, references, context, offered);
  const onlyPointsElsewhere =
    requests.length > 0 &&
    requests.every((r) => r.use === 'order') &&
    built.suggestions.length === 0 &&
    built.alreadyOrdered.length === 0;
  if (onlyPointsElsewhere) {
    return undefined;
  }
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
  const shown = evidence.slice(0, MAX_EVIDENCE_LINES);
  const hidden = evidence.length - shown.length;

  // The source's label is the card's `source.label` (shown by the EHR): the detail names only where in it the
  // guidance comes from, and any further reference, so that the source appears once.
  const detail = [
    template.guidance,
    ...(template.patientNote === undefined ? [] : ['', fillTemplate(template.patientNote, values)]),
    '',
    '**Patient data behind this card**',
    '',
    ...shown.map(evidenceLine),
    ...(hidden === 0 ? [] : [`- and ${String(hidden)} more record(s)`]),
    ...(notes.length === 0 ? [] : ['', ...notes.flatMap((n, i) => (i === 0 ? [n] : ['', n]))]),
    '',
    `**References:** ${[template.source.citation, ...(template.source.also ?? [])].join('; ')}.`,
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
      { label: `Full guidance and sources: ${template.title}`, url: guidanceUrl, type: 'absolute' },
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
    extension: { [EVIDENCE_EXTENSION]: references },
  };
}
