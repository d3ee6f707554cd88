import { marked } from 'marked';
import type { Card, Indicator } from '../cds-hooks/types.js';
import type { Rule, SmartAppTopic } from '../rules/rule.js';

/** A card as the SMART app shows it: what the EHR would show, with its detail rendered, and no actions to apply. */
export interface CardView {
  readonly rule: string;
  readonly title: string;
  readonly indicator: Indicator;
  readonly summary: string;
  /**
   * The card's `detail` (guidance, the patient data behind it, source) as HTML. Patient data is escaped before it
   * enters the Markdown (src/cards/markdown.ts), so only the service's own knowledge carries formatting.
   */
  readonly detailHtml: string;
  readonly source: { readonly label: string; readonly url?: string };
  /** What the card suggests (labels only: the app is read-only; orders are placed in the EHR). */
  readonly suggestions: readonly string[];
  /** The part of the app this card's topic opens (cards/<rule>.json `smartApp`). */
  readonly topic?: SmartAppTopic;
}

export function cardView(card: Card, rules: readonly Rule[]): CardView {
  const ruleId = card.source.topic?.code ?? '';
  const topic = rules.find((r) => r.id === ruleId)?.template.smartApp;
  return {
    rule: ruleId,
    title: card.source.topic?.display ?? card.summary,
    indicator: card.indicator,
    summary: card.summary,
    detailHtml: card.detail === undefined ? '' : marked.parse(card.detail, { async: false }),
    source: { label: card.source.label, ...(card.source.url === undefined ? {} : { url: card.source.url }) },
    suggestions: (card.suggestions ?? []).map((s) => s.label),
    ...(topic === undefined ? {} : { topic }),
  };
}
