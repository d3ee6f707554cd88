import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Card, HookName } from '../../src/cds-hooks/types.js';
import { composeService, type ComposedService } from '../../src/compose.js';
import { DEFAULT_DEMO_FHIR_TOKEN, parseConfig } from '../../src/config.js';
import { defaultDemoDir, draftOrderFor, type DemoData } from '../../src/demo/demo-data.js';
import { createLogger } from '../../src/logger.js';
import { listenOnLoopback } from './loopback.js';
import { repositoryKnowledge } from './service.js';

/** One order scenario of demo/expectations.json: the drafts in context, the selected ones, what each hook answers. */
export interface DemoOrderScenario {
  readonly drafts: readonly string[];
  readonly selections?: readonly string[];
  readonly 'order-select': readonly string[];
  readonly 'order-sign': readonly string[];
}

export interface DemoExpectation {
  readonly 'patient-view': readonly string[];
  readonly orders: readonly DemoOrderScenario[];
}

/** demo/expectations.json: expected rule ids (in card order) per demo patient and order scenario. */
export function demoExpectations(): Record<string, DemoExpectation> {
  const all = JSON.parse(readFileSync(join(defaultDemoDir(), 'expectations.json'), 'utf8')) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(all).filter(([key]) => !key.startsWith('$'))) as Record<
    string,
    DemoExpectation
  >;
}

export interface RunningService {
  readonly service: ComposedService;
  /** http://127.0.0.1:<port> */
  readonly base: string;
  readonly demo: DemoData;
  close(): Promise<void>;
}

/**
 * The real service with its demo FHIR server, listening on an ephemeral port of 127.0.0.1, on the system clock
 * (the demo's dates are relative to today, so the expectations hold whatever day the tests run).
 */
export async function startDemoService(env: Record<string, string> = {}): Promise<RunningService> {
  // A generous fetch deadline: these tests are about results, and a busy CI machine must not turn them into 412s.
  const config = parseConfig({ LOG_LEVEL: 'silent', DEMO_FHIR: 'true', FHIR_DEADLINE_MS: '10000', ...env });
  const service = composeService(config, { logger: createLogger('silent'), knowledge: repositoryKnowledge() });
  await service.warm();
  const demo = await service.demoFhir!.ready();
  const { base, close } = await listenOnLoopback(service.app);
  return { service, base, demo, close };
}

/** A CDS Hooks request with no prefetch: the service must fetch everything from `fhirServer` with the token. */
export function demoRequest(
  demo: DemoData,
  options: {
    readonly hook: HookName;
    readonly patientId: string;
    readonly fhirServer: string;
    readonly token?: string;
    readonly drafts?: readonly string[];
    readonly selections?: readonly string[];
  }
): Record<string, unknown> {
  const context: Record<string, unknown> = { userId: 'Practitioner/prac-neuro-01', patientId: options.patientId };
  if (options.hook !== 'patient-view') {
    const drafts = (options.drafts ?? []).map((id) => draftOrderFor(demo, id, options.patientId));
    context['draftOrders'] = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: drafts.map((resource) => ({ resource })),
    };
    if (options.hook === 'order-select') {
      const selected = options.selections ?? options.drafts ?? [];
      context['selections'] = drafts
        .filter((draft) => selected.includes(draft.id ?? ''))
        .map((draft) => `${draft.resourceType}/${draft.id ?? ''}`);
    }
  }
  return {
    hookInstance: randomUUID(),
    hook: options.hook,
    fhirServer: options.fhirServer,
    fhirAuthorization: {
      access_token: options.token ?? DEFAULT_DEMO_FHIR_TOKEN,
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'user/Condition.read user/Observation.read user/MedicationRequest.read user/Procedure.read',
      subject: 'ctd-neuropathy-cds',
    },
    context,
  };
}

/** POSTs `body` to the hook's service and returns the status and JSON body. */
export async function callHook(
  base: string,
  body: Record<string, unknown>
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${base}/cds-services/ctd-neuropathy-${String(body['hook'])}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

export const ruleIds = (cards: readonly Card[]): string[] => cards.map((card) => card.source.topic?.code ?? '');
