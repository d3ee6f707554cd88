import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import type { Card } from '../../src/cds-hooks/types.js';
import { expectCdsResponse, fixture, repositoryKnowledge, testService } from '../support/service.js';

/**
 * Claims no stronger than the data (issue 13 section 2): "suspected" / "consider" unless confirmed, never "start X
 * now", sensory ataxia alone is a possible neuronopathy, and the seed's figures that outrun the literature are not
 * repeated.
 */
const service = testService();

async function cards(name: string): Promise<Card[]> {
  const body = fixture(name);
  const res = await request(service.app)
    .post(`/cds-services/ctd-neuropathy-${String(body['hook'])}`)
    .send(body)
    .expect(200);
  return [...expectCdsResponse(res.body).cards];
}
const card = async (name: string, rule: string): Promise<Card | undefined> =>
  (await cards(name)).find((c) => c.source.topic?.code === rule);

describe('claims no stronger than the data', () => {
  test('no card text tells to start a treatment now, or repeats the seed figures that outrun the literature', () => {
    for (const { id, template } of repositoryKnowledge().rules) {
      const text = [template.summary, template.guidance, template.patientNote ?? ''].join('\n');
      expect(text, id).not.toMatch(/\bstart\b[^.]*\bnow\b/i);
      expect(text, id).not.toMatch(/up to (half|50 ?%)/i);
    }
  });

  test('severe vasculitic neuropathy without a biopsy is "suspected", and the card says "consider"', async () => {
    const severe = await card('patient-view.pan-mononeuritis-foot-drop', 'severe-vasculitic-neuropathy-treatment');
    expect(severe?.summary).toMatch(/^Suspected severe vasculitic neuropathy \(Polyarteritis nodosa\): consider /);
    expect(severe?.summary).not.toMatch(/rituximab/); // rituximab is the alternative in GPA / MPA, not in PAN
    const gpa = await card('patient-view.gpa-mononeuritis-foot-drop', 'severe-vasculitic-neuropathy-treatment');
    expect(gpa?.summary).toMatch(/consider cyclophosphamide or rituximab/);
  });

  test('on rituximab with prednisone in GPA, the severe-treatment card does not ask for cyclophosphamide', async () => {
    const rules = (await cards('patient-view.gpa-mononeuritis-foot-drop-on-rituximab')).map(
      (c) => c.source.topic?.code
    );
    expect(rules).not.toContain('severe-vasculitic-neuropathy-treatment');
  });

  test('sensory ataxia alone is a possible sensory neuronopathy; a diagnosed one is named as such', async () => {
    const ataxia = await card('patient-view.sensory-ataxia-no-sjogren', 'sensory-neuronopathy-sjogren-screen');
    expect(ataxia?.summary).toMatch(/^Sensory ataxia \(possible sensory neuronopathy\), no confirmed Sjögren's/);
    const diagnosed = await card('patient-view.sensory-neuronopathy-no-sjogren', 'sensory-neuronopathy-sjogren-screen');
    expect(diagnosed?.summary).toMatch(/^Sensory neuronopathy, no confirmed Sjögren's/);
  });

  test('with the biopsy done, no card of the response asks for a biopsy', async () => {
    const awaited = await cards('patient-view.sle-mononeuritis-biopsy-awaited');
    const suspected = awaited.find((c) => c.source.topic?.code === 'vasculitic-neuropathy-suspected');
    expect(suspected?.summary).toMatch(/biopsy done or ordered, result awaited$/);
    expect(suspected?.detail).toContain('its result is awaited');
    const labels = awaited.flatMap((c) => (c.suggestions ?? []).map((s) => s.label));
    expect(labels.filter((l) => /biopsy/i.test(l))).toEqual([]);
  });

  test('every fixture card that names a diagnosis from codes alone keeps "suspected" or "possible"', async () => {
    const dir = join(import.meta.dirname, '..', 'fixtures', 'requests');
    const names = readdirSync(dir)
      .map((f) => f.replace(/\.json$/, ''))
      .filter((n) => !n.includes('no-prefetch'));
    for (const name of names) {
      for (const c of await cards(name)) {
        if (c.source.topic?.code === 'vasculitic-neuropathy-suspected') {
          expect(c.summary, name).toMatch(/^Suspected vasculitic neuropathy/);
        }
        if (c.source.topic?.code === 'severe-vasculitic-neuropathy-treatment') {
          expect(c.summary, name).toMatch(/^(Suspected|Biopsy-proven) severe vasculitic neuropathy/);
        }
      }
    }
  });
});
