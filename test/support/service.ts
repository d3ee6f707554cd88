import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { expect } from 'vitest';
import { cdsResponseSchema, discoveryResponseSchema } from '../../src/cds-hooks/response-schema.js';
import type { CdsResponse } from '../../src/cds-hooks/types.js';
import { composeService, type ComposedService, type ServiceParts } from '../../src/compose.js';
import { defaultKnowledgeDir, parseConfig } from '../../src/config.js';
import { loadKnowledge, type Knowledge } from '../../src/knowledge/load-knowledge.js';
import { createLogger } from '../../src/logger.js';

/** Tests run on a fixed day so that look-backs are deterministic. */
export const TODAY = '2026-06-01';
export const fixedClock = { today: (): string => TODAY };

/** Deterministic, well-formed UUIDs: 00000000-0000-4000-8000-000000000001, ... */
export function sequentialIds(): () => string {
  let n = 0;
  return () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
}

let cached: Knowledge | undefined;
/** The repository's knowledge, loaded once per test file. */
export function repositoryKnowledge(): Knowledge {
  cached ??= loadKnowledge({
    knowledgeDir: defaultKnowledgeDir(),
    siteConfigFile: undefined,
    guardrails: { timeoutMs: 2000, stackDepth: 500 },
  });
  return cached;
}

/** A service on the fixed test day; the demo FHIR server is off unless `env` switches it on (DEMO_FHIR). */
export function testService(env: Record<string, string> = {}, parts: ServiceParts = {}): ComposedService {
  const config = parseConfig({ LOG_LEVEL: 'silent', DEMO_FHIR: 'false', ...env });
  return composeService(config, {
    logger: createLogger('silent'),
    clock: fixedClock,
    newId: sequentialIds(),
    ...(env['SITE_CONFIG'] === undefined ? { knowledge: repositoryKnowledge() } : {}),
    ...parts,
  });
}

/** A whole CDS Hooks request body from test/fixtures/requests, fresh for each call. */
export function fixture(name: string): Record<string, unknown> {
  const file = join(import.meta.dirname, '..', 'fixtures', 'requests', `${name}.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
addFormats(ajv, ['uri']);
const validateResponse = ajv.compile(cdsResponseSchema);
const validateDiscovery = ajv.compile(discoveryResponseSchema);

/** Asserts a body is a spec-valid CDS Hooks response and returns it typed. */
export function expectCdsResponse(body: unknown): CdsResponse {
  const valid = validateResponse(body);
  expect(validateResponse.errors ?? [], JSON.stringify(validateResponse.errors)).toEqual([]);
  expect(valid).toBe(true);
  return body as CdsResponse;
}

export function expectDiscovery(body: unknown): void {
  validateDiscovery(body);
  expect(validateDiscovery.errors ?? []).toEqual([]);
}

/** Asserts an OperationOutcome body naming `expression` (when given) and returns its first issue text. */
export function expectOutcome(body: unknown, expression?: string): string {
  const outcome = body as {
    resourceType?: string;
    issue?: { severity?: string; expression?: string[]; details?: { text?: string } }[];
  };
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue?.length).toBeGreaterThan(0);
  const issue = outcome.issue?.[0];
  expect(issue?.severity).toBe('error');
  if (expression !== undefined) {
    expect(issue?.expression).toContain(expression);
  }
  const text = issue?.details?.text ?? '';
  expect(text).not.toMatch(/\n\s+at /); // never a stack trace
  return text;
}
