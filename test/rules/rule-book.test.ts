import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { run } from '../../src/cli/run.js';
import { defaultKnowledgeDir } from '../../src/config.js';
import { conditionReads, sharedReads } from '../../src/rules/facts-read.js';
import { repositoryKnowledge } from '../support/service.js';

const root = defaultKnowledgeDir();
const knowledge = repositoryKnowledge();

/** `ctd-neuropathy-cds <args>` in-process, with the repository's knowledge and no site configuration. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { LOG_LEVEL: 'silent' },
  });
  return { code, stdout, stderr };
}

describe('the rule book (ctd-neuropathy-cds rules --markdown; docs/rule-book.md)', () => {
  test('docs/rule-book.md is what the command prints today (regenerate it with the command when this fails)', async () => {
    const { code, stdout } = await cli('rules', '--markdown');
    expect(code).toBe(0);
    expect(stdout).toBe(readFileSync(join(root, 'docs', 'rule-book.md'), 'utf8'));
  });

  test('every rule has its entry, in clinical priority order, with every part a committee reviews', async () => {
    const { stdout } = await cli('rules', '--markdown');
    const headings = [...stdout.matchAll(/^### (\d+)\. `([a-z0-9-]+)`$/gm)].map((m) => m[2]);
    const byPriority = [...knowledge.rules]
      .sort((a, b) => (knowledge.precedence.priority.get(a.id) ?? 0) - (knowledge.precedence.priority.get(b.id) ?? 0))
      .map((r) => r.id);
    expect(headings).toEqual(byPriority);
    const entries = stdout.split(/^### /m).slice(1);
    for (const entry of entries) {
      for (const part of ['**Hooks:**', '**Card:**', '**When it shows:**', '**Suggests:**', '**Data it needs:**']) {
        expect(entry, part).toContain(part);
      }
      expect(entry).toContain('**Precedence:**');
      expect(entry).toContain('**Source:**');
    }
    expect(stdout).not.toContain('not described in cards/rule-book.json');
    // The conflicts, both ways, and the second source of the severe-treatment card.
    expect(stdout).toMatch(/`vasculitic-neuropathy-monitoring`[\s\S]*never shown with vasculitic-neuropathy-suspected/);
    expect(stdout).toContain('doi:10.1002/art.41773');
  });

  test('"rules" without --markdown lists every rule on one line', async () => {
    const { code, stdout } = await cli('rules');
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(knowledge.rules.length);
    expect(stdout).toMatch(/^severe-vasculitic-neuropathy-treatment +patient-view +critical /);
  });

  test('"rules" takes no file', async () => {
    const { code, stderr } = await cli('rules', 'cards');
    expect(code).toBe(2);
    expect(stderr).toContain('rules takes no file or folder.');
  });

  test('the data a rule needs is read from its condition, through the shared values it uses', () => {
    const fields = new Set(knowledge.mapping.fields.map((f) => f.field));
    const shared = sharedReads(readFileSync(join(root, 'cards', 'common.jsonata'), 'utf8'), fields);
    expect([...(shared.get('labsDone')?.fields ?? [])].sort()).toEqual(['draftOrders', 'labs', 'orders']);
    const reads = conditionReads(
      '( $x := $doneWithin(["proc-ncs"], $settings.ncsRecentDays); $$.biopsy.status = "none" and meds[concept = "a"] )',
      fields,
      shared
    );
    expect([...reads.fields].sort()).toEqual(['biopsy', 'meds', 'procedures']);
    expect([...reads.settings]).toEqual(['ncsRecentDays']);
    expect(reads.literals).toContain('proc-ncs');
  });
});
