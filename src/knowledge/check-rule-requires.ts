import { join } from 'node:path';
import type { CompiledExpression } from '../mapping/jsonata-runtime.js';
import { conditionReads, sharedReads } from '../rules/facts-read.js';
import { checkRequires } from '../rules/rule-requires.js';
import type { Rule } from '../rules/rule.js';

/**
 * Checks every rule's `requires` against what its condition reads, through the shared values of
 * cards/common.jsonata it uses (`common`, when there is one), from the compiled expressions' parse trees. Throws a
 * KnowledgeError naming the card file.
 */
export function checkRuleRequires(
  cardsDir: string,
  rules: readonly Rule[],
  common: CompiledExpression | undefined,
  fields: ReadonlySet<string>
): void {
  const shared = common === undefined ? new Map() : sharedReads(common, fields);
  for (const rule of rules) {
    if (rule.requires.length > 0) {
      const reads = conditionReads(
        rule.condition.ast === undefined ? rule.conditionSource : rule.condition,
        fields,
        shared
      );
      checkRequires(join(cardsDir, `${rule.id}.json`), rule.requires, reads, rule.template.facts);
    }
  }
}
