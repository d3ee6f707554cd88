import { describe, expect, test } from 'vitest';
import { EVIDENCE_EXTENSION, renderCards, type RenderContext } from '../../src/cards/render-cards.js';
import type { DecisionModel, Evidence } from '../../src/mapping/decision-model.js';
import type { RuleOutcome } from '../../src/rules/decide.js';
import type { Finding } from '../../src/rules/rule.js';
import { repositoryKnowledge, sequentialIds } from '../support/service.js';

const knowledge = repositoryKnowledge();
const ruleById = (id: string) => knowledge.rules.find((r) => r.id === id)!;
const model = { patientId: 'p1', today: '2026-06-01', orders: [], draftOrders: [] } as unknown as DecisionModel;
const context = (): RenderContext => ({
  model,
  orderables: knowledge.orderables,
  orderSets: knowledge.orderSets,
  publicBaseUrl: 'http://127.0.0.1:1',
  newId: sequentialIds(),
});
const evidence = (n: number): Evidence => ({
  reference: `Condition/c${String(n)}`,
  display: `Record ${String(n)}`,
  system: 'http://snomed.info/sct',
  code: '55464009',
  date: '2026-01-02',
});
const outcome = (id: string, finding: Finding): RuleOutcome => ({
  rule: ruleById(id),
  finding,
  indicator: ruleById(id).template.indicator,
});

describe('renderCards (issue 13: a card reads at a glance)', () => {
  test('evidence lines show display, code and date; the references go to the extension; at most 8 lines', () => {
    const [card] = renderCards(
      [outcome('treatable-contributor-found', { evidence: Array.from({ length: 11 }, (_, i) => evidence(i)) })],
      context()
    );
    expect(card?.detail).toContain('- **Record 0** (SNOMED CT 55464009), 2026-01-02\n');
    expect(card?.detail).toContain('- **Record 7** (SNOMED CT 55464009), 2026-01-02\n- and 3 more record(s)\n');
    expect(card?.detail).not.toContain('Record 8');
    expect(card?.detail).not.toMatch(/Condition\//);
    expect(card?.extension?.[EVIDENCE_EXTENSION]).toHaveLength(11);
  });

  test('orders of one order set pending on a card are one suggestion with several create actions', () => {
    const [card] = renderCards(
      [
        outcome('neuropathy-workup-labs', {
          evidence: [evidence(1)],
          suggest: ['lab-ana', 'lab-crp', 'lab-anti-ro'].map((orderable) => ({ use: 'order' as const, orderable })),
        }),
      ],
      context()
    );
    expect(card?.suggestions?.map((s) => [s.label, s.actions?.length])).toEqual([
      ['Order the CTD antibody panel: ANA, anti-Ro/SSA', 2],
      ['Order C-reactive protein', 1],
    ]);
  });

  test('a card whose every order is already suggested on an earlier card is not shown', () => {
    const b12 = { use: 'order' as const, orderable: 'lab-b12' };
    const cards = renderCards(
      [
        outcome('b12-on-metformin', { evidence: [evidence(1)], suggest: [b12] }),
        outcome('neuropathy-workup-labs', { evidence: [evidence(1)], suggest: [b12] }),
        outcome('treatable-contributor-found', { evidence: [evidence(2)] }),
      ],
      context()
    );
    expect(cards.map((c) => c.source.topic?.code)).toEqual(['b12-on-metformin', 'treatable-contributor-found']);
  });
});
