import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { notCompiledConstruct, type ExpressionEngine } from '../mapping/jsonata-runtime.js';

/** The engine the knowledge runs on, and why not the compiled one when it fell back. */
export interface EngineChoice {
  readonly engine: ExpressionEngine;
  /** `<file>: <construct>` for each expression outside the compiled subset. */
  readonly notCompiled: readonly string[];
}

/** Where the knowledge keeps its expressions (mappings, rule conditions, the SMART app's views). */
const expressionDirs = ['mappings', 'cards', join('cards', 'app')];

/**
 * All knowledge expressions run on one engine. Mixing them is not possible: a mapping or a rule calls functions that
 * cards/common.jsonata and mappings/common.jsonata define, and a compiled expression cannot call a function jsonata
 * made (jsonata's are asynchronous). So when any expression uses a construct the compiler does not implement (a
 * site's own mapping calling `$substring`, say), every expression runs on jsonata and the start-up log says why.
 */
export function chooseEngine(knowledgeDir: string, requested: ExpressionEngine): EngineChoice {
  if (requested === 'jsonata') {
    return { engine: 'jsonata', notCompiled: [] };
  }
  const notCompiled: string[] = [];
  for (const dir of expressionDirs.map((d) => join(knowledgeDir, d)).filter((d) => existsSync(d))) {
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.jsonata'))) {
      const file = join(dir, name);
      const construct = notCompiledConstruct(readFileSync(file, 'utf8'));
      if (construct !== undefined) {
        notCompiled.push(`${file}: ${construct}`);
      }
    }
  }
  return { engine: notCompiled.length === 0 ? 'compiled' : 'jsonata', notCompiled };
}
