import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { defaultKnowledgeDir } from '../../src/config.js';

/** The documentation is a contract too: these tests fail when knowledge changes and the docs do not say so. */
const root = defaultKnowledgeDir();
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const terminology = readFileSync(join(root, 'docs', 'terminology.md'), 'utf8');
const rulesDoc = readFileSync(join(root, 'docs', 'rules.md'), 'utf8');

describe('the documentation stays true to the knowledge files', () => {
  test('every probable code in use is listed in docs/terminology.md with its value set', () => {
    const dir = join(root, 'mappings', 'valuesets');
    const missing: string[] = [];
    for (const file of readdirSync(dir)) {
      const valueSet = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
        id: string;
        expansion?: { contains?: { code: string; extension: { url: string; valueCode?: string }[] }[] };
      };
      for (const entry of valueSet.expansion?.contains ?? []) {
        const probable = entry.extension.some((e) => e.url.endsWith('code-confidence') && e.valueCode === 'probable');
        const row = terminology.split('\n').find((line) => new RegExp(`^\\|\\s*\`${valueSet.id}\`\\s*\\|`).test(line));
        if (probable && (row === undefined || !row.includes(entry.code))) {
          missing.push(`${valueSet.id} ${entry.code}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  test('every rule has a row in the docs/rules.md tables, and every row a rule', () => {
    const rules = readdirSync(join(root, 'cards'))
      .filter((f) => f.endsWith('.jsonata') && f !== 'common.jsonata')
      .map((f) => f.replace('.jsonata', ''))
      .sort();
    const rows = [...rulesDoc.matchAll(/^\|\s*`([a-z0-9-]+)`\s*\|\s*(?:patient-view|order-select|order-sign)/gm)]
      .map((m) => m[1])
      .sort();
    expect(rows).toEqual(rules);
  });

  test('the README first screen has exactly the two set-up commands, and CI runs the test one', () => {
    const firstScreen = readme.split('\n').slice(0, 25).join('\n');
    const commands = [...firstScreen.matchAll(/^npm ci && (npm [a-z ]+?)\s+#/gm)].map((m) => m[1]);
    expect(commands).toEqual(['npm start', 'npm run check']);
    expect(readFileSync(join(root, '.ci', 'run'), 'utf8')).toMatch(/^npm run check$/m);
  });
});
