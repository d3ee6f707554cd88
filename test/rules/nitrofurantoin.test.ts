import request from 'supertest';
import { EVIDENCE_EXTENSION } from '../../src/cards/render-cards.js';
import { describe, expect, test } from 'vitest';
import type { Card } from '../../src/cds-hooks/types.js';
import { expectCdsResponse, fixture, testService } from '../support/service.js';

const service = testService();
const cardFor = async (name: string): Promise<Card> => {
  const body = fixture(name);
  const res = await request(service.app)
    .post(`/cds-services/ctd-neuropathy-${String(body['hook'])}`)
    .send(body)
    .expect(200);
  const [card] = expectCdsResponse(res.body).cards;
  if (card === undefined) {
    throw new Error('no card');
  }
  return card;
};

describe('nitrofurantoin-neuropathy-risk card (rules.md section 3, section 4)', () => {
  test('CTD + neuropathy + selected nitrofurantoin: critical, delete suggestion, override reasons, evidence', async () => {
    const card = await cardFor('order-select.ctd-neuropathy-nitrofurantoin');
    expect(card.indicator).toBe('critical');
    expect(card.summary.length).toBeLessThan(140);
    expect(card.summary).toMatch(/nitrofurantoin/i);
    expect(card.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(card.source).toMatchObject({
      label: expect.stringContaining('Numbness in Connective Tissue Disease') as unknown,
      topic: { system: 'urn:ctd-neuropathy-cds:rule', code: 'nitrofurantoin-neuropathy-risk' },
    });
    expect(card.selectionBehavior).toBe('any');
    expect(card.suggestions).toEqual([
      expect.objectContaining({
        isRecommended: true,
        actions: [
          {
            type: 'delete',
            description: expect.stringContaining('nitrofurantoin') as unknown,
            resourceId: 'MedicationRequest/draft-nitrofurantoin',
          },
        ],
      }),
    ]);
    expect(card.overrideReasons?.length).toBeGreaterThanOrEqual(2);
    expect(card.overrideReasons?.every((r) => r.display !== undefined && r.display.length > 0)).toBe(true);
    // The card shows the data that triggered it, with codes and dates (never raw FHIR references: those are in
    // its extension, for the EHR), and where its guidance comes from.
    expect(card.detail).toContain('- **Systemic lupus erythematosus** (SNOMED CT 55464009), 2019-03-14\n');
    expect(card.detail).toContain('- **Polyneuropathy, unspecified** (ICD-10-CM G62.9), 2026-02-10\n');
    expect(card.detail).toMatch(/\(RxNorm 1648759\), \d{4}-\d{2}-\d{2}\n/);
    expect(card.detail).not.toMatch(/(Condition|MedicationRequest)\//);
    expect(card.extension?.[EVIDENCE_EXTENSION]).toEqual([
      'MedicationRequest/draft-nitrofurantoin',
      'Condition/cond-sle',
      'Condition/cond-polyneuropathy',
    ]);
    expect(card.detail).toContain("The overview's reference 7");
    expect(card.detail).not.toContain('Hypertensive'); // unrelated data is not evidence
    expect(card.links).toEqual([
      expect.objectContaining({
        type: 'absolute',
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/guidance\/nitrofurantoin-neuropathy-risk$/) as unknown,
      }),
    ]);
  });

  test('risk factor without neuropathy (RA + type 2 diabetes, text-only order): warning naming the risk factor', async () => {
    const card = await cardFor('order-sign.ctd-diabetes-nitrofurantoin-text');
    expect(card.indicator).toBe('warning');
    expect(card.detail).toContain('Diabetes mellitus');
    expect(card.detail).toContain('Macrobid 100 mg capsule, 1 capsule twice a day** (recognised from text)');
    expect(card.suggestions?.[0]?.actions?.[0]).toMatchObject({
      type: 'delete',
      resourceId: 'MedicationRequest/draft-macrobid',
    });
  });

  test('order-sign checks every draft: only the nitrofurantoin one is proposed for deletion', async () => {
    const card = await cardFor('order-sign.ctd-neuropathy-nitrofurantoin');
    expect(
      card.suggestions?.flatMap((s) => s.actions?.map((a) => (a.type === 'delete' ? a.resourceId : '')) ?? [])
    ).toEqual(['MedicationRequest/draft-nitrofurantoin']);
  });

  test('accepting the suggestion removes the draft, and the card does not return', async () => {
    const body = fixture('order-sign.ctd-neuropathy-nitrofurantoin');
    const drafts = (body['context'] as { draftOrders: { entry: { resource: { id: string } }[] } }).draftOrders;
    drafts.entry = drafts.entry.filter((e) => e.resource.id !== 'draft-nitrofurantoin');
    const res = await request(service.app).post('/cds-services/ctd-neuropathy-order-sign').send(body).expect(200);
    expect(expectCdsResponse(res.body).cards).toEqual([]);
  });

  test('the patient-view twin flags an active prescription, without a delete suggestion', async () => {
    const card = await cardFor('patient-view.ctd-neuropathy-active-nitrofurantoin');
    expect(card.source.topic?.code).toBe('nitrofurantoin-neuropathy-risk-active');
    expect(card.suggestions).toBeUndefined();
    expect(card.overrideReasons?.length).toBeGreaterThan(0);
    expect(card.extension?.[EVIDENCE_EXTENSION]).toContain('MedicationRequest/rx-nitrofurantoin');
  });

  test('patient data cannot inject Markdown or HTML into the card', async () => {
    const body = fixture('order-select.ctd-neuropathy-nitrofurantoin');
    const conditions = (
      body['prefetch'] as { conditions: { entry: { resource: { code: { coding: { display: string }[] } } }[] } }
    ).conditions;
    conditions.entry[0]!.resource.code.coding[0]!.display =
      '<img src=x onerror=alert(1)> [click](http://evil.example) **bold**';
    const res = await request(service.app).post('/cds-services/ctd-neuropathy-order-select').send(body).expect(200);
    const detail = expectCdsResponse(res.body).cards[0]?.detail ?? '';
    expect(detail).toContain('\\<img src=x onerror=alert(1)\\> \\[click\\](http://evil.example) \\*\\*bold\\*\\*');
    expect(detail).not.toMatch(/(?<!\\)<img/); // only escaped occurrences
    expect(detail).not.toMatch(/(?<!\\)\[click(?<!\\)\]/);
  });
});
