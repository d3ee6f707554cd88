import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../src/call-service.js';
import type { HookName } from '../../src/cds-hooks/types.js';
import { offlinePipeline } from '../../src/cli/offline-pipeline.js';
import { defaultKnowledgeDir, parseConfig } from '../../src/config.js';
import { draftOrderFor } from '../../src/demo/demo-data.js';
import {
  callHook,
  demoExpectations,
  demoRequest,
  ruleIds,
  startDemoService,
  type RunningService,
} from '../support/demo.js';
import { expectCdsResponse, expectOutcome } from '../support/service.js';

/**
 * End to end over real HTTP, no mocks: the service, started on an ephemeral port, fetches every prefetch key from the
 * demo FHIR server (Medplum's router, same process, reached through a real socket by fhir-kit-client) with the demo
 * bearer token, for every demo patient and order scenario; the rule ids are compared with demo/expectations.json.
 */
const expectations = demoExpectations();
let running: RunningService;

beforeAll(async () => {
  running = await startDemoService();
});
afterAll(async () => {
  await running.close();
});

const fhirServer = (): string => `${running.base}/fhir`;

const scenarios: [string, HookName, string, readonly string[], readonly string[] | undefined, readonly string[]][] =
  Object.entries(expectations).flatMap(([patientId, expected]) => [
    [patientId, 'patient-view' as const, '', [], undefined, expected['patient-view']],
    ...expected.orders.flatMap((order) =>
      (['order-select', 'order-sign'] as const).map(
        (hook) =>
          [patientId, hook, order.drafts.join('+'), order.drafts, order.selections, order[hook]] as [
            string,
            HookName,
            string,
            readonly string[],
            readonly string[] | undefined,
            readonly string[],
          ]
      )
    ),
  ]);

describe('demo patients over real HTTP (service -> demo FHIR server with a bearer token)', () => {
  test('every demo patient has expectations, and every expectation a patient', () => {
    expect(running.demo.patients.map((p) => p.id).sort()).toEqual(Object.keys(expectations).sort());
  });

  test.concurrent.each(scenarios)('%s %s %s', async (patientId, hook, _label, drafts, selections, expected) => {
    const body = demoRequest(running.demo, {
      hook,
      patientId,
      fhirServer: fhirServer(),
      drafts,
      ...(selections === undefined ? {} : { selections }),
    });
    const { status, json } = await callHook(running.base, body);
    expect(status, JSON.stringify(json)).toBe(200);
    expect(ruleIds(expectCdsResponse(json).cards)).toEqual(expected);
  });

  // The CLI path: the patient's whole chart as prefetch, no FHIR server, none of the queries' server-side filters.
  // Equal answers mean the demo server's searches (Medplum's engine) return everything the rules need.
  test('offline, with the whole chart as prefetch (the CLI path), every scenario gives the same cards', async () => {
    const pipeline = offlinePipeline(parseConfig({ LOG_LEVEL: 'silent' }), systemClock);
    const differences: string[] = [];
    for (const [patientId, hook, label, drafts, selections, expected] of scenarios) {
      const chart = running.demo.patients.find((p) => p.id === patientId)!;
      const orders = drafts.map((id) => draftOrderFor(running.demo, id, patientId));
      // The CLI selects every order it is given; a scenario that selects fewer is checked over HTTP only.
      if (hook === 'order-select' && selections !== undefined && selections.length !== drafts.length) {
        continue;
      }
      const { response } = await pipeline.evaluate(
        [chart.patient, ...chart.resources],
        patientId,
        hook,
        hook === 'patient-view' ? undefined : orders
      );
      const actual = ruleIds(response.cards);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        differences.push(`${patientId} ${hook} ${label}: ${actual.join(',')} instead of ${expected.join(',')}`);
      }
    }
    expect(differences).toEqual([]);
  });

  test('every rule fires for a demo patient in each of its hooks, and stays silent for another', () => {
    const cardsDir = join(defaultKnowledgeDir(), 'cards');
    const gaps: string[] = [];
    for (const file of readdirSync(cardsDir).filter((f) => f.endsWith('.jsonata') && f !== 'common.jsonata')) {
      const rule = file.replace(/\.jsonata$/, '');
      const { hooks } = JSON.parse(readFileSync(join(cardsDir, `${rule}.json`), 'utf8')) as { hooks: HookName[] };
      for (const hook of hooks) {
        const results = scenarios.filter(([, h]) => h === hook).map(([, , , , , rules]) => rules.includes(rule));
        if (!results.includes(true)) {
          gaps.push(`${rule} fires for no demo patient on ${hook}`);
        }
        if (!results.includes(false)) {
          gaps.push(`${rule} is silent for no demo patient on ${hook}`);
        }
      }
    }
    expect(gaps).toEqual([]);
  });

  test('a wrong token: the demo server refuses every fetch, and the service answers 412 naming the keys', async () => {
    const body = demoRequest(running.demo, {
      hook: 'patient-view',
      patientId: 'sle-mononeuritis-multiplex',
      fhirServer: fhirServer(),
      token: 'not-the-demo-token',
    });
    const { status, json } = await callHook(running.base, body);
    expect(status).toBe(412);
    expectOutcome(json);
    const issues = (json as { issue: { expression?: string[]; details?: { text?: string } }[] }).issue;
    const required = ['conditions', 'labs', 'autoantibodies', 'findings', 'medications', 'procedures', 'orders'];
    expect(issues.flatMap((i) => i.expression ?? []).sort()).toEqual(required.map((k) => `prefetch.${k}`).sort());
    for (const issue of issues) {
      expect(issue.details?.text).toMatch(/refused access \(HTTP 401\)/);
      expect(issue.details?.text).not.toContain('not-the-demo-token');
    }
  });

  test('no token at all: refused the same way (the demo server is not open by default)', async () => {
    const body = demoRequest(running.demo, {
      hook: 'patient-view',
      patientId: 'sle-mononeuritis-multiplex',
      fhirServer: fhirServer(),
    });
    delete body['fhirAuthorization'];
    const { status, json } = await callHook(running.base, body);
    expect(status).toBe(412);
    expect(expectOutcome(json)).toMatch(/HTTP 401/);
  });
});
