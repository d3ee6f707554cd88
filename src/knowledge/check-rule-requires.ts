import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { conditionReads, sharedReads } from '../rules/facts-read.js';
import { checkRequires } from '../rules/rule-requires.js';
import type { Rule } from '../rules/rule.js';

/**
 * Checks every rule's `requires` against what its condition reads, through the shared values of
 * cards/common.jsonata it uses (`commonFile`, when there is one). Throws a KnowledgeError naming the card file.
 */
export function checkRuleRequires(
  cardsDir: string,
  rules: readonly Rule[],
  commonFile: string | undefined,
  fields: ReadonlySet<string>
): void {
  const shared = commonFile === undefined ? new Map() : sharedReads(readFileSync(commonFile, 'utf8'), fields);
  for (const rule of rules) {
    if (rule.requires.length > 0) {
      const reads = conditionReads(rule.conditionSource, fields, shared);
      checkRequires(join(cardsDir, `${rule.id}.json`), rule.requires, reads, rule.template.facts);
    }
  }
}
