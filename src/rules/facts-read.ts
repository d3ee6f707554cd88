import { blockValueReads, expressionReads, type ExpressionReads } from '../knowledge/expression-reads.js';

/**
 * What a rule condition reads, found in its parse tree rather than declared beside it, so that the rule book can
 * never disagree with the conditions: the decision-model fields it names (`ctd`, `biopsy.status`), the shared
 * values of cards/common.jsonata it uses (`$labsDone`, which itself reads `labs`, `orders`, `draftOrders`), the site
 * settings (`$settings.ncsRecentDays`) and the string literals (orderable ids, concepts).
 */
export interface ConditionReads {
  readonly fields: ReadonlySet<string>;
  readonly settings: ReadonlySet<string>;
  readonly literals: ReadonlySet<string>;
}

/** What each shared value of cards/common.jsonata reads (its final object's keys). */
export type SharedReads = ReadonlyMap<string, ExpressionReads & Pick<ConditionReads, 'fields'>>;

/** What one condition reads, given the shared values it may use. */
export function conditionReads(
  source: string | { ast?(): unknown },
  fields: ReadonlySet<string>,
  shared: SharedReads
): ConditionReads {
  return asConditionReads(expressionReads(source, shared), fields);
}

/**
 * What each shared value of cards/common.jsonata reads: the keys of the object it ends with, each through the
 * bindings made before it; `fields` names the decision-model fields (what `fields` of each is filtered to).
 */
export function sharedReads(source: string | { ast?(): unknown }, fields: ReadonlySet<string>): SharedReads {
  return new Map(
    [...blockValueReads(source)].map(([name, reads]) => [name, { ...reads, fields: fieldsOf(reads, fields) }])
  );
}

/** Decision-model fields are the names a path starts with, wherever the path is (`$$.biopsy`, `meds[...]`). */
function asConditionReads(reads: ExpressionReads, fields: ReadonlySet<string>): ConditionReads {
  return { fields: fieldsOf(reads, fields), settings: reads.settings, literals: reads.literals };
}

function fieldsOf(reads: ExpressionReads, fields: ReadonlySet<string>): ReadonlySet<string> {
  return new Set([...reads.heads].filter((name) => fields.has(name)));
}
