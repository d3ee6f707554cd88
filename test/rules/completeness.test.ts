import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import request from 'supertest';
import { afterEach, describe, expect, test } from 'vitest';
import { substituteTemplate, type TokenValues } from '../../src/cds-hooks/prefetch-template.js';
import type { Card } from '../../src/cds-hooks/types.js';
import { defaultKnowledgeDir } from '../../src/config.js';
import { commonBindingReads, readsOf } from '../support/jsonata-reads.js';
import { mockFhirServer, prefetchResources } from '../support/nock-fhir.js';
import { expectCdsResponse, fixture, repositoryKnowledge, TODAY, testService } from '../support/service.js';

/**
 * "Unknown is not absent" (rules.md section 5): completeness is a property of the decision model. Each prefetch key declares
 * the fields it feeds (hooks/prefetch/templates.json `feeds`), derived fields the fields they read
 * (mappings/decision-model.json `reads`), each rule the fields it reads (cards/<rule>.json `facts`). When data
 * cannot be read, every card whose facts rest on it names that data; no other card does. The declarations are
 * checked against the JSONata they describe, and the behaviour by failing each optional key (prefetch form) and
 * each FHIR query (fetch form) in turn over the request fixtures.
 */
const root = defaultKnowledgeDir();
const knowledge = repositoryKnowledge();
const service = testService();
const fields = knowledge.mapping.fields;
const fieldNames = new Set(fields.map((f) => f.field));
const ruleFacts = new Map(knowledge.rules.map((r) => [r.id, new Set(r.template.facts)]));

afterEach(() => {
  nock.cleanAll();
});

/** Fields resting on `feeds`: those, and every field reading one of them (fields are in dependency order). */
function incompleteFields(feeds: readonly string[]): Set<string> {
  const out = new Set(feeds);
  for (const { field, reads } of fields) {
    if ((reads ?? []).some((r) => out.has(r))) {
      out.add(field);
    }
  }
  return out;
}

/** Each card names the data exactly when its rule reads a field that rests on it. */
function expectCaveats(cards: readonly Card[], label: string, incomplete: ReadonlySet<string>): void {
  for (const card of cards) {
    const rule = card.source.topic?.code ?? '';
    const rests = [...(ruleFacts.get(rule) ?? [])].some((f) => incomplete.has(f));
    const names = (card.detail ?? '').includes(`the ${label} could not be read`);
    expect(names, `${rule}: ${rests ? 'must' : 'must not'} say that the ${label} could not be read`).toBe(rests);
  }
}

const post = (body: Record<string, unknown>) =>
  request(service.app)
    .post(`/cds-services/ctd-neuropathy-${String(body['hook'])}`)
    .send(body);

const fixtureNames = readdirSync(join(import.meta.dirname, '..', 'fixtures', 'requests')).map((f) =>
  f.replace(/\.json$/, '')
);
const serviceOf = (body: Record<string, unknown>) => {
  const loaded = knowledge.services.get(`ctd-neuropathy-${String(body['hook'])}`);
  if (loaded === undefined) {
    throw new Error(`no service for ${String(body['hook'])}`);
  }
  return loaded;
};

describe('completeness is declared beside the knowledge, and the declarations match the JSONata', () => {
  const common = commonBindingReads(readFileSync(join(root, 'cards', 'common.jsonata'), 'utf8'));

  test.each(knowledge.rules.map((r) => [r.id]))('cards/%s.json facts are the fields its condition reads', (id) => {
    const reads = readsOf(readFileSync(join(root, 'cards', `${id}.jsonata`), 'utf8'));
    const read = new Set([...reads.roots].filter((name) => fieldNames.has(name)));
    for (const variable of reads.variables) {
      for (const name of common.get(variable) ?? []) {
        read.add(name);
      }
    }
    expect([...(ruleFacts.get(id) ?? [])].sort()).toEqual([...read].sort());
  });

  test('decision-model.json reads are the earlier fields each mapping reads as $<field>', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'mappings', 'decision-model.json'), 'utf8')) as {
      fields: { field: string; expression: string; reads?: string[] }[];
    };
    for (const { field, expression, reads } of manifest.fields) {
      const used = readsOf(readFileSync(join(root, 'mappings', expression), 'utf8')).variables;
      expect([...(reads ?? [])].sort(), field).toEqual([...used].filter((v) => fieldNames.has(v)).sort());
    }
  });

  test('a prefetch key feeds every field that reads its value sets (by decision-model fact)', () => {
    const templates = JSON.parse(readFileSync(join(root, 'hooks', 'prefetch', 'templates.json'), 'utf8')) as Record<
      string,
      { query: string; feeds: string[]; valueSets?: string[] }
    >;
    for (const [key, template] of Object.entries(templates)) {
      const type = /^[A-Za-z]+/.exec(template.query)?.[0] ?? '';
      for (const id of template.valueSets ?? []) {
        const fact = knowledge.codeIndex.sets.get(id)?.fact ?? '';
        const readers = fields.filter((f) => {
          if (f.field === fact) {
            return true;
          }
          if (!(f.facts ?? []).includes(fact)) {
            return false;
          }
          // A mapping that names the resource types it reads must read this key's type.
          const source = readFileSync(join(root, 'mappings', f.expression.file.split('/').pop() ?? ''), 'utf8');
          const types = [...source.matchAll(/resourceType = "([A-Za-z]+)"/g)].map((m) => m[1]);
          return types.length === 0 || types.includes(type);
        });
        for (const reader of readers) {
          expect(template.feeds, `${key} (${id}) feeds ${reader.field}`).toContain(reader.field);
        }
      }
    }
  });
});

describe('an optional prefetch key that could not be read: the cards resting on it say so (prefetch form)', () => {
  const cases = fixtureNames.flatMap((name) => {
    const body = fixture(name);
    if (body['prefetch'] === undefined) {
      return [];
    }
    return serviceOf(body)
      .prefetch.filter((spec) => !spec.required)
      .map((spec) => [name, spec.key] as const);
  });

  test.each(cases)('%s without %s', async (name, key) => {
    const body = fixture(name);
    const spec = serviceOf(body).prefetch.find((s) => s.key === key)!;
    (body['prefetch'] as Record<string, unknown>)[key] = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'forbidden', diagnostics: 'not granted' }],
    };
    // Without a fhirServer the key cannot be fetched either.
    delete body['fhirServer'];
    delete body['fhirAuthorization'];
    const res = await post(body).expect(200);
    expectCaveats(expectCdsResponse(res.body).cards, spec.label, incompleteFields(spec.feeds));
  });

  test('the biopsy reports cannot be read: a biopsy-proven patient is not told "urgent biopsy" without a word', async () => {
    const body = fixture('patient-view.biopsy-proven-by-report.reports-unavailable');
    const cards = expectCdsResponse((await post(body).expect(200)).body).cards;
    const suspected = cards.find((c) => c.source.topic?.code === 'vasculitic-neuropathy-suspected');
    expect(suspected?.detail).toContain('the biopsy reports (DiagnosticReport) could not be read');
    expect(suspected?.detail).toMatch(/may be wrong or change/);
    // With the reports readable, the same chart is biopsy-proven: monitoring, no suspicion card.
    const readable = expectCdsResponse((await post(fixture('patient-view.biopsy-proven-by-report')).expect(200)).body);
    expect(readable.cards.map((c) => c.source.topic?.code)).toContain('vasculitic-neuropathy-monitoring');
    expect(readable.cards.map((c) => c.source.topic?.code)).not.toContain('vasculitic-neuropathy-suspected');
    expect(readable.cards.every((c) => !(c.detail ?? '').includes('could not be read'))).toBe(true);
  });
});

describe('a FHIR query that fails (fetch form): 412 for required data, a named caveat for optional data', () => {
  const cases = fixtureNames
    .filter((name) => name.endsWith('.no-prefetch'))
    .flatMap((name) => serviceOf(fixture(name)).prefetch.map((spec) => [name, spec.key] as const));

  /** Serves the source fixture's resources, but answers 500 to the one query of `failing`. */
  function serverFailing(name: string, failing: string | undefined, failRead?: RegExp): void {
    const body = fixture(name);
    const spec = serviceOf(body).prefetch.find((s) => s.key === failing);
    const url = spec && substituteTemplate(spec.template, body['context'] as TokenValues, TODAY);
    const same = (uri: string): boolean => {
      if (url === undefined) {
        return false;
      }
      const a = new URL(uri, 'https://ehr.example.org');
      const b = new URL(`/fhir/${url}`, 'https://ehr.example.org');
      const sorted = (u: URL) => [...u.searchParams.entries()].sort().join('&');
      return a.pathname === b.pathname && sorted(a) === sorted(b);
    };
    nock('https://ehr.example.org')
      .persist()
      .get((uri) => same(uri) || (failRead?.test(uri) ?? false))
      .reply(500, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] });
    mockFhirServer(prefetchResources(fixture(name.replace(/\.no-prefetch$/, ''))));
  }

  test.each(cases)('%s when the %s query fails', async (name, key) => {
    const body = fixture(name);
    const spec = serviceOf(body).prefetch.find((s) => s.key === key)!;
    serverFailing(name, key);
    const res = await post(body);
    if (spec.required) {
      expect(res.status).toBe(412);
      expect(JSON.stringify(res.body)).toContain(`prefetch.${key}`);
      return;
    }
    expect(res.status).toBe(200);
    expectCaveats(expectCdsResponse(res.body).cards, spec.label, incompleteFields(spec.feeds));
  });

  test('a referenced Medication that cannot be read leaves the medication orders incomplete', async () => {
    const name = 'patient-view.medication-by-reference.no-prefetch';
    serverFailing(name, undefined, /\/fhir\/Medication\//);
    const res = await post(fixture(name)).expect(200);
    const spec = serviceOf(fixture(name)).prefetch.find((s) => s.key === 'medications')!;
    const cards = expectCdsResponse(res.body).cards;
    expectCaveats(cards, spec.label, incompleteFields(spec.feeds));
    // The product is then known only by the reference's display text, the last fallback.
    const active = cards.find((c) => c.source.topic?.code === 'nitrofurantoin-neuropathy-risk-active');
    expect(active?.detail).toContain('(recognised from text)');
  });
});
