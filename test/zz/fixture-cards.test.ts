import nock from 'nock';
import request from 'supertest';
import { test } from 'vitest';
import type { Card } from '../../src/cds-hooks/types.js';
import { fixture, testService } from '../support/service.js';
import { mockFhirServer, prefetchResources } from '../support/nock-fhir.js';
const service = testService();
const names = (process.env['FIX'] ?? '').split(',');
const evidenceOf = (card: Card): string[] =>
  [...(card.detail ?? '').matchAll(/ - ([A-Za-z]+\/[A-Za-z0-9.-]+)(?:,|$)/gm)].map((m) => m[1] ?? '');
test('print', async () => {
  const out: Record<string, unknown> = {};
  for (const name of names) {
    nock.cleanAll();
    const body = fixture(name);
    let from: string | undefined;
    if (body['prefetch'] === undefined) {
      from = name.replace(/\.no-prefetch$/, '');
      mockFhirServer(prefetchResources(fixture(from)));
    }
    const res = await request(service.app).post(`/cds-services/ctd-neuropathy-${String(body['hook'])}`).send(body);
    const cards = (res.body as { cards: Card[] }).cards ?? [];
    out[name] = {
      cards: cards.map((c) => ({ rule: c.source.topic?.code, indicator: c.indicator, evidence: evidenceOf(c), suggestions: (c.suggestions ?? []).map((s) => s.label) })),
      ...(from === undefined ? {} : { fhirServerFrom: from }),
    };
    if (process.env['DETAIL']) for (const c of cards) console.error(name, '\n', c.summary, '\n', c.detail);
    if (res.status !== 200) console.error(name, res.status, JSON.stringify(res.body));
  }
  console.log('@@' + JSON.stringify(out) + '@@');
});
