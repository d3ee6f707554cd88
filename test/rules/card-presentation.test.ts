import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { EVIDENCE_EXTENSION } from '../../src/cards/render-cards.js';
import { systemClock } from '../../src/call-service.js';
import type { Card, HookName } from '../../src/cds-hooks/types.js';
import { offlinePipeline } from '../../src/cli/offline-pipeline.js';
import { parseConfig } from '../../src/config.js';
import { defaultDemoDir, draftOrderFor, loadDemoData } from '../../src/demo/demo-data.js';
import { demoExpectations } from '../support/demo.js';
import { mockFhirServer, prefetchResources } from '../support/nock-fhir.js';
import { expectCdsResponse, fixture, repositoryKnowledge, testService } from '../support/service.js';

/**
 * What a clinician sees (issue 13, section 4), over every request fixture and every demo patient with its order
 * scenarios: cards ordered by urgency then clinical priority, a detail that reads at a glance, evidence as display,
 * code and date (never a raw FHIR reference), the source once, a handful of buttons, and no card that only points to
 * another one.
 */
const MAX_DETAIL = 2000;
const MAX_SUGGESTIONS = 6;
const RAW_REFERENCE =
  /\b(Condition|Observation|MedicationRequest|MedicationStatement|Procedure|ServiceRequest|DiagnosticReport|Patient|Encounter|Practitioner)\/[A-Za-z0-9.-]+/;
const RANK: Record<string, number> = { critical: 0, warning: 1, info: 2 };
const { priority } = repositoryKnowledge().precedence;

/** Everything section 4 asks of one response; returns the problems found, named. */
function problems(name: string, cards: readonly Card[]): string[] {
  const found: string[] = [];
  const say = (card: Card, problem: string): void => {
    found.push(`${name} ${card.source.topic?.code ?? '?'}: ${problem}`);
  };
  cards.forEach((card, i) => {
    const detail = card.detail ?? '';
    if (detail.length > MAX_DETAIL) {
      say(card, `detail of ${String(detail.length)} characters`);
    }
    if (RAW_REFERENCE.test(detail) || RAW_REFERENCE.test(card.summary)) {
      say(card, `raw FHIR reference ${RAW_REFERENCE.exec(detail + card.summary)?.[0] ?? ''}`);
    }
    if ((card.suggestions?.length ?? 0) > MAX_SUGGESTIONS) {
      say(card, `${String(card.suggestions?.length)} suggestions`);
    }
    if (detail.includes(card.source.label) || detail.split('**References:**').length !== 2) {
      say(card, 'the source is not named exactly once (label in source, citation in the detail)');
    }
    const references = card.extension?.[EVIDENCE_EXTENSION];
    if (!Array.isArray(references) || references.length === 0) {
      say(card, 'no evidence references in its extension');
    }
    if ((card.suggestions ?? []).length === 0 && detail.includes('Suggested on another card of this response')) {
      say(card, 'its only orders are on another card: a card that merely points elsewhere');
    }
    const previous = cards[i - 1];
    if (previous !== undefined) {
      const byIndicator = RANK[previous.indicator]! - RANK[card.indicator]!;
      const byPriority =
        (priority.get(previous.source.topic?.code ?? '') ?? 0) - (priority.get(card.source.topic?.code ?? '') ?? 0);
      if (byIndicator > 0 || (byIndicator === 0 && byPriority > 0)) {
        say(card, `shown after ${previous.source.topic?.code ?? '?'}, out of order`);
      }
    }
  });
  return found;
}

describe('what a clinician sees (issue 13 section 4)', () => {
  test('every request fixture', async () => {
    const service = testService();
    const dir = join(import.meta.dirname, '..', 'fixtures', 'requests');
    const found: string[] = [];
    let cardsSeen = 0;
    for (const name of readdirSync(dir).map((f) => f.replace(/\.json$/, ''))) {
      const body = fixture(name);
      if (body['prefetch'] === undefined) {
        continue;
      }
      const res = await request(service.app)
        .post(`/cds-services/ctd-neuropathy-${String(body['hook'])}`)
        .send(body)
        .expect(200);
      const { cards } = expectCdsResponse(res.body);
      cardsSeen += cards.length;
      found.push(...problems(name, cards));
    }
    expect(cardsSeen).toBeGreaterThan(60);
    expect(found).toEqual([]);
  });

  test('every demo patient on patient-view, and every order scenario', async () => {
    const pipeline = offlinePipeline(parseConfig({ LOG_LEVEL: 'silent' }), systemClock);
    const demo = loadDemoData(defaultDemoDir(), pipeline.today);
    const expectations = demoExpectations();
    const found: string[] = [];
    for (const patient of demo.patients) {
      const chart = [patient.patient, ...patient.resources];
      const view = await pipeline.evaluate(chart, patient.id, 'patient-view');
      found.push(...problems(`${patient.id} patient-view`, view.response.cards));
      for (const order of expectations[patient.id]?.orders ?? []) {
        const drafts = order.drafts.map((id) => draftOrderFor(demo, id, patient.id));
        for (const hook of ['order-select', 'order-sign'] as HookName[]) {
          const { response } = await pipeline.evaluate(chart, patient.id, hook, drafts);
          found.push(...problems(`${patient.id} ${hook} ${order.drafts.join('+')}`, response.cards));
        }
      }
    }
    expect(found).toEqual([]);
  });

  test('the check finds what it looks for (a raw reference, a long detail, disorder, a pointer-only card)', () => {
    const card = (code: string, indicator: Card['indicator'], detail: string, suggestions = 1): Card => ({
      summary: 's',
      indicator,
      detail,
      source: { label: 'Label', topic: { system: 's', code } },
      ...(suggestions === 0 ? {} : { suggestions: [{ label: 'x' }], selectionBehavior: 'any' as const }),
      extension: { [EVIDENCE_EXTENSION]: ['Condition/c'] },
    });
    const ok = '**References:** x.';
    expect(problems('t', [card('neuropathy-workup-labs', 'info', `- Condition/abc-1 ${ok}`)])).toHaveLength(1);
    expect(problems('t', [card('neuropathy-workup-labs', 'info', `${'x'.repeat(2001)} ${ok}`)])).toHaveLength(1);
    expect(
      problems('t', [
        card('neuropathy-workup-labs', 'warning', ok),
        card('vasculitic-neuropathy-suspected', 'warning', ok),
      ])
    ).toHaveLength(1);
    expect(
      problems('t', [card('b12-on-metformin', 'info', `Suggested on another card of this response: B12. ${ok}`, 0)])
    ).toHaveLength(1);
  });

  test('the labs card lists what is missing, and of what is done only how many', async () => {
    const body = fixture('patient-view.sle-mononeuritis-multiplex');
    mockFhirServer(prefetchResources(body));
    const res = await request(testService().app).post('/cds-services/ctd-neuropathy-patient-view').send(body);
    const labs = expectCdsResponse(res.body).cards.find((c) => c.source.topic?.code === 'neuropathy-workup-labs');
    // Done within the look-back: CBC, metabolic panel, ANA; ordered: ESR.
    expect(labs?.detail).toContain('**Already done or ordered:** 4 of the 14 tests.');
    const missing = /\*\*Missing[^\n]*/.exec(labs?.detail ?? '')?.[0] ?? '';
    expect(missing).toContain('C-reactive protein');
    for (const done of ['Complete blood count', 'metabolic panel', 'Antinuclear', 'sedimentation']) {
      expect(missing).not.toContain(done);
    }
    expect(labs?.suggestions?.map((s) => s.label)).toEqual([
      'Order C-reactive protein',
      'Order the CTD antibody panel: anti-centromere, anti-Scl-70, anti-Ro/SSA, anti-La/SSB',
      'Order the screen for treatable causes: hepatitis C antibody, vitamin B12, TSH, HbA1c',
      'Order ANCA (antineutrophil cytoplasmic antibodies)',
    ]);
    // One suggestion, several orders: each a draft ServiceRequest (spec "Suggestion": actions AND'd together).
    const panel = labs?.suggestions?.[1]?.actions ?? [];
    expect(panel.map((a) => [a.type, 'resource' in a ? a.resource.resourceType : undefined])).toEqual(
      Array.from({ length: 4 }, () => ['create', 'ServiceRequest'])
    );
  });

  test('the full guidance lives behind the card link: the page has what the card leaves out', async () => {
    const service = testService();
    const body = fixture('patient-view.gpa-mononeuritis-foot-drop');
    const res = await request(service.app).post('/cds-services/ctd-neuropathy-patient-view').send(body).expect(200);
    const card = expectCdsResponse(res.body).cards.find(
      (c) => c.source.topic?.code === 'severe-vasculitic-neuropathy-treatment'
    );
    expect(card?.summary).toBe(
      'Suspected severe vasculitic neuropathy (Granulomatosis with polyangiitis): consider cyclophosphamide or rituximab with high-dose steroids'
    );
    expect(card?.detail).toContain('doi:10.1002/art.41773');
    expect(card?.detail).not.toContain('reduced-dose glucocorticoid');
    const link = card?.links?.[0]?.url ?? '';
    const page = await request(service.app).get(new URL(link).pathname).expect(200);
    expect(page.text).toContain('reduced-dose glucocorticoid taper');
    expect(page.text).toContain('<h2>When it shows</h2>');
    expect(page.text).toContain('Arthritis Rheumatol. 2021;73(8):1366-1383. doi:10.1002/art.41773');
  });
});
