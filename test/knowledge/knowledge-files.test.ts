import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { defaultKnowledgeDir } from '../../src/config.js';
import { KnowledgeError } from '../../src/knowledge/knowledge-error.js';
import { loadKnowledge } from '../../src/knowledge/load-knowledge.js';
import { knowledgeCopy, removeKnowledgeCopies } from '../support/knowledge-copy.js';

const root = defaultKnowledgeDir();

function edit(file: string, change: (json: Record<string, unknown>) => void): void {
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  change(json);
  writeFileSync(file, JSON.stringify(json));
}

const load = (dir: string, siteConfigFile?: string) => () =>
  loadKnowledge({ knowledgeDir: dir, siteConfigFile, guardrails: { timeoutMs: 1000, stackDepth: 500 } });

afterEach(removeKnowledgeCopies);

describe('knowledge is validated at start-up; a bad file names the file and the field', () => {
  test('the repository knowledge loads', () => {
    const knowledge = load(root)();
    expect([...knowledge.services.keys()].sort()).toEqual([
      'ctd-neuropathy-order-select',
      'ctd-neuropathy-order-sign',
      'ctd-neuropathy-patient-view',
    ]);
    expect(knowledge.rules.length).toBeGreaterThan(1);
  });

  test('a service definition with a bad hook', () => {
    const dir = knowledgeCopy();
    edit(join(dir, 'hooks', 'ctd-neuropathy-order-sign.json'), (j) => {
      j['hook'] = 'order-review';
    });
    expect(load(dir)).toThrow(
      /ctd-neuropathy-order-sign\.json at \$\.hook: must be equal to one of the allowed values/
    );
  });

  test('a service naming a prefetch template that does not exist', () => {
    const dir = knowledgeCopy();
    edit(join(dir, 'hooks', 'ctd-neuropathy-patient-view.json'), (j) => {
      j['prefetch'] = ['conditions', 'allergies'];
    });
    expect(load(dir)).toThrow(/ctd-neuropathy-patient-view\.json at \$\.prefetch\[1\]: 'allergies' is not a template/);
  });

  test('a service definition that is not JSON', () => {
    const dir = knowledgeCopy();
    writeFileSync(join(dir, 'hooks', 'ctd-neuropathy-order-select.json'), '{ "id": ');
    expect(load(dir)).toThrow(KnowledgeError);
    expect(load(dir)).toThrow(/ctd-neuropathy-order-select\.json: is not valid JSON/);
  });

  test('a prefetch template with a token the service cannot substitute', () => {
    const dir = knowledgeCopy();
    edit(join(dir, 'hooks', 'prefetch', 'templates.json'), (j) => {
      (j['conditions'] as Record<string, unknown>)['query'] = 'Condition?patient={{Patient.id}}';
    });
    expect(load(dir)).toThrow(
      /templates\.json at \$\.conditions\.query: unsupported prefetch token \{\{Patient\.id\}\}/
    );
  });

  test('a value set code without its source', () => {
    const dir = knowledgeCopy();
    edit(join(dir, 'mappings', 'valuesets', 'ctd-sle.json'), (j) => {
      const contains = (j['expansion'] as { contains: { extension: unknown[] }[] }).contains;
      contains[1]!.extension = [contains[1]!.extension[1]];
    });
    expect(load(dir)).toThrow(/ctd-sle\.json at \$\.expansion\.contains\[1\]: every code must keep its source/);
  });

  test('a card whose summary is 140 characters or more', () => {
    const dir = knowledgeCopy();
    edit(join(dir, 'cards', 'nitrofurantoin-neuropathy-risk.json'), (j) => {
      j['summary'] = 'x'.repeat(140);
    });
    expect(load(dir)).toThrow(
      /nitrofurantoin-neuropathy-risk\.json at \$\.summary: must NOT have more than 139 characters/
    );
  });

  test('a warning card without override reasons', () => {
    const dir = knowledgeCopy();
    edit(join(dir, 'cards', 'nitrofurantoin-neuropathy-risk.json'), (j) => {
      delete j['overrideReasons'];
    });
    expect(load(dir)).toThrow(/at \$\.overrideReasons: a card that can be warning or critical needs override reasons/);
  });

  test('a rule condition that does not compile names its file and position', () => {
    const dir = knowledgeCopy();
    writeFileSync(join(dir, 'cards', 'nitrofurantoin-neuropathy-risk.jsonata'), '( $x := ; )');
    expect(load(dir)).toThrow(/nitrofurantoin-neuropathy-risk\.jsonata at character \d+: S0211/);
  });

  test('an orderable whose code is in no value set (no invented codes in suggestions)', () => {
    const dir = knowledgeCopy();
    edit(join(dir, 'cards', 'orderables.json'), (j) => {
      (j['lab-b12'] as { code: { code: string } }).code.code = '99999-9';
    });
    expect(load(dir)).toThrow(/orderables\.json at \$\.lab-b12\.code: http:\/\/loinc\.org\|99999-9 is in no value set/);
  });

  test('an orderable whose code would not be recognised as its own concept once ordered', () => {
    const dir = knowledgeCopy();
    edit(join(dir, 'cards', 'orderables.json'), (j) => {
      // The TSH code, on the vitamin B12 orderable: an accepted order would not count as a B12 order.
      (j['lab-b12'] as { code: { code: string } }).code.code = '3016-3';
    });
    expect(load(dir)).toThrow(
      /\$\.lab-b12\.code: http:\/\/loinc\.org\|3016-3 is in lab-tsh, none of the orderable's concepts/
    );
  });

  test('site configuration naming an unknown rule', () => {
    const dir = knowledgeCopy();
    const site = join(dir, 'site.json');
    writeFileSync(site, JSON.stringify({ rules: { 'no-such-rule': { enabled: false } } }));
    expect(load(dir, site)).toThrow(/site\.json at \$\.rules\.no-such-rule: is not a rule id/);
  });

  test('the server process refuses to start on a bad file and says why', () => {
    const dir = knowledgeCopy();
    edit(join(dir, 'hooks', 'ctd-neuropathy-order-sign.json'), (j) => {
      delete j['description'];
    });
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'server.ts')], {
      env: { ...process.env, KNOWLEDGE_DIR: dir, PORT: '0', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      /Cannot start: .*ctd-neuropathy-order-sign\.json at \$: is missing required field 'description'/
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('JSONata hazards are kept out of the knowledge files', () => {
  const jsonataFiles = ['mappings', 'cards'].flatMap((folder) =>
    readdirSync(join(root, folder))
      .filter((f) => f.endsWith('.jsonata'))
      .map((f) => join(folder, f))
  );

  test.each(jsonataFiles)('%s', (file) => {
    const source = readFileSync(join(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    // `x != false` is false when x is missing: any comparison with a missing value is false in JSONata.
    expect(source).not.toMatch(/!=\s*(false|true)\b/);
    // A group-by on a bound variable (`$labs{...}`) turns an empty array into [null] (jsonata 2.2).
    expect(source).not.toMatch(/\$[A-Za-z_]\w*\s*\{/);
  });
});

describe('rules and orderables agree', () => {
  test('every lab concept a rule names can be ordered (rules suggest missing labs by their concept id)', () => {
    const knowledge = load(root)();
    const named = readdirSync(join(root, 'cards'))
      .filter((f) => f.endsWith('.jsonata'))
      .flatMap((f) => [...readFileSync(join(root, 'cards', f), 'utf8').matchAll(/"(lab-[a-z0-9-]+)"/g)])
      .map((m) => m[1] ?? '');
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((id) => !knowledge.orderables.has(id))).toEqual([]);
  });
});
