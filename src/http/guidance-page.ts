import { marked } from 'marked';
import type { Rule } from '../rules/rule.js';
import { escapeHtml } from './escape-html.js';

/**
 * The guidance behind a rule, as a small HTML page: the absolute link every card carries. Its content is the
 * service's own knowledge (cards/<rule-id>.json), never patient data.
 */
export function guidancePage(rule: Rule): string {
  const t = rule.template;
  // The card shows `guidance`; the page adds `more`, the full text behind the card's link (issue 13).
  const guidance = marked.parse([t.guidance, t.more ?? ''].join('\n\n'), { async: false });
  const also = (t.source.also ?? []).map((s) => `<li>${escapeHtml(s)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(t.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}code{background:#f3f3f3;padding:0 .2rem}</style>
</head><body>
<h1>${escapeHtml(t.title)}</h1>
<p>Rule <code>${escapeHtml(rule.id)}</code> &middot; hooks: ${t.hooks.map(escapeHtml).join(', ')} &middot; default indicator: ${escapeHtml(t.indicator)}</p>
<h2>Guidance</h2>
${guidance}
<h2>When it shows</h2>
<p>${escapeHtml(t.trigger)}</p>
<h2>Source</h2>
<p>${escapeHtml(t.source.label)}. ${escapeHtml(t.source.citation)}.</p>
${also === '' ? '' : `<p>Also cited:</p><ul>${also}</ul>`}
<p><small>Decision support, not a diagnosis: the clinician decides.</small></p>
</body></html>
`;
}
