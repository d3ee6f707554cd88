import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import request from 'supertest';
import { afterEach, describe, expect, test } from 'vitest';
import { EVIDENCE_EXTENSION } from '../../src/cards/render-cards.js';
import type { Card } from '../../src/cds-hooks/types.js';
import { expectValidFhirR4 } from '../support/fhir-r4.js';
import { expectCdsResponse, fixture, testService } from '../support/service.js';
import { mockFhirServer, prefetchResources } from '../support/nock-fhir.js';
import { acceptSuggestions } from '../support/accept-suggestions.js';

interface ExpectedCard {
  readonly rule: string;
  readonly indicator: string;
  /** The resources the card shows as its evidence (type/id), in order. */
  readonly evidence: readonly string[];
  /** The labels of its suggestions, in order. */
  readonly suggestions: readonly string[];
}

interface Expectation {
  readonly cards: readonly ExpectedCard[];
  /** Serve this fixture's prefetch from a mock FHIR server (the request itself has no prefetch). */
  readonly fhirServerFrom?: string;
}

const dir = join(import.meta.dirname, '..', 'fixtures');
const expectations = JSON.parse(readFileSync(join(dir, 'expectations.json'), 'utf8')) as Record<string, Expectation>;
const fixtures = readdirSync(join(dir, 'requests')).map((f) => f.replace(/\.json$/, ''));
const service = testService();

afterEach(() => {
  nock.cleanAll();
});

/** The type/id of each record behind a card, in the order of its evidence lines (the card's extension). */
function evidenceOf(card: Card): string[] {
  return (card.extension?.[EVIDENCE_EXTENSION] as string[] | undefined) ?? [];
}

async function call(body: Record<string, unknown>): Promise<Card[]> {
  const res = await request(service.app)
    .post(`/cds-services/ctd-neuropathy-${String(body['hook'])}`)
    .send(body)
    .expect(200);
  return [...expectCdsResponse(res.body).cards];
}

const rulesIn = (cards: readonly { rule?: string; source?: Card['source'] }[]): string[] =>
  cards.map((c) => c.rule ?? c.source?.topic?.code ?? '');

describe('request fixtures (each rule: where it fires and its nearest misses)', () => {
  test('every fixture has an expectation, and every expectation a fixture', () => {
    expect(fixtures.sort()).toEqual(
      Object.keys(expectations)
        .filter((k) => !k.startsWith('$'))
        .sort()
    );
  });

  test('every rule fires in a fixture of each of its hooks, and stays silent in another one', () => {
    const cardsDir = join(import.meta.dirname, '..', '..', 'cards');
    const rules = readdirSync(cardsDir)
      .filter((f) => f.endsWith('.jsonata') && f !== 'common.jsonata')
      .map((f) => f.replace(/\.jsonata$/, ''));
    const byHook = (hook: string): [string, Expectation][] =>
      Object.entries(expectations).filter(([name]) => name.startsWith(`${hook}.`));
    const gaps: string[] = [];
    for (const rule of rules) {
      const { hooks } = JSON.parse(readFileSync(join(cardsDir, `${rule}.json`), 'utf8')) as { hooks: string[] };
      for (const hook of hooks) {
        const fires = byHook(hook).filter(([, e]) => rulesIn(e.cards).includes(rule));
        if (fires.length === 0) {
          gaps.push(`${rule} fires in no ${hook} fixture`);
        }
        if (fires.length === byHook(hook).length) {
          gaps.push(`${rule} is silent in no ${hook} fixture`);
        }
      }
    }
    expect(gaps).toEqual([]);
  });

  test.each(fixtures.map((name) => [name]))('%s', async (name) => {
    const expected = expectations[name];
    if (expected === undefined) {
      throw new Error(`no expectation for ${name}`);
    }
    if (expected.fhirServerFrom !== undefined) {
      mockFhirServer(prefetchResources(fixture(expected.fhirServerFrom)));
    }
    const cards = await call(fixture(name));
    expect(
      cards.map((c) => ({
        rule: c.source.topic?.code,
        indicator: c.indicator,
        evidence: evidenceOf(c),
        suggestions: (c.suggestions ?? []).map((s) => s.label),
      }))
    ).toEqual(expected.cards);

    for (const card of cards) {
      // rules.md section 4: every card shows its evidence and its source (once: the label in `source`, the
      // citation in the detail); warnings can be overridden.
      expect(card.summary.length).toBeLessThan(140);
      expect(card.detail).toContain('**Patient data behind this card**');
      expect(card.detail).toContain('**References:**');
      expect(card.detail).not.toContain(card.source.label);
      if (card.indicator !== 'info') {
        expect(card.overrideReasons?.length, card.summary).toBeGreaterThan(0);
      }
      for (const action of (card.suggestions ?? []).flatMap((s) => s.actions ?? [])) {
        if (action.type === 'create') {
          expectValidFhirR4(action.resource);
          expect(action.resource).toMatchObject({
            status: 'draft',
            intent: 'order',
            subject: { reference: 'Patient/pat-ctd-001' },
          });
        }
      }
    }
  });

  // Issue 5: "the same card does not reappear after the clinician has accepted its suggestion". Accepting every
  // suggestion and calling again must not bring back a suggestion already taken, nor a card whose draft was removed.
  test.each(fixtures.filter((name) => (expectations[name]?.cards ?? []).some((c) => c.suggestions.length > 0)))(
    'after accepting its suggestions: %s',
    async (name) => {
      const body = fixture(name);
      if (body['prefetch'] === undefined) {
        return; // the no-prefetch variant is the same chart as its source fixture
      }
      const before = await call(body);
      const { body: after, accepted, removed } = acceptSuggestions(body, before);
      const again = await call(after);
      const suggestedAgain = again.flatMap((c) => (c.suggestions ?? []).map((s) => s.label));
      for (const label of accepted) {
        expect(suggestedAgain, `suggested again after acceptance: ${label}`).not.toContain(label);
      }
      for (const card of again) {
        for (const reference of removed) {
          expect(evidenceOf(card), card.summary).not.toContain(reference);
        }
      }
    }
  );
});
