import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkSchema } from '../knowledge/check-schema.js';
import { KnowledgeError, readJsonFile } from '../knowledge/knowledge-error.js';
import { CodeIndex } from './code-index.js';
import { addConceptMap, type LocalTarget } from './concept-map.js';
import { toConceptSet, type TerminologyPolicy } from './value-set.js';

/** A site ConceptMap as the site configuration gives it: the resource, and where it was read. */
export interface SiteConceptMap {
  readonly value: unknown;
  readonly file: string;
  /** JSON path of the ConceptMap in `file` (`$` for a file of its own). */
  readonly path: string;
}

const aliasSchema = {
  type: 'object',
  required: ['aliases'],
  additionalProperties: false,
  properties: {
    $comment: { type: 'string' },
    aliases: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['system', 'source'],
        additionalProperties: false,
        properties: { system: { type: 'string', minLength: 1 }, source: { type: 'string', minLength: 1 } },
      },
    },
  },
} as const;

/**
 * The code index of mappings/: the value sets (mappings/valuesets), the other names of their code systems
 * (mappings/code-systems.json) and the site's ConceptMaps, each checked with its file and JSON path named.
 */
export function loadCodeIndex(
  mappingsDir: string,
  policy: TerminologyPolicy,
  conceptMaps: readonly SiteConceptMap[]
): CodeIndex {
  const dir = join(mappingsDir, 'valuesets');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (files.length === 0) {
    throw new KnowledgeError(dir, '', 'holds no value set');
  }
  const sets = files.map((f) => toConceptSet(readJsonFile(join(dir, f)), join(dir, f), policy));
  const aliasFile = join(mappingsDir, 'code-systems.json');
  const { aliases } = checkSchema<{ aliases: Record<string, { system: string }> }>(
    aliasSchema,
    readJsonFile(aliasFile),
    aliasFile
  );
  const systems = new Set(
    sets.flatMap((set) => [...set.codes.keys()].map((key) => key.slice(0, key.lastIndexOf('|'))))
  );
  for (const [alias, { system }] of Object.entries(aliases)) {
    if (!systems.has(system)) {
      throw new KnowledgeError(aliasFile, `$.aliases.${alias}.system`, `'${system}' is not a system of the value sets`);
    }
  }
  const localCodes = new Map<string, LocalTarget[]>();
  for (const map of conceptMaps) {
    addConceptMap(map.value, map.file, map.path, systems, localCodes);
  }
  return new CodeIndex(sets, {
    aliases: new Map(Object.entries(aliases).map(([alias, { system }]) => [alias, system])),
    localCodes,
  });
}
