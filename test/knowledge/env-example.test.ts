import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { defaultKnowledgeDir } from '../../src/config.js';

/**
 * Every environment variable the code reads is documented twice: in `.env.example` (commented out, with its default)
 * and in the README's configuration table. A variable added to the code without both fails here.
 */
const root = defaultKnowledgeDir();
/** Read by Node itself, not by our code, and documented because "today" depends on it. */
const READ_BY_NODE = ['TZ'];

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sources(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

const code = sources('src').map((file) => readFileSync(join(root, file), 'utf8'));
const NAME = '([A-Z][A-Z0-9_]*)';
/** `env['X']`, `process.env['X']`, `process.env.X`, and the readers' `reader(env, 'X', ...)`. */
const READS = [
  new RegExp(`\\benv\\[\\s*'${NAME}'\\s*\\]`, 'g'),
  new RegExp(`\\bprocess\\.env\\.${NAME}`, 'g'),
  new RegExp(`\\(\\s*env\\s*,\\s*'${NAME}'`, 'g'),
];
const readByCode = [...new Set(code.flatMap((text) => READS.flatMap((re) => [...text.matchAll(re)].map((m) => m[1]))))]
  .filter((name): name is string => name !== undefined)
  .sort();

const envExample = readFileSync(join(root, '.env.example'), 'utf8');
const exampleEntries = new Map(
  [...envExample.matchAll(new RegExp(`^# ${NAME}=(.*)$`, 'gm'))].map((m) => [m[1] ?? '', m[2] ?? ''])
);

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const configSection = readme.slice(
  readme.indexOf('\n## Configuration'),
  readme.indexOf('\n## ', readme.indexOf('\n## Configuration') + 1)
);
const readmeTable = [
  ...new Set(
    configSection
      .split('\n')
      .filter((line) => line.startsWith('|'))
      .flatMap((line) =>
        [...(line.split('|')[1] ?? '').matchAll(new RegExp(`\`${NAME}\``, 'g'))].map((m) => m[1] ?? '')
      )
  ),
].sort();

describe('environment variables are documented', () => {
  test('the code is read for them (a variable of each reading style is found)', () => {
    expect(readByCode).toEqual(expect.arrayContaining(['NODE_ENV', 'DEBUG', 'PORT', 'AUTH_MODE', 'DEMO_FHIR_OPEN']));
  });

  test('every variable the code reads is in .env.example, and .env.example has no other', () => {
    expect([...exampleEntries.keys()].sort()).toEqual([...readByCode, ...READ_BY_NODE].sort());
  });

  test('every variable the code reads has a row in the README configuration table, and the table no other', () => {
    expect(readmeTable).toEqual([...readByCode, ...READ_BY_NODE].sort());
  });

  test('.env.example sets nothing: every line is a comment or blank', () => {
    const active = envExample.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(active).toEqual([]);
  });

  test('.env.example gives the code defaults of the numeric and true/false settings', () => {
    const defaults = code.flatMap((text) =>
      [
        ...text.matchAll(
          new RegExp(`\\b(?:integer\\(env, '${NAME}', ([\\d_]+)|flag\\(env, '${NAME}', (true|false)\\))`, 'g')
        ),
      ].map((m) => [m[1] ?? m[3] ?? '', (m[2] ?? m[4] ?? '').replaceAll('_', '')] as const)
    );
    expect(defaults.length).toBeGreaterThan(10);
    const mismatches = defaults.filter(([name, value]) => exampleEntries.get(name) !== value);
    expect(mismatches).toEqual([]);
  });
});
