import type { Card } from '../cds-hooks/types.js';

/**
 * Cards as a terminal reader wants them: indicator and summary first, then the rule, the patient data behind the
 * card (the evidence list of its Markdown detail) and the suggestions by label. `--json` prints the CDS Hooks
 * response instead; this is for people.
 */
export function formatCards(heading: string, cards: readonly Card[]): string {
  const lines = [`${heading}: ${cards.length === 0 ? 'no cards' : `${String(cards.length)} card(s)`}`];
  for (const card of cards) {
    lines.push('', `${card.indicator.toUpperCase().padEnd(8)} ${card.summary}`);
    lines.push(`         rule: ${card.source.topic?.code ?? '(none)'}`);
    const evidence = evidenceOf(card.detail ?? '');
    if (evidence.length > 0) {
      lines.push('         patient data:', ...evidence.map((e) => `           - ${e}`));
    }
    const suggestions = (card.suggestions ?? []).map((s) => s.label);
    if (suggestions.length > 0) {
      lines.push('         suggestions:', ...suggestions.map((s) => `           - ${s}`));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The bullet list under "**Patient data behind this card**" (render-cards.ts), as plain text. */
export function evidenceOf(detail: string): string[] {
  const lines = detail.split('\n');
  const start = lines.indexOf('**Patient data behind this card**');
  if (start < 0) {
    return [];
  }
  const evidence: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('- ')) {
      evidence.push(plainText(line.slice(2)));
    } else if (line.trim() !== '' || evidence.length > 0) {
      break;
    }
  }
  return evidence;
}

/** Markdown emphasis and escapes removed (`**Foot drop**` -> `Foot drop`, `\[` -> `[`). */
function plainText(markdown: string): string {
  return markdown.replace(/\*\*/g, '').replace(/\\([\\`*_{}[\]()#+\-.!|<>])/g, '$1');
}
