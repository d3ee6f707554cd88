import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultKnowledgeDir } from '../../src/config.js';
import { ruleIds, startDemoService, type RunningService } from '../support/demo.js';
import { expectCdsResponse } from '../support/service.js';
import { curlRequest, shellCommands, type ShellCommand } from '../support/shell-commands.js';

/**
 * The README's "Try it" examples do what they say. Every `curl` in a ```sh block of README.md is parsed (method, URL,
 * headers, body or @file), replayed with fetch against the service and demo FHIR server started here (the README's
 * http://localhost:3000 becomes this server's address), and its answer compared with the claim on the comment line
 * before it: `# → cards: rule-a, rule-b` (in card order) or `# → cards: none`.
 */
const root = defaultKnowledgeDir();
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const demoReadme = readFileSync(join(root, 'demo', 'README.md'), 'utf8');
const README_BASE = 'http://localhost:3000';

const examples: { command: ShellCommand; claim: string | undefined }[] = [
  ...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm),
]
  .flatMap((block) => shellCommands(block[1] ?? ''))
  .filter((command) => command.words[0] === 'curl')
  .map((command) => ({
    command,
    claim: command.comments.map((c) => /^→ cards: (.+)$/.exec(c)?.[1]).find((c) => c !== undefined),
  }));

let running: RunningService;
beforeAll(async () => {
  running = await startDemoService();
});
afterAll(async () => {
  await running.close();
});

describe('README curl examples', () => {
  test('the README shows patient-view with and without prefetch, and order-select, each with its claim', () => {
    const bodies = examples.map(({ command }) => {
      const { url, body } = curlRequest(command.words);
      return {
        url,
        body: body !== undefined && 'text' in body ? (JSON.parse(body.text) as Record<string, unknown>) : {},
      };
    });
    const patientView = bodies.filter((b) => b.url.endsWith('/ctd-neuropathy-patient-view'));
    expect(patientView.some((b) => b.body['prefetch'] === undefined && b.body['fhirServer'] !== undefined)).toBe(true);
    expect(patientView.some((b) => b.body['prefetch'] !== undefined)).toBe(true);
    expect(bodies.some((b) => b.url.endsWith('/ctd-neuropathy-order-select'))).toBe(true);
    expect(examples.filter((e) => e.claim === undefined).map((e) => e.command.words.join(' '))).toEqual([]);
  });

  test.each(examples.map((e, i) => [i + 1, e.claim ?? '(no claim)', e] as const))(
    'example %i: → cards: %s',
    async (_n, claim, { command }) => {
      const request = curlRequest(command.words);
      const local = (text: string): string => text.replaceAll(README_BASE, running.base);
      const body =
        request.body === undefined
          ? undefined
          : 'text' in request.body
            ? request.body.text
            : readFileSync(join(root, request.body.file), 'utf8');
      const res = await fetch(local(request.url), {
        method: request.method,
        headers: request.headers,
        ...(body === undefined ? {} : { body: local(body) }),
      });
      const json: unknown = await res.json();
      expect(res.status, JSON.stringify(json)).toBe(200);
      const expected = claim === 'none' ? [] : claim.split(',').map((rule) => rule.trim());
      expect(ruleIds(expectCdsResponse(json).cards)).toEqual(expected);
    }
  );

  test('the Sandbox link opens the demo FHIR server and discovery on localhost, on a demo patient', () => {
    const link = /<(https:\/\/sandbox\.cds-hooks\.org\/\?[^>]+)>/.exec(readme)?.[1];
    expect(link).toBeDefined();
    const params = new URL(link ?? '').searchParams;
    expect(params.get('fhirServiceUrl')).toBe(`${README_BASE}/fhir`);
    expect(params.get('serviceDiscoveryURL')).toBe(`${README_BASE}/cds-services`);
    expect(running.demo.patients.map((p) => p.id)).toContain(params.get('patientId'));
  });

  test('the Demo data table (demo/README.md) lists every demo patient with the patient-view cards it gets', async () => {
    const { demoExpectations } = await import('../support/demo.js');
    const expectations = demoExpectations();
    const rows = [...demoReadme.matchAll(/^\| `([a-z0-9-]+)` +\|([^\n]*)\|$/gm)].map((m) => {
      const cells = (m[2] ?? '').split(' | ').map((c) => c.trim());
      return { id: m[1] ?? '', cards: cells[2] ?? '' };
    });
    expect(rows.map((r) => r.id).sort()).toEqual(Object.keys(expectations).sort());
    for (const { id, cards } of rows) {
      const expected = expectations[id]?.['patient-view'] ?? [];
      expect(cards, id).toBe(expected.length === 0 ? 'none' : expected.join(', '));
    }
  });
});
