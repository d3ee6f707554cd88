import jsonata from 'jsonata';

/**
 * What a JSONata expression reads from its input root (path roots such as `vasculitis.severe`, `labs[...]`) and
 * which `$variables` it uses, from JSONata's own parse tree. Names inside predicates and later path steps are
 * relative to the item they filter, so they do not count as roots. Used by tests that check declarations of what
 * a mapping or rule reads (decision-model.json `reads`, cards/<rule>.json `facts`).
 */
interface Node {
  readonly type?: string;
  readonly value?: unknown;
  readonly steps?: readonly Node[];
  readonly stages?: readonly Node[];
  readonly predicate?: readonly Node[];
  readonly expressions?: readonly Node[];
  readonly lhs?: Node | readonly (readonly Node[])[];
  readonly rhs?: Node;
  readonly condition?: Node;
  readonly then?: Node;
  readonly else?: Node;
  readonly procedure?: Node;
  readonly arguments?: readonly Node[];
  readonly body?: Node;
  readonly expr?: Node;
  readonly group?: { readonly lhs?: readonly (readonly Node[])[] };
}

export interface Reads {
  readonly roots: Set<string>;
  readonly variables: Set<string>;
}

export function readsOf(source: string): Reads {
  const reads: Reads = { roots: new Set(), variables: new Set() };
  walk(jsonata(source).ast() as unknown as Node, true, reads);
  return reads;
}

function walk(node: Node | undefined, atRoot: boolean, reads: Reads): void {
  if (node === undefined || typeof node !== 'object') {
    return;
  }
  switch (node.type) {
    case 'name':
      if (atRoot && typeof node.value === 'string') {
        reads.roots.add(node.value);
      }
      break;
    case 'variable':
      if (typeof node.value === 'string' && node.value !== '') {
        reads.variables.add(node.value);
      }
      break;
    case 'path':
      (node.steps ?? []).forEach((step, i) => {
        walk(step, atRoot && i === 0, reads);
      });
      break;
    default:
      break;
  }
  for (const stage of [...(node.stages ?? []), ...(node.predicate ?? [])]) {
    walk(stage.expr ?? stage, false, reads);
  }
  if (node.type === 'path') {
    return;
  }
  const children: (Node | undefined)[] = [
    ...(node.expressions ?? []),
    ...(node.arguments ?? []),
    node.rhs,
    node.condition,
    node.then,
    node.else,
    node.procedure,
    node.body,
  ];
  if (Array.isArray(node.lhs)) {
    for (const pair of node.lhs as readonly (readonly Node[])[]) {
      children.push(...pair);
    }
  } else {
    children.push(node.lhs as Node | undefined);
  }
  for (const pair of node.group?.lhs ?? []) {
    children.push(...pair);
  }
  for (const child of children) {
    walk(child, atRoot, reads);
  }
}

/**
 * The model fields each binding of cards/common.jsonata reads: its block's result object, key by key, with the
 * block's own `$x := ...` variables followed.
 */
export function commonBindingReads(source: string): Map<string, Set<string>> {
  const ast = jsonata(source).ast() as unknown as Node;
  const block = ast.type === 'block' ? ast : undefined;
  const locals = new Map<string, Node>();
  let result: Node | undefined;
  for (const expression of block?.expressions ?? []) {
    if (expression.type === 'bind' && expression.lhs !== undefined && !Array.isArray(expression.lhs)) {
      locals.set(String((expression.lhs as Node).value), expression.rhs as Node);
    } else {
      result = expression;
    }
  }
  const resolve = (node: Node, seen: Set<string>): Set<string> => {
    const reads: Reads = { roots: new Set(), variables: new Set() };
    walk(node, true, reads);
    for (const variable of reads.variables) {
      const local = locals.get(variable);
      if (local !== undefined && !seen.has(variable)) {
        for (const root of resolve(local, new Set([...seen, variable]))) {
          reads.roots.add(root);
        }
      }
    }
    return reads.roots;
  };
  const bindings = new Map<string, Set<string>>();
  if (result?.type === 'unary' && Array.isArray(result.lhs)) {
    for (const [key, value] of result.lhs as readonly (readonly Node[])[]) {
      if (key !== undefined && value !== undefined) {
        bindings.set(String(key.value), resolve(value, new Set()));
      }
    }
  }
  return bindings;
}
