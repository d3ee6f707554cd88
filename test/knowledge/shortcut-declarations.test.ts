import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { defaultKnowledgeDir } from '../../src/config.js';
import { KnowledgeError } from '../../src/knowledge/knowledge-error.js';
import { loadKnowledge } from '../../src/knowledge/load-knowledge.js';
import { checkEmptyValues } from '../../src/mapping/check-empty-values.js';
import { testService } from '../support/service.js';
import { isMet, parseRequirement } from '../../src/rules/rule-requires.js';
import { knowledgeCopy, removeKnowledgeCopies } from '../support/knowledge-copy.js';

/**
 * The shortcut declarations (mappings/decision-model.json `concepts` and `empty`, cards/<rule-id>.json `requires`)
 * are checked at start-up against what the JSONata reads: a declaration that misses something its expression reads
 * stops the service, naming the file, the field and what is missing.
 */
const root = defaultKnowledgeDir();

interface Field {
  field: string;
  concepts?: string[];
  empty?: unknown;
}

function editFields(dir: string, change: (fields: Field[]) => void): void {
  const file = join(dir, 'mappings', 'decision-model.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { fields: Field[] };
  change(manifest.fields);
  writeFileSync(file, JSON.stringify(manifest));
}

function field(fields: Field[], name: string): Field {
  const found = fields.find((f) => f.field === name);
  if (found === undefined) {
    throw new Error(`no field ${name}`);
  }
  return found;
}

function editCard(dir: string, id: string, change: (card: Record<string, unknown>) => void): void {
  const file = join(dir, 'cards', `${id}.json`);
  const card = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  change(card);
  writeFileSync(file, JSON.stringify(card));
}

const load = (dir: string) => () =>
  loadKnowledge({ knowledgeDir: dir, siteConfigFile: undefined, guardrails: { timeoutMs: 1000, stackDepth: 500 } });

afterEach(removeKnowledgeCopies);

describe('a mapping declares the value its field has over an empty chart', () => {
  const HOOKS = ['patient-view', 'order-select', 'order-sign'];
  const check = (dir: string): Promise<void> => {
    const knowledge = load(dir)();
    return checkEmptyValues(knowledge.mapping, { lookbacks: knowledge.site.lookbacks }, HOOKS);
  };

  test('the repository declarations are what their expressions give', async () => {
    await expect(check(root)).resolves.toBeUndefined();
  });

  test('a wrong empty value stops start-up, naming the field and both values', async () => {
    const dir = knowledgeCopy();
    editFields(dir, (fields) => {
      field(fields, 'neuropathy').empty = { any: false };
    });
    await expect(check(dir)).rejects.toThrow(KnowledgeError);
    await expect(check(dir)).rejects.toThrow(
      /decision-model\.json at \$\.fields\[\d+\]\.empty: 'neuropathy' declares \{"any":false\} but its expression gives \{"patterns":\[\]/
    );
  });

  test('a service with a wrong empty value never reports ready', async () => {
    const dir = knowledgeCopy();
    editFields(dir, (fields) => {
      field(fields, 'meds').empty = [{ concept: 'med-metformin' }];
    });
    const service = testService({ KNOWLEDGE_DIR: dir, WORKERS: '0' }, { knowledge: load(dir)() });
    await expect(service.warm()).rejects.toThrow(
      /'meds' declares \[\{"concept":"med-metformin"\}\] but its expression gives \[\]/
    );
    expect(service.readiness.ready).toBe(false);
  });
});

describe('a mapping declares every concept its JSONata names', () => {
  test('the repository declarations pass the check', () => {
    expect(load(root)().mapping.fields.filter((f) => f.shortcut !== undefined).length).toBeGreaterThan(10);
  });

  test('a value set the expression names and the declaration misses stops start-up', () => {
    const dir = knowledgeCopy();
    editFields(dir, (fields) => {
      const serology = field(fields, 'autoimmuneSerologyPositive');
      serology.concepts = (serology.concepts ?? []).filter((c) => c !== 'lab-anca');
    });
    expect(load(dir)).toThrow(KnowledgeError);
    expect(load(dir)).toThrow(
      /decision-model\.json at \$\.fields\[\d+\]\.concepts: the expression reads 'lab-anca', which its concepts do not declare/
    );
  });

  test('a prefix the expression names ($startsWith(set, "vasculitis-")) must be declared as one', () => {
    const dir = knowledgeCopy();
    editFields(dir, (fields) => {
      field(fields, 'ctd').concepts = ['ctd-*', 'vasculitis-pan'];
    });
    expect(load(dir)).toThrow(/the expression reads 'vasculitis-\*', which its concepts do not declare/);
  });

  test('an expression edited to read another concept is refused until the declaration follows', () => {
    const dir = knowledgeCopy();
    const file = join(dir, 'mappings', 'myelopathy.jsonata');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('"myelopathy" in sets', '("myelopathy" in sets or "radiculopathy" in sets)')
    );
    expect(load(dir)).toThrow(/the expression reads 'radiculopathy', which its concepts do not declare/);
    editFields(dir, (fields) => {
      field(fields, 'myelopathy').concepts = ['myelopathy', 'radiculopathy'];
    });
    expect(load(dir)().mapping.fields.find((f) => f.field === 'myelopathy')?.shortcut?.concepts).toEqual([
      'myelopathy',
      'radiculopathy',
    ]);
  });

  test('a declared concept must name value sets', () => {
    const dir = knowledgeCopy();
    editFields(dir, (fields) => {
      field(fields, 'meds').concepts = ['med-*', 'medication-*'];
    });
    expect(load(dir)).toThrow(/\.concepts\[1\]: 'medication-\*' names no value set/);
  });

  test('an empty value without concepts is refused', () => {
    const dir = knowledgeCopy();
    editFields(dir, (fields) => {
      delete field(fields, 'meds').concepts;
    });
    expect(load(dir)).toThrow(/decision-model\.json/);
  });
});

describe('a rule requires only what its condition reads', () => {
  test('a field the condition does not read stops start-up', () => {
    const dir = knowledgeCopy();
    editCard(dir, 'treatable-contributor-found', (card) => {
      card['requires'] = ['neuropathy.any', 'ctd'];
    });
    expect(load(dir)).toThrow(
      /treatable-contributor-found\.json at \$\.requires\[1\]: 'ctd': the condition does not read 'ctd'/
    );
  });

  test('a value the condition never names stops start-up', () => {
    const dir = knowledgeCopy();
    editCard(dir, 'trigeminal-neuropathy-ctd-screen', (card) => {
      card['requires'] = ['neuropathy.patterns=trigeminal|raynaud'];
    });
    expect(load(dir)).toThrow(
      /\$\.requires\[0\]: 'neuropathy\.patterns=trigeminal\|raynaud': the condition never names 'raynaud'/
    );
  });

  test('a malformed requirement is refused by the card schema', () => {
    const dir = knowledgeCopy();
    editCard(dir, 'trigeminal-neuropathy-ctd-screen', (card) => {
      card['requires'] = ['neuropathy patterns'];
    });
    expect(load(dir)).toThrow(/trigeminal-neuropathy-ctd-screen\.json/);
  });
});

describe('a requirement is met when its path holds something', () => {
  const model = {
    ctd: [{ concept: 'ctd-sle' }],
    neuropathy: { any: false, patterns: ['symmetric'], findings: [] },
    draftOrders: [{ concepts: ['med-metformin'] }, { concepts: [] }],
    weight: undefined,
  };
  test.each([
    ['ctd', true],
    ['ctd.concept=ctd-sle', true],
    ['ctd.concept=vasculitis-pan|ctd-sjogren', false],
    ['neuropathy.any', false],
    ['neuropathy.findings', false],
    ['neuropathy.patterns=symmetric', true],
    ['draftOrders.concepts=med-metformin', true],
    ['draftOrders.concepts=med-nitrofurantoin', false],
    ['weight.kg', false],
    ['labs', false],
  ])('%s: %s', (text, met) => {
    expect(isMet(model, parseRequirement(text))).toBe(met);
  });
});
