import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { defaultKnowledgeDir } from '../../src/config.js';
import { loadKnowledge } from '../../src/knowledge/load-knowledge.js';
import { expectCdsResponse, fixture, testService } from '../support/service.js';

/**
 * Local codes: a site's local lab and medication codes, mapped by FHIR R4 ConceptMaps in its site
 * configuration, count as the standard codes they map to; evidence shows both; a bad map stops start-up naming the
 * file and the JSON path.
 */
const LOCAL_LAB = 'http://hospital.example.org/fhir/CodeSystem/lab-tests';
const LOCAL_RX = 'http://hospital.example.org/fhir/CodeSystem/formulary';

const labMap = {
  resourceType: 'ConceptMap',
  id: 'local-labs',
  status: 'active',
  group: [
    {
      source: LOCAL_LAB,
      target: 'http://loinc.org',
      element: [{ code: 'VITB12', target: [{ code: '2132-9', equivalence: 'equivalent' }] }],
    },
  ],
};
const medicationMap = {
  resourceType: 'ConceptMap',
  id: 'local-formulary',
  status: 'active',
  group: [
    {
      source: LOCAL_RX,
      target: 'http://www.nlm.nih.gov/research/umls/rxnorm',
      element: [{ code: 'NITRO-MC-100', target: [{ code: '1648759', equivalence: 'equal' }] }],
    },
  ],
};

/** A site folder with `site` as site.json and each of `files` beside it. */
function siteFolder(site: unknown, files: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'site-'));
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), JSON.stringify(content));
  }
  writeFileSync(join(dir, 'site.json'), JSON.stringify(site));
  return join(dir, 'site.json');
}

const load = (siteFile: string) => () =>
  loadKnowledge({
    knowledgeDir: defaultKnowledgeDir(),
    siteConfigFile: siteFile,
    guardrails: { timeoutMs: 1000, stackDepth: 500 },
  });

async function cards(service: ReturnType<typeof testService>) {
  const res = await request(service.app)
    .post('/cds-services/ctd-neuropathy-patient-view')
    .send(fixture('patient-view.local-codes-without-concept-map'))
    .expect(200);
  return expectCdsResponse(res.body).cards;
}

describe('site ConceptMaps: local codes count as the standard codes they map to', () => {
  test('without a map a local lab code is ignored; with one it is read as its LOINC code, both codes shown', async () => {
    const without = await cards(testService());
    expect(without.map((c) => c.source.topic?.code)).not.toContain('treatable-contributor-found');

    const site = siteFolder({ conceptMaps: ['labs.json', medicationMap] }, { 'labs.json': labMap });
    const withMaps = await cards(testService({ SITE_CONFIG: site }));
    const contributor = withMaps.find((c) => c.source.topic?.code === 'treatable-contributor-found');
    expect(contributor?.detail).toMatch(
      /Vitamin B12, serum\*\*: 150 pg\/mL \(low; threshold: below 200 pg\/mL\); local code VITB12 \(http:\/\/hospital\.example\.org\/fhir\/CodeSystem\/lab-tests\) \(LOINC 2132-9\)/
    );
    // The local formulary code is recognised by code (RxNorm), no longer only by its text.
    const nitrofurantoin = withMaps.find((c) => c.source.topic?.code === 'nitrofurantoin-neuropathy-risk-active');
    expect(nitrofurantoin?.detail).toContain('local code NITRO-MC-100');
    expect(nitrofurantoin?.detail).toContain('(RxNorm 1648759)');
  });

  test('prefetch code filters ask for the local codes too, so a FHIR search does not miss them', async () => {
    const site = siteFolder({ conceptMaps: [labMap] });
    const res = await request(testService({ SITE_CONFIG: site }).app)
      .get('/cds-services')
      .expect(200);
    const services = (res.body as { services: { id: string; prefetch: Record<string, string> }[] }).services;
    expect(services.find((s) => s.id === 'ctd-neuropathy-patient-view')?.prefetch['labs']).toContain(
      `${LOCAL_LAB}|VITB12`
    );
  });

  test.each([
    [
      'a target system no value set uses',
      { ...labMap, group: [{ ...labMap.group[0], target: 'http://example.org/other' }] },
      /site\.json at \$\.conceptMaps\[0\]\.group\[0\]\.target: 'http:\/\/example\.org\/other' is not a code system/,
    ],
    [
      'a narrower mapping',
      {
        ...labMap,
        group: [
          { ...labMap.group[0], element: [{ code: 'B12', target: [{ code: '2132-9', equivalence: 'narrower' }] }] },
        ],
      },
      /at \$\.conceptMaps\[0\]\.group\[0\]\.element\[0\]\.target\[0\]\.equivalence: 'narrower' cannot be used/,
    ],
    [
      'an element without a code',
      { ...labMap, group: [{ ...labMap.group[0], element: [{ target: [{ code: '2132-9', equivalence: 'equal' }] }] }] },
      /at \$\.conceptMaps\[0\]\.group\[0\]\.element\[0\]: is missing required field 'code'/,
    ],
    ['not a ConceptMap', { resourceType: 'ValueSet' }, /site\.json at \$\.conceptMaps\[0\]/],
  ])('start-up stops on %s, naming the file and the path', (_name, map, message) => {
    expect(load(siteFolder({ conceptMaps: [map] }))).toThrow(message);
  });

  test('a ConceptMap in a file of its own is named by that file', () => {
    const bad = { ...labMap, group: [{ ...labMap.group[0], target: 'urn:nothing' }] };
    expect(load(siteFolder({ conceptMaps: ['local-labs.json'] }, { 'local-labs.json': bad }))).toThrow(
      /local-labs\.json at \$\.group\[0\]\.target/
    );
  });
});

describe('site thresholds for results', () => {
  test('a site may raise the vitamin B12 threshold: 250 pg/mL becomes low', async () => {
    const body = fixture('patient-view.local-codes-without-concept-map');
    const b12 = (body['prefetch'] as { labs: { entry: { resource: Record<string, unknown> }[] } }).labs.entry[0]!
      .resource;
    b12['code'] = {
      coding: [
        { system: 'http://loinc.org', code: '2132-9', display: 'Cobalamin (Vitamin B12) [Mass/volume] in Serum' },
      ],
    };
    b12['valueQuantity'] = { value: 250, unit: 'pg/mL', system: 'http://unitsofmeasure.org', code: 'pg/mL' };
    const post = async (service: ReturnType<typeof testService>) =>
      expectCdsResponse(
        (await request(service.app).post('/cds-services/ctd-neuropathy-patient-view').send(body).expect(200)).body
      ).cards.map((c) => c.source.topic?.code);
    expect(await post(testService())).not.toContain('treatable-contributor-found');
    const site = siteFolder({ results: { 'vitamin-b12': { lowBelow: 300 } } });
    expect(await post(testService({ SITE_CONFIG: site }))).toContain('treatable-contributor-found');
  });

  test('an unknown measure in the site thresholds stops start-up', () => {
    expect(load(siteFolder({ results: { 'vitamin-b13': { lowBelow: 1 } } }))).toThrow(
      /site\.json at \$\.results\.vitamin-b13: is not a measure/
    );
  });
});
