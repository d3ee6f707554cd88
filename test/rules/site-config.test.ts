import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { expectCdsResponse, fixture, testService } from '../support/service.js';

/** A service whose SITE_CONFIG file holds `site`. */
function serviceWithSite(site: unknown): ReturnType<typeof testService> {
  const file = join(mkdtempSync(join(tmpdir(), 'site-')), 'site.json');
  writeFileSync(file, JSON.stringify(site));
  return testService({ SITE_CONFIG: file });
}

async function rulesFiring(service: ReturnType<typeof testService>, name: string): Promise<(string | undefined)[]> {
  const body = fixture(name);
  const res = await request(service.app)
    .post(`/cds-services/ctd-neuropathy-${String(body['hook'])}`)
    .send(body)
    .expect(200);
  return expectCdsResponse(res.body).cards.map((c) => c.source.topic?.code);
}

describe('site configuration (SITE_CONFIG) changes what fires', () => {
  const defaults = testService();

  test('a rule switched off gives no card; the others are unaffected', async () => {
    const chart = 'patient-view.ra-symmetric-polyneuropathy';
    expect(await rulesFiring(defaults, chart)).toContain('neuropathy-workup-labs');
    const site = serviceWithSite({ rules: { 'neuropathy-workup-labs': { enabled: false } } });
    expect(await rulesFiring(site, chart)).toEqual(['symmetric-neuropathy-vasculitis-not-excluded']);
  });

  test('a longer look-back counts an older vitamin B12 as recent', async () => {
    // The chart's last B12 is from 2024-09-01, 638 days before the test day: outside the default 365 days.
    const chart = 'patient-view.sle-diabetic-neuropathy-metformin';
    expect(await rulesFiring(defaults, chart)).toContain('b12-on-metformin');
    const site = serviceWithSite({ lookbacks: { 'lab-b12': 730 } });
    expect(await rulesFiring(site, chart)).toEqual(['treatable-contributor-found']);
  });

  test('a look-back set to null means "any date"', async () => {
    const site = serviceWithSite({ lookbacks: { 'lab-b12': null } });
    expect(await rulesFiring(site, 'patient-view.sle-diabetic-neuropathy-metformin')).not.toContain('b12-on-metformin');
  });

  test('a shorter "recent studies" window asks again for nerve studies done 47 days ago', async () => {
    const chart = 'patient-view.ra-symmetric-polyneuropathy-studied';
    expect(await rulesFiring(defaults, chart)).toEqual([]);
    const site = serviceWithSite({ settings: { ncsRecentDays: 30 } });
    expect(await rulesFiring(site, chart)).toEqual(['symmetric-neuropathy-vasculitis-not-excluded']);
  });

  test('the labs prefetch query follows the longest look-back', async () => {
    const site = serviceWithSite({ lookbacks: { 'lab-b12': 730 } });
    const res = await request(site.app).get('/cds-services').expect(200);
    const services = (res.body as { services: { id: string; prefetch: Record<string, string> }[] }).services;
    const labs = services.find((s) => s.id === 'ctd-neuropathy-patient-view')?.prefetch['labs'];
    expect(labs).toContain('date=ge{{today() - 730 days}}');
  });
});
