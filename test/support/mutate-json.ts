import fc from 'fast-check';

/**
 * Mutations of valid request bodies for the property tests: each picks a node of the JSON tree (by an index
 * modulo the number of nodes, so that fast-check can shrink it) and breaks it in one of the ways clients and
 * attackers do: a field deleted or replaced, a type swapped, prototype keys added, deep nesting, numbers JSON
 * cannot hold, arbitrary Unicode, huge repetition.
 */
export type Mutation =
  | { readonly kind: 'delete'; readonly at: number }
  | { readonly kind: 'replace'; readonly at: number; readonly value: unknown }
  | { readonly kind: 'swap-type'; readonly at: number }
  | { readonly kind: 'proto-keys'; readonly at: number; readonly value: unknown }
  | { readonly kind: 'nest'; readonly at: number; readonly depth: number }
  | { readonly kind: 'raw-number'; readonly at: number; readonly literal: string }
  | { readonly kind: 'unicode'; readonly at: number; readonly text: string }
  | { readonly kind: 'repeat'; readonly at: number; readonly times: number }
  | { readonly kind: 'empty'; readonly at: number; readonly value: unknown };

/** Number literals that JSON.parse accepts but that are no ordinary numbers (Infinity, denormals, > 2^53). */
const RAW_NUMBERS = ['1e400', '-1e400', '1e-400', '-0', '123456789012345678901234567890', '0.1e-999', '4.9e-324'];
const MARKER = '__raw_number_marker__';

export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({ kind: fc.constant('swap-type' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('proto-keys' as const), at: fc.nat(), value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ kind: fc.constant('nest' as const), at: fc.nat(), depth: fc.integer({ min: 1, max: 80 }) }),
  fc.record({ kind: fc.constant('raw-number' as const), at: fc.nat(), literal: fc.constantFrom(...RAW_NUMBERS) }),
  fc.record({
    kind: fc.constant('unicode' as const),
    at: fc.nat(),
    text: fc.string({ unit: 'binary', maxLength: 40 }),
  }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), times: fc.integer({ min: 2, max: 200 }) }),
  fc.record({ kind: fc.constant('empty' as const), at: fc.nat(), value: fc.constantFrom({}, [], '', null, 0, false) })
);

type Json = unknown;
type Step = string | number;

function nodePaths(value: Json, prefix: Step[] = [], out: Step[][] = []): Step[][] {
  out.push(prefix);
  if (Array.isArray(value)) {
    value.forEach((child, i) => nodePaths(child, [...prefix, i], out));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      nodePaths(child, [...prefix, key], out);
    }
  }
  return out;
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty: a plain assignment of `__proto__` would change the prototype instead of adding a key.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function swapType(value: Json): Json {
  if (typeof value === 'string') {
    return value.length;
  }
  if (typeof value === 'number') {
    return String(value);
  }
  if (typeof value === 'boolean') {
    return value ? 'true' : 1;
  }
  if (value === null || value === undefined) {
    return {};
  }
  if (Array.isArray(value)) {
    return Object.fromEntries(value.map((v, i) => [String(i), v]));
  }
  return Object.values(value);
}

/** Applies the mutations in order to a copy of `body` and returns the JSON text to send. */
export function mutatedJson(body: Json, mutations: readonly Mutation[]): string {
  let root: Json = structuredClone(body);
  const literals: string[] = [];
  for (const mutation of mutations) {
    const paths = nodePaths(root);
    const path = paths[mutation.at % paths.length] ?? [];
    const parent = path.slice(0, -1).reduce<Json>((node, step) => (node as Record<Step, Json>)[step], root);
    const last = path[path.length - 1];
    const current = last === undefined ? root : (parent as Record<Step, Json>)[last];
    let next: Json = current;
    switch (mutation.kind) {
      case 'delete':
        if (last === undefined) {
          root = {};
        } else if (Array.isArray(parent)) {
          parent.splice(last as number, 1);
        } else {
          Reflect.deleteProperty(parent as object, last);
        }
        continue;
      case 'replace':
        next = structuredClone(mutation.value);
        break;
      case 'swap-type':
        next = swapType(current);
        break;
      case 'proto-keys':
        if (typeof current === 'object' && current !== null && !Array.isArray(current)) {
          for (const key of ['__proto__', 'constructor', 'prototype']) {
            setOwn(current as Record<string, unknown>, key, structuredClone(mutation.value));
          }
        }
        continue;
      case 'nest':
        for (let i = 0; i < mutation.depth; i++) {
          next = [next];
        }
        break;
      case 'raw-number':
        literals.push(mutation.literal);
        next = `${MARKER}${String(literals.length - 1)}`;
        break;
      case 'unicode':
        next = mutation.text;
        break;
      case 'repeat':
        next =
          Array.isArray(current) && current.length > 0
            ? Array.from({ length: mutation.times }, () => structuredClone(current[0] as unknown))
            : current;
        break;
      case 'empty':
        next = structuredClone(mutation.value);
        break;
    }
    if (last === undefined) {
      root = next;
    } else if (Array.isArray(parent)) {
      parent[last as number] = next;
    } else {
      setOwn(parent as Record<string, unknown>, String(last), next);
    }
  }
  return JSON.stringify(root).replace(
    new RegExp(`"${MARKER}(\\d+)"`, 'g'),
    (_match, i: string) => literals[Number(i)] ?? '0'
  );
}
