import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ChartAnswer } from '../../src/smart/evaluate-chart.js';
import { demoExpectations, ruleIds, startDemoService, type RunningService } from '../support/demo.js';
import { evaluateChart, launchAndToken, readChart } from '../support/smart-flow.js';

/**
 * The SMART app's path end to end over real HTTP, for every demo patient: an EHR launch at the demo authorization
 * server (launch -> authorize with PKCE -> token), the patient's data read from the demo FHIR server with the app's
 * token, and the service's app API evaluating it. The cards must be the patient-view hook's (demo/expectations.json):
 * the app runs the hooks' pipeline, not a second implementation. test/browser/smart-app.test.ts does the same in a
 * browser with the app's own pages.
 */
const expectations = demoExpectations();
let running: RunningService;

beforeAll(async () => {
  running = await startDemoService({ NODE_ENV: 'development' });
});
afterAll(async () => {
  await running.close();
});

async function chartOf(patient: string): Promise<ChartAnswer> {
  const token = await launchAndToken(running.base, patient);
  const prefetch = await readChart(running.base, patient, String(token['access_token']));
  const { status, json } = await evaluateChart(running.base, { patientId: patient, prefetch });
  expect(status, JSON.stringify(json)).toBe(200);
  return json as ChartAnswer;
}

describe('the SMART app path, for every demo patient', () => {
  test.each(Object.keys(expectations))(
    '%s: the cards of the patient-view hook, and a checklist that agrees',
    async (patient) => {
      const answer = await chartOf(patient);
      expect(answer.patientId).toBe(patient);
      expect(ruleIds(answer.cards)).toEqual(expectations[patient]?.['patient-view']);
      expect(answer.view.cards.map((c) => c.rule)).toEqual(ruleIds(answer.cards));

      // The checklist counts what the workup-labs card counts: its missing labs are the card's.
      const labsCard = answer.cards.find((c) => c.source.topic?.code === 'neuropathy-workup-labs');
      const notDone = answer.view.checklist.items.filter(
        (i) => i.kind === 'lab' && (i.status === 'missing' || i.status === 'outdated')
      );
      if (labsCard !== undefined) {
        expect(labsCard.summary).toMatch(
          new RegExp(`^Neuropathy workup: ${String(notDone.length)} of \\d+ recommended`)
        );
        for (const item of notDone) {
          expect(labsCard.detail, item.label).toContain(item.label);
        }
      }
      // A card that asks for a study has it missing on the checklist.
      const study = (concept: string) => answer.view.checklist.items.find((i) => i.concept === concept)?.status;
      const rules = ruleIds(answer.cards);
      if (rules.includes('small-fiber-neuropathy-skin-biopsy')) {
        expect(study('proc-skin-punch-biopsy')).toBe('missing');
      }
      if (rules.includes('vasculitic-neuropathy-suspected')) {
        expect(study('proc-nerve-biopsy')).not.toBe('done');
        expect(study('proc-muscle-biopsy')).toBeDefined();
      }
      // Every lab the model has within its look-back is "done" on the checklist, with its date.
      for (const lab of answer.model.labs.filter((l) => l.withinLookback)) {
        const item = answer.view.checklist.items.find((i) => i.concept === lab.concept);
        if (item !== undefined) {
          expect(item).toMatchObject({ status: 'done', date: lab.date });
        }
      }
    }
  );
});

describe('what the app shows beyond the cards', () => {
  test('dose checks: each active prednisone order, checked as the order-sign service checks a draft', async () => {
    // PAN with foot drop (severe), on prednisone 10 mg x 4 alone, 70 kg: below 1 mg/kg/day, and no cyclophosphamide.
    const severe = await chartOf('pan-mononeuritis-foot-drop');
    expect(severe.view.doseChecks).toHaveLength(1);
    const [check] = severe.view.doseChecks;
    expect(check?.medication.reference).toBe('MedicationRequest/pan-mononeuritis-foot-drop-rx-prednisone');
    expect(check?.dose).toEqual({
      mgPerDay: 40,
      basis: '4 x 10 mg x 1 per 1 d',
      route: 'oral',
      routeBasis: 'dose form in "prednisone 10 MG Oral Tablet"',
    });
    expect(check?.cards.map((c) => c.rule)).toEqual([
      'glucocorticoid-alone-severe-vasculitic',
      'glucocorticoid-dose-range',
    ]);
    expect(check?.cards[1]?.summary).toContain('40 mg/day is below prednisone 1 mg/kg/day (70 kg)');

    // Proven, non-severe, treated: 30 mg/day is within 10-40 mg/day, so the order checks raise nothing.
    const treated = await chartOf('sle-vasculitic-neuropathy-treated');
    expect(treated.view.doseChecks.map((d) => [d.dose?.mgPerDay, d.cards.length])).toEqual([[30, 0]]);
  });

  test('no glucocorticoid, no dose check; the checklist lists biopsies only when vasculitic neuropathy is suspected', async () => {
    const suspected = await chartOf('sle-mononeuritis-multiplex');
    expect(suspected.view.doseChecks).toEqual([]);
    expect(suspected.view.checklist.items.filter((i) => i.kind === 'study').map((i) => i.concept)).toEqual([
      'proc-ncs',
      'proc-emg',
      'proc-nerve-biopsy',
      'proc-muscle-biopsy',
    ]);
    const symmetric = await chartOf('sle-polyneuropathy');
    expect(symmetric.view.checklist.items.some((i) => i.concept === 'proc-nerve-biopsy')).toBe(false);
  });

  test('the timeline lists the biopsy, EMG and treatments of a treated patient, newest first', async () => {
    const answer = await chartOf('sle-vasculitic-neuropathy-treated');
    const kinds = new Set(answer.view.timeline.map((e) => e.kind));
    expect([...kinds].sort()).toEqual(['biopsy', 'electrodiagnosis', 'finding', 'treatment']);
    const dates = answer.view.timeline.map((e) => e.evidence.date).filter((d) => d !== undefined);
    expect(dates).toEqual([...dates].sort().reverse());
    const references = answer.view.timeline.map((e) => `${e.kind}|${e.evidence.reference}`);
    expect(new Set(references).size).toBe(references.length);
  });
});
