import { escapeHtml } from '../http/escape-html.js';

/** The standalone launch's patient list: a page of links, one per demo patient (no login: the data is synthetic). */
export function patientPicker(
  authorizeUrl: string,
  patients: readonly { id: string; name: string; summary: string }[]
): string {
  const items = patients.map((p) => {
    const url = new URL(authorizeUrl, 'http://relative.invalid');
    url.searchParams.set('patient', p.id);
    const href = `${url.pathname}${url.search}`;
    return `<li><a href="${escapeHtml(href)}">${escapeHtml(p.name)}</a> <code>${escapeHtml(p.id)}</code><br><small>${escapeHtml(p.summary)}</small></li>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo FHIR server: choose a patient</title>
<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;line-height:1.4}li{margin:.6rem 0}</style>
</head><body><main>
<h1>Choose a demo patient</h1>
<p>The demo FHIR server's authorization server (development only) grants the app access to the patient you choose.
The patients are synthetic.</p>
<ul>${items.join('\n')}</ul>
</main></body></html>
`;
}
