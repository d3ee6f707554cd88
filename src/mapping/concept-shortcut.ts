import { expressionReads } from '../knowledge/expression-reads.js';
import { KnowledgeError } from '../knowledge/knowledge-error.js';
import type { MappingInput } from './mapping-item.js';

/**
 * Evaluate only what the chart can change. A mapping declares beside it (mappings/decision-model.json) the concepts
 * (value sets) whose records can change its field, and the value its field has when the request holds none of them
 * (`empty`). Most charts hold records of a few concepts only, so most fields take their empty value without a call
 * of JSONata, whose tree-walking evaluator costs ~1 us per node. The clinical logic stays in the JSONata: this only
 * decides when it cannot matter.
 *
 * A concept is a value set id (`lab-anca`) or a prefix ending in `*` (`ctd-*`: every value set whose id starts
 * with `ctd-`).
 */
export interface ConceptDeclaration {
  readonly concepts: readonly string[];
  /** The field's value when none of the concepts is held; undefined means "no value" (omitted in the file). */
  readonly empty: unknown;
}

/**
 * Every concept the mappings can see in this request: the value sets of its records (`items`), its lab concepts
 * (`labs`) and its draft orders. A mapping never sees more than this, so a field none of whose concepts is here
 * cannot differ from its value over an empty chart.
 */
export function heldConcepts(input: MappingInput): ReadonlySet<string> {
  const held = new Set<string>(Object.keys(input.labs));
  for (const item of input.items) {
    for (const set of item.sets) {
      held.add(set);
    }
  }
  for (const draft of input.drafts) {
    for (const set of draft.sets) {
      held.add(set);
    }
  }
  return held;
}

/** Whether the request holds one of the declared concepts (exact ids, or `prefix*`). */
export function holdsAny(held: ReadonlySet<string>, concepts: readonly string[]): boolean {
  for (const concept of concepts) {
    if (concept.endsWith('*')) {
      const prefix = concept.slice(0, -1);
      for (const set of held) {
        if (set.startsWith(prefix)) {
          return true;
        }
      }
    } else if (held.has(concept)) {
      return true;
    }
  }
  return false;
}

function covers(concepts: readonly string[], concept: string): boolean {
  return concepts.some((c) => (c.endsWith('*') ? concept.startsWith(c.slice(0, -1)) : c === concept));
}

/**
 * The start-up check of one declaration against what the mapping's JSONata reads: every value set it names (a
 * string literal that is a value set id) and every prefix it names (a literal that starts ids of value sets, as in
 * `$startsWith(set, "ctd-")`) must be declared, and every declared concept must name value sets that exist. A
 * mapping that read a concept it did not declare could have its JSONata skipped on a chart holding that concept,
 * so the service refuses to start instead (like any other knowledge error).
 */
export function checkConceptDeclaration(
  file: string,
  where: string,
  expression: string | { ast?(): unknown },
  concepts: readonly string[],
  valueSets: ReadonlySet<string>
): void {
  concepts.forEach((concept, i) => {
    const known = concept.endsWith('*')
      ? [...valueSets].some((set) => set.startsWith(concept.slice(0, -1)))
      : valueSets.has(concept);
    if (!known) {
      throw new KnowledgeError(file, `${where}.concepts[${String(i)}]`, `'${concept}' names no value set`);
    }
  });
  const undeclared: string[] = [];
  for (const literal of expressionReads(expression).literals) {
    if (valueSets.has(literal)) {
      if (!covers(concepts, literal)) {
        undeclared.push(literal);
      }
    } else if (literal.endsWith('-') && [...valueSets].some((set) => set.startsWith(literal))) {
      if (!covers(concepts, literal)) {
        undeclared.push(`${literal}*`);
      }
    }
  }
  if (undeclared.length > 0) {
    throw new KnowledgeError(
      file,
      `${where}.concepts`,
      `the expression reads ${undeclared.map((c) => `'${c}'`).join(', ')}, which its concepts do not declare`
    );
  }
}
