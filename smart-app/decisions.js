// The decisions: the workup checklist, the cards the service would show now, and the treatment and dose checks.
import { el, evidenceList, fill, muted } from './format.js';

const STATUS = {
  done: 'Done',
  ordered: 'Ordered, no result yet',
  outdated: 'Done too long ago',
  missing: 'Missing',
};

export function renderWorkup(checklist) {
  const rows = checklist.items.map((item) =>
    el(
      'tr',
      { 'data-concept': item.concept, 'data-status': item.status },
      el('th', { scope: 'row' }, item.label),
      el('td', {}, el('span', { class: `status status-${item.status}` }, STATUS[item.status] ?? item.status)),
      el('td', { class: 'date' }, item.date ?? ''),
      el('td', {}, item.result ?? ''),
      el(
        'td',
        {},
        item.kind === 'study'
          ? `Study: ${item.why ?? ''}`
          : item.lookbackDays === undefined
            ? 'Lab: any date counts'
            : `Lab: within ${item.lookbackDays} days`
      )
    )
  );
  const missing = checklist.items.filter((i) => i.status === 'missing' || i.status === 'outdated').length;
  fill(
    'workup',
    checklist.applies
      ? el('p', {}, `${missing} of ${checklist.items.length} recommended tests and studies are missing or out of date.`)
      : muted(
          'The neuropathy workup applies to a connective tissue disease (or a positive autoantibody) with a ' +
            'neuropathy or numbness; this record does not show both. The labs are listed for reference.'
        ),
    el(
      'table',
      {},
      el('caption', {}, 'Workup laboratory tests and studies'),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ['Test or study', 'Status', 'Date', 'Result', 'Counts when'].map((h) => el('th', { scope: 'col' }, h))
        )
      ),
      el('tbody', {}, rows)
    )
  );
}

/** One card as the EHR would show it: indicator, summary, detail (guidance, data behind it, source), link. */
export function cardArticle(card, focusRule, heading = 'h3') {
  const detail = el('div', { class: 'detail' });
  // The service rendered the card's Markdown; patient data in it was escaped before (src/cards/markdown.ts).
  detail.innerHTML = card.detailHtml;
  const fromLink = card.rule === focusRule;
  return el(
    'article',
    { class: `card card-${card.indicator}${fromLink ? ' from-link' : ''}`, 'data-rule': card.rule },
    el(heading, {}, card.title),
    fromLink ? el('p', { class: 'opened-from' }, 'You opened the app from this card.') : '',
    el('p', { class: 'summary' }, el('span', { class: 'indicator' }, card.indicator), ' ', card.summary),
    detail,
    card.suggestions.length === 0
      ? ''
      : el('p', { class: 'suggestions' }, `Suggested on the card (order in the EHR): ${card.suggestions.join('; ')}`),
    card.source.url === undefined
      ? ''
      : el(
          'p',
          {},
          el('a', { href: card.source.url, target: '_blank', rel: 'noopener' }, `Guidance and sources: ${card.title}`)
        )
  );
}

export function renderCards(cards, focusRule) {
  fill(
    'cards',
    cards.length === 0
      ? muted('The service would show no card for this patient now.')
      : cards.map((card) => cardArticle(card, focusRule))
  );
}

export function renderTreatment(model, doseChecks, focusRule) {
  const treatments = model.meds.filter((m) => m.glucocorticoid || m.immunosuppressant);
  const checks = doseChecks.map((check) =>
    el(
      'article',
      { class: 'dose-check' },
      el('h3', {}, check.medication.display),
      evidenceList([check.medication], `Order of ${check.medication.display}`),
      check.notChecked !== undefined
        ? el('p', {}, `Not checked: ${check.notChecked}.`)
        : el(
            'p',
            { class: 'dose' },
            check.dose?.mgPerDay === undefined
              ? `Daily dose not computed: ${check.dose?.problem ?? 'no dosage'}.`
              : `Daily dose: ${check.dose.mgPerDay} mg/day (${check.dose.basis ?? ''}).`
          ),
      check.notChecked !== undefined
        ? ''
        : check.cards.length === 0
          ? el('p', {}, 'The order checks (order-sign) raise nothing for this order today.')
          : check.cards.map((card) => cardArticle(card, focusRule, 'h4'))
    )
  );
  fill(
    'treatment',
    el('h3', {}, 'Active glucocorticoids and immunosuppressants'),
    treatments.length === 0
      ? muted('None recorded as active.')
      : evidenceList(
          treatments.map((t) => t.evidence),
          'Active treatments'
        ),
    el('h3', {}, 'Glucocorticoid dose checks'),
    el(
      'p',
      { class: 'muted' },
      'Each active glucocorticoid order is checked as the order-sign service would check it if it were signed today.'
    ),
    checks.length === 0 ? muted('No active glucocorticoid is recorded.') : checks
  );
}
