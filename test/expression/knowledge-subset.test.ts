import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import jsonata from 'jsonata';
import { describe, expect, test } from 'vitest';
import { defaultKnowledgeDir } from '../../src/config.js';
import { compileAst, UnsupportedExpression, type NativeFunction } from '../../src/expression/compile.js';
import { mappingFunctions } from '../../src/mapping/mapping-functions.js';
import { repositoryKnowledge } from '../support/service.js';

/**
 * The compiler's subset of JSONata is enough for the knowledge: every expression of the repository (mappings,
 * rule conditions and their shared functions, the SMART app's views) compiles, none is left to jsonata.
 */
const root = defaultKnowledgeDir();
const DIRS = ['mappings', 'cards', join('cards', 'app')];
const files = DIRS.flatMap((dir) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.jsonata'))
    .map((f) => join(dir, f))
);

/** The native functions the service offers every expression, as it offers them. */
const functions: Record<string, NativeFunction> = Object.fromEntries(
  Object.entries(mappingFunctions(repositoryKnowledge().codeIndex)).map(([name, f]) => [name, f.implementation])
);

test('the knowledge has expressions in each place (the tests below are not vacuous)', () => {
  for (const dir of DIRS) {
    expect(
      files.filter((f) => f.startsWith(`${dir}/`) && !f.slice(dir.length + 1).includes('/')).length
    ).toBeGreaterThan(1);
  }
});

describe('every knowledge expression compiles', () => {
  test.each(files)('%s', (file) => {
    const ast = jsonata(readFileSync(join(root, file), 'utf8')).ast();
    let unsupported: string | undefined;
    try {
      compileAst(ast, { functions, timeoutMs: 2000, stackDepth: 500 });
    } catch (error) {
      if (!(error instanceof UnsupportedExpression)) {
        throw error;
      }
      unsupported = error.construct;
    }
    expect(unsupported, `${file} uses a construct the compiler leaves to jsonata`).toBeUndefined();
  });
});
