import { isObject } from '../mapping/fhir-fields.js';
import { expressionAst } from '../mapping/jsonata-runtime.js';

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

/** The fields each shared value of cards/common.jsonata reads (its final object's keys). */
export type SharedReads = ReadonlyMap<string, ConditionReads>;

interface Collector {
  readonly fields: Set<string>;
  readonly settings: Set<string>;
  readonly literals: Set<string>;
}

const empty = (): Collector => ({ fields: new Set(), settings: new Set(), literals: new Set() });

function merge(into: Collector, from: ConditionReads): void {
  from.fields.forEach((f) => into.fields.add(f));
  from.settings.forEach((s) => into.settings.add(s));
  from.literals.forEach((l) => into.literals.add(l));
}

/** Walks a JSONata AST; `env` maps variable names to what they read (shared values, earlier bindings). */
function walk(node: unknown, fields: ReadonlySet<string>, env: Map<string, ConditionReads>, out: Collector): void {
  if (Array.isArray(node)) {
    node.forEach((child) => {
      walk(child, fields, env, out);
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
    // `$$.vasculitis` starts from the root; `$settings.x` names a setting.
    const head = first?.['type'] === 'variable' && (first['value'] === '' || first['value'] === '$') ? second : first;
    if (head?.['type'] === 'name' && typeof head['value'] === 'string' && fields.has(head['value'])) {
      out.fields.add(head['value']);
    }
    if (first?.['type'] === 'variable' && first['value'] === 'settings' && typeof second?.['value'] === 'string') {
      out.settings.add(second['value']);
    }
    // The steps' own names are relative (`findings` of `neuropathy.findings`); what they contain is not.
    for (const step of steps) {
      // A name step: what it holds (predicates, stages), not the name itself; any other step as it is.
      const held = step['type'] === 'name' ? Object.entries(step).filter(([key]) => key !== 'value') : step;
      walk(held, fields, env, out);
    }
    return;
  }
  if (type === 'name' && typeof value === 'string' && fields.has(value)) {
    out.fields.add(value);
  }
  if (type === 'string' && typeof value === 'string') {
    out.literals.add(value);
  }
  if (type === 'variable' && typeof value === 'string') {
    const bound = env.get(value);
    if (bound !== undefined) {
      merge(out, bound);
    }
  }
  if (type === 'bind' && isObject(node['lhs']) && typeof node['lhs']['value'] === 'string') {
    const reads = empty();
    walk(node['rhs'], fields, env, reads);
    env.set(node['lhs']['value'], reads);
    merge(out, reads);
    return;
  }
  for (const [key, child] of Object.entries(node)) {
    if (key !== 'value' || typeof child === 'object') {
      walk(child, fields, env, out);
    }
  }
}

/** What one condition reads, given the shared values it may use. */
export function conditionReads(source: string, fields: ReadonlySet<string>, shared: SharedReads): ConditionReads {
  const out = empty();
  walk(expressionAst(source), fields, new Map(shared), out);
  return out;
}

/**
 * What each shared value of cards/common.jsonata reads: the keys of the object it ends with, each through the
 * bindings made before it.
 */
export function sharedReads(source: string, fields: ReadonlySet<string>): SharedReads {
  const ast = expressionAst(source);
  const env = new Map<string, ConditionReads>();
  const expressions = isObject(ast) && Array.isArray(ast['expressions']) ? ast['expressions'] : [ast];
  const result = new Map<string, ConditionReads>();
  for (const expression of expressions) {
    if (isObject(expression) && expression['type'] === 'unary' && expression['value'] === '{') {
      const pairs = Array.isArray(expression['lhs']) ? expression['lhs'] : [];
      for (const pair of pairs) {
        if (Array.isArray(pair) && isObject(pair[0]) && typeof pair[0]['value'] === 'string') {
          const reads = empty();
          walk(pair[1], fields, env, reads);
          result.set(pair[0]['value'], reads);
        }
      }
    } else {
      walk(expression, fields, env, empty());
    }
  }
  return result;
}
