import { escapeHtml } from '../http/escape-html.js';

/**
 * The two pages of the SMART app (docs/smart-app.md): the launch page (`GET /smart/launch`, SMART App Launch 2.0
 * "Launch URL") and the app page at the redirect URI (`GET /smart/`). Both are shells: their scripts (smart-app/)
 * run the SMART flow with the fhirclient library and fill the page. No inline script or style (CSP).
 */

const DISCLAIMER = 'Decision support, not a diagnosis: the clinician decides.';

function head(title: string, script: string, clientId: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<meta name="smart-client-id" content="${escapeHtml(clientId)}">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="app/app.css">
<script src="vendor/fhir-client.js" defer></script>
<script type="module" src="app/${script}"></script>
</head>`;
}

export function launchPage(clientId: string): string {
  return `${head('Neuropathy workup: connecting to the EHR', 'launch.js', clientId)}
<body><main class="launch">
<h1>Neuropathy workup in connective tissue disease</h1>
<p id="status" role="status" aria-live="polite">Connecting to the EHR's authorization server&hellip;</p>
<p class="disclaimer">${DISCLAIMER}</p>
</main></body></html>
`;
}

/** The app's sections, in reading order; app.js fills each, the navigation links to them. */
export const SECTIONS = [
  ['context', 'Connective tissue disease and vasculitis'],
  ['pattern', 'Neuropathy pattern and severity'],
  ['timeline', 'Timeline'],
  ['workup', 'Workup checklist'],
  ['cards', 'Cards the service would show now'],
  ['treatment', 'Treatment and glucocorticoid dose checks'],
] as const;

export function appPage(clientId: string): string {
  const nav = SECTIONS.map(([id, title]) => `<li><a href="#${id}">${escapeHtml(title)}</a></li>`).join('');
  const sections = SECTIONS.map(
    ([id, title]) =>
      `<section id="${id}" aria-labelledby="${id}-heading" tabindex="-1"><h2 id="${id}-heading">${escapeHtml(title)}</h2><div class="body" data-section="${id}"><p class="muted">Loading&hellip;</p></div></section>`
  ).join('\n');
  return `${head('Neuropathy workup in connective tissue disease', 'app.js', clientId)}
<body>
<a class="skip" href="#main">Skip to the patient's picture</a>
<header class="banner">
<h1>Neuropathy workup in connective tissue disease</h1>
<p id="patient" class="patient" aria-live="polite"></p>
<p class="disclaimer" role="note"><strong>${DISCLAIMER}</strong> It shows what the record holds and what the guidance says; unknown is not absent.</p>
</header>
<nav aria-label="Sections"><ul>${nav}</ul></nav>
<main id="main" tabindex="-1">
<p id="status" role="status" aria-live="polite">Reading the patient's record from the EHR&hellip;</p>
${sections}
</main>
<footer><p>Same rules and decision model as the service's CDS Hooks cards. Nothing is stored by the service.</p></footer>
</body></html>
`;
}
