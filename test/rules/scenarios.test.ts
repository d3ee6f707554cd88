import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import request from 'supertest';
import { afterEach, describe, expect, test } from 'vitest';
import { expectCdsResponse, fixture, testService } from '../support/service.js';
import { mockFhirServer, prefetchResources } from '../support/nock-fhir.js';

interface Expectation {
  readonly cards: readonly [string, string][];
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

describe('request fixtures (each rule: where it fires and its nearest misses)', () => {
  test('every fixture has an expectation, and every expectation a fixture', () => {
    expect(fixtures.sort()).toEqual(
      Object.keys(expectations)
        .filter((k) => !k.startsWith('$'))
        .sort()
    );
  });

  test.each(fixtures.map((name) => [name]))('%s', async (name) => {
    const expected = expectations[name];
    if (expected === undefined) {
      throw new Error(`no expectation for ${name}`);
    }
    if (expected.fhirServerFrom !== undefined) {
      mockFhirServer(prefetchResources(fixture(expected.fhirServerFrom)));
    }
    const body = fixture(name);
    const res = await request(service.app)
      .post(`/cds-services/ctd-neuropathy-${String(body['hook'])}`)
      .send(body)
      .expect(200);
    const cards = expectCdsResponse(res.body).cards;
    expect(cards.map((c) => [c.source.topic?.code, c.indicator])).toEqual(expected.cards);
  });
});
