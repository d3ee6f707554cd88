import { blockValueReads, expressionReads } from '../../src/knowledge/expression-reads.js';

/**
 * What a JSONata expression reads from its input root (path roots such as `vasculitis.severe`, `labs[...]`) and
 * which `$variables` it uses, from the service's own parse-tree walker (src/knowledge/expression-reads.ts). Used by
 * tests that check declarations of what a mapping or rule reads (decision-model.json `reads`, cards/<rule>.json
 * `facts`).
 */
export interface Reads {
  readonly roots: Set<string>;
  readonly variables: Set<string>;
}

export function readsOf(source: string): Reads {
  const { roots, variables } = expressionReads(source);
  return { roots, variables };
}

/**
 * The model fields each binding of cards/common.jsonata reads: its block's result object, key by key, with the
 * block's own `$x := ...` variables followed.
 */
export function commonBindingReads(source: string): Map<string, Set<string>> {
  return new Map([...blockValueReads(source)].map(([name, reads]) => [name, reads.roots]));
}
