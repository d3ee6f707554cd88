import { KnowledgeError } from '../knowledge/knowledge-error.js';
import type { ConditionReads } from './facts-read.js';

/**
 * What a rule cannot fire without, declared beside it (cards/<rule-id>.json `requires`), so that a chart without it
 * skips the condition instead of evaluating its JSONata for nothing: most charts hold data for few facts. Each entry
 * is a path into the decision model, optionally with the values one of which it must hold:
 *
 * - `ctd`: the field holds something (not missing, null, false or an empty list);
 * - `vasculitis.severe`: the path holds something (`false` does not count);
 * - `draftOrders.concepts=med-prednisone|med-prednisolone`: one of the values is among what the path holds.
 *
 * Paths go through lists as JSONata's do (`draftOrders.concepts` is every concept of every draft order). A rule is
 * skipped when one of its requirements is unmet; the condition stays the authority on when it fires.
 */
export interface Requirement {
  /** As written in the card file. */
  readonly text: string;
  readonly path: readonly string[];
  readonly values?: ReadonlySet<string>;
}

export const REQUIREMENT_PATTERN = '^[a-zA-Z]+(\\.[a-zA-Z]+)*(=[A-Za-z0-9-]+(\\|[A-Za-z0-9-]+)*)?$';

export function parseRequirement(text: string): Requirement {
  const [path = '', values] = text.split('=');
  return { text, path: path.split('.'), ...(values === undefined ? {} : { values: new Set(values.split('|')) }) };
}

/** Everything the path holds in the model, lists flattened. */
function valuesAt(model: unknown, path: readonly string[]): unknown[] {
  let current: unknown[] = [model];
  for (const step of path) {
    const next: unknown[] = [];
    for (const value of current) {
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        flattenInto(next, (value as Record<string, unknown>)[step]);
      }
    }
    current = next;
  }
  return current;
}

function flattenInto(into: unknown[], value: unknown): void {
  if (Array.isArray(value)) {
    for (const element of value) {
      flattenInto(into, element);
    }
  } else if (value !== undefined && value !== null && value !== false) {
    into.push(value);
  }
}

export function isMet(model: unknown, requirement: Requirement): boolean {
  const held = valuesAt(model, requirement.path);
  const wanted = requirement.values;
  return wanted === undefined ? held.length > 0 : held.some((value) => typeof value === 'string' && wanted.has(value));
}

/**
 * The start-up check of a rule's `requires` against what its condition reads: each path must start with a field the
 * condition reads (and that its card lists in `facts`), and each value must be a literal of the condition or of a
 * shared value it uses. A requirement on something the condition never looks at could only skip it wrongly.
 */
export function checkRequires(
  file: string,
  requires: readonly Requirement[],
  reads: ConditionReads,
  facts: readonly string[]
): void {
  requires.forEach((requirement, i) => {
    const where = `$.requires[${String(i)}]`;
    const field = requirement.path[0] ?? '';
    if (!reads.fields.has(field) || !facts.includes(field)) {
      throw new KnowledgeError(
        file,
        where,
        `'${requirement.text}': the condition does not read '${field}' (or the card's facts omit it)`
      );
    }
    for (const value of requirement.values ?? []) {
      if (!reads.literals.has(value)) {
        throw new KnowledgeError(file, where, `'${requirement.text}': the condition never names '${value}'`);
      }
    }
  });
}
