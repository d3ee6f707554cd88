// The app page (the redirect URI, /smart/): completes the SMART authorization with fhirclient, reads the launched
// patient's data from the EHR's FHIR server with the app's own token, has the service evaluate it with the hooks'
// pipeline (POST api/evaluate: nothing is stored there) and shows the picture.
import { renderCards, renderTreatment, renderWorkup } from './decisions.js';
import { el } from './format.js';
import { renderContext, renderPattern, renderTimeline } from './picture.js';

const status = document.getElementById('status');
/** Pages followed per query, as the service follows them (FHIR_PAGE_LIMIT's default). */
const PAGE_LIMIT = 20;

function fail(message) {
  status.setAttribute('role', 'alert');
  status.classList.add('error');
  status.textContent = message;
  for (const body of document.querySelectorAll('[data-section]')) {
    body.replaceChildren(el('p', { class: 'muted' }, 'Not available.'));
  }
}

/** The rule named by the card's Link.appContext (CDS Hooks "Link"), handed over in the token response. */
function appContextRule(tokenResponse) {
  try {
    const context = JSON.parse(tokenResponse?.appContext ?? 'null');
    return typeof context?.rule === 'string' ? context.rule : undefined;
  } catch {
    return undefined;
  }
}

async function serviceJson(url, init) {
  const res = await fetch(url, init);
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const issues = (body?.issue ?? []).map((i) => i.diagnostics ?? i.details?.text).filter(Boolean);
    throw new Error(`the service answered ${res.status}${issues.length === 0 ? '' : `: ${issues.join(' ')}`}`);
  }
  return body;
}

/**
 * Every page of one query, as a searchset Bundle. A failed read becomes an OperationOutcome: "not supplied" to the
 * service (CDS Hooks "Prefetch Template"), so it is unknown there, never mistaken for "no data".
 */
async function readQuery(client, query) {
  try {
    const resources = await client.request(query, { pageLimit: PAGE_LIMIT, flat: true });
    const list = Array.isArray(resources) ? resources : [resources];
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: list.filter((r) => r?.resourceType !== undefined).map((resource) => ({ resource })),
    };
  } catch {
    return {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'exception', diagnostics: 'The app could not read this from the EHR.' }],
    };
  }
}

function banner(patient) {
  const name = patient.name?.[0];
  const text = [
    name?.text ?? [...(name?.given ?? []), name?.family ?? ''].join(' ').trim(),
    patient.gender,
    patient.birthDate && `born ${patient.birthDate}`,
  ]
    .filter(Boolean)
    .join(', ');
  document.getElementById('patient').textContent = `Patient: ${text || patient.id} (${patient.id})`;
}

async function main() {
  const client = await window.FHIR.oauth2.ready();
  const patientId = client.patient.id;
  if (!patientId) {
    throw new Error('the EHR granted no patient context');
  }
  const focusRule = appContextRule(client.state.tokenResponse);
  const patient = await client.patient.read().catch(() => ({ id: patientId }));
  banner(patient);

  const { queries } = await serviceJson(`api/queries?patient=${encodeURIComponent(patientId)}`);
  const keys = Object.keys(queries);
  const bundles = await Promise.all(keys.map((key) => readQuery(client, queries[key])));
  const prefetch = Object.fromEntries(keys.map((key, i) => [key, bundles[i]]));
  const fhirUser = client.getFhirUser?.();
  status.textContent = 'Evaluating with the service’s rules…';
  const answer = await serviceJson('api/evaluate', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ patientId, ...(fhirUser ? { userId: fhirUser } : {}), prefetch }),
  });

  const { model, view } = answer;
  renderContext(model);
  renderPattern(model, view.patternLabels);
  renderTimeline(view.timeline);
  renderWorkup(view.checklist);
  renderCards(view.cards, focusRule);
  renderTreatment(model, view.doseChecks, focusRule);
  const unread = keys.filter((key) => prefetch[key].resourceType === 'OperationOutcome');
  const records = bundles.reduce((n, b) => n + (b.entry?.length ?? 0), 0);
  status.textContent =
    `Read ${records} records from the EHR's FHIR server; evaluated for ${answer.today}.` +
    (unread.length === 0 ? '' : ` Could not read: ${unread.join(', ')} (treated as unknown).`) +
    (model.unavailable.length === 0 ? '' : ` Unavailable to the rules: ${model.unavailable.join(', ')}.`);
  document.body.dataset.state = 'ready';

  // Opened from a card: go to that card's topic (cards/<rule>.json smartApp), the card itself marked.
  const card =
    view.cards.find((c) => c.rule === focusRule) ??
    view.doseChecks.flatMap((d) => d.cards).find((c) => c.rule === focusRule);
  if (card !== undefined) {
    const section = document.getElementById(card.topic === 'treatment' ? 'treatment' : 'workup');
    section.classList.add('focused');
    section.focus();
    section.scrollIntoView();
  } else if (focusRule !== undefined) {
    const note = el('p', { class: 'note' }, `The card you opened the app from (${focusRule}) no longer applies.`);
    document.querySelector('[data-section="cards"]').prepend(note);
  }
}

main().catch((error) => {
  fail(`The app could not show the picture: ${error instanceof Error ? error.message : String(error)}`);
  document.body.dataset.state = 'failed';
});
