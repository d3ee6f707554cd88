import { isObject } from '../mapping/fhir-fields.js';
import { expressionAst } from '../mapping/jsonata-runtime.js';

/**
 * What a JSONata expression reads, found in JSONata's own parse tree rather than trusted from a declaration: the one
 * walker behind every check of a declaration against the knowledge (a mapping's `concepts` at start-up, a rule's
 * `requires` and `facts`, the rule book's "data it needs", the completeness tests).
 */
export interface ExpressionReads {
  /** Names a path starts with at the root of the input (`ctd` of `ctd[status = "x"]`, `biopsy` of `$$.biopsy`). */
  readonly roots: Set<string>;
  /** Names any path starts with, also relative ones inside predicates and later steps (`concept` of `[concept = x]`). */
  readonly heads: Set<string>;
  /** Variables used or bound (`$labs`, `$isCurrent`), without the `$`. */
  readonly variables: Set<string>;
  /** Site settings read as `$settings.<name>`. */
  readonly settings: Set<string>;
  /** String literals (concepts, prefixes, orderable ids, patterns). */
  readonly literals: Set<string>;
}

/** What a variable stands for: what the expression bound to it reads (a shared value, a local binding). */
export type ReadsEnv = ReadonlyMap<string, ExpressionReads>;

export const noReads = (): ExpressionReads => ({
  roots: new Set(),
  heads: new Set(),
  variables: new Set(),
  settings: new Set(),
  literals: new Set(),
});

export function mergeReads(into: ExpressionReads, from: ExpressionReads): void {
  for (const key of ['roots', 'heads', 'variables', 'settings', 'literals'] as const) {
    from[key].forEach((value) => into[key].add(value));
  }
}

/** Keys of a path step whose expressions are relative to the step's items (filters, sort terms, group-by). */
const RELATIVE = new Set(['stages', 'predicate', 'group', 'terms']);

/**
 * Walks a parse tree. `atRoot`: a path met here starts at the input's root (false inside predicates, stages and
 * later steps of a path). `env`: what variables bound so far read; a use of one merges its reads, so a condition
 * that calls a shared value reads what that value reads.
 */
function walk(node: unknown, atRoot: boolean, env: Map<string, ExpressionReads>, out: ExpressionReads): void {
  if (Array.isArray(node)) {
    node.forEach((child) => {
      walk(child, atRoot, env, out);
    });
    return;
  }
  if (!isObject(node)) {
    return;
  }
  const { type, value } = node;
  if (type === 'path' && Array.isArray(node['steps'])) {
    const steps = node['steps'].filter(isObject);
    const [first, second] = steps;
    // `$$.vasculitis` (and `$.x` at the root) start from the input's root like `vasculitis` does.
    const fromRoot = first?.['type'] === 'variable' && (first['value'] === '' || first['value'] === '$');
    const head = fromRoot ? second : first;
    if (head?.['type'] === 'name' && typeof head['value'] === 'string') {
      out.heads.add(head['value']);
      if (atRoot || (fromRoot && first['value'] === '')) {
        out.roots.add(head['value']);
      }
    }
    if (first?.['type'] === 'variable' && first['value'] === 'settings' && typeof second?.['value'] === 'string') {
      out.settings.add(second['value']);
    }
    steps.forEach((step, i) => {
      // A name step: what it holds (predicates, stages), not the name itself; any other step as it is. Only the
      // first step is evaluated against the path's own context.
      const held = step['type'] === 'name' ? Object.entries(step).filter(([key]) => key !== 'value') : step;
      walkNode(held, atRoot && i === 0, env, out);
    });
    return;
  }
  if (type === 'name' && typeof value === 'string') {
    out.heads.add(value);
    if (atRoot) {
      out.roots.add(value);
    }
  }
  if (type === 'string' && typeof value === 'string') {
    out.literals.add(value);
  }
  if (type === 'variable' && typeof value === 'string' && value !== '') {
    out.variables.add(value);
    const bound = env.get(value);
    if (bound !== undefined) {
      mergeReads(out, bound);
    }
  }
  if (type === 'bind' && isObject(node['lhs']) && typeof node['lhs']['value'] === 'string') {
    const reads = noReads();
    walk(node['rhs'], atRoot, env, reads);
    env.set(node['lhs']['value'], reads);
    out.variables.add(node['lhs']['value']);
    mergeReads(out, reads);
    return;
  }
  walkNode(Object.entries(node), atRoot, env, out);
}

/** The children of a node, given as its entries: relative keys lose `atRoot`, literal values are not walked. */
function walkNode(
  node: Record<string, unknown> | [string, unknown][],
  atRoot: boolean,
  env: Map<string, ExpressionReads>,
  out: ExpressionReads
): void {
  if (!Array.isArray(node)) {
    walk(node, atRoot, env, out);
    return;
  }
  for (const [key, child] of node) {
    if (typeof child === 'object') {
      walk(child, atRoot && !RELATIVE.has(key), env, out);
    }
  }
}

/**
 * What one expression reads, given what the variables it may use (shared values) read. `expression`: its source,
 * or the parse tree of the compiled expression (CompiledExpression.ast: no second parse at start-up).
 */
export function expressionReads(expression: string | { ast?(): unknown }, env: ReadsEnv = new Map()): ExpressionReads {
  const out = noReads();
  walk(astOf(expression), true, new Map(env), out);
  return out;
}

function astOf(expression: string | { ast?(): unknown }): unknown {
  if (typeof expression === 'string') {
    return expressionAst(expression);
  }
  if (expression.ast === undefined) {
    throw new TypeError('an expression without its parse tree: pass its source');
  }
  return expression.ast();
}

/**
 * What each value of a block that ends with an object (cards/common.jsonata, mappings/common.jsonata) reads: the
 * object's keys, each through the bindings made before it.
 */
export function blockValueReads(expression: string | { ast?(): unknown }): Map<string, ExpressionReads> {
  const ast = astOf(expression);
  const env = new Map<string, ExpressionReads>();
  const expressions = isObject(ast) && Array.isArray(ast['expressions']) ? ast['expressions'] : [ast];
  const result = new Map<string, ExpressionReads>();
  for (const expression of expressions) {
    if (isObject(expression) && expression['type'] === 'unary' && expression['value'] === '{') {
      const pairs = Array.isArray(expression['lhs']) ? expression['lhs'] : [];
      for (const pair of pairs) {
        if (Array.isArray(pair) && isObject(pair[0]) && typeof pair[0]['value'] === 'string') {
          const reads = noReads();
          walk(pair[1], true, env, reads);
          result.set(pair[0]['value'], reads);
        }
      }
    } else {
      walk(expression, true, env, noReads());
    }
  }
  return result;
}
