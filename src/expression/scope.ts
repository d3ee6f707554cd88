import type { AstNode } from './ast.js';

/**
 * Variables, resolved when an expression is compiled rather than looked up by name at every read. JSONata scopes
 * are lexical: the whole expression, each block `( ... )` and each function call have their own frame, and `$x :=`
 * binds in the innermost one. So each scope gets a slot for every name bound in it; a read tries the slots of the
 * scopes that bind the name, innermost first, and falls back to the caller's bindings and the functions. A slot not
 * yet bound (`$x` read before its `:=` ran, or the `:=` in a branch not taken) falls through to the outer scope, as
 * jsonata's lookup would.
 */

/** A slot no `:=` has written yet. */
const UNBOUND: unique symbol = Symbol('expression.unbound');

/** What every frame of one evaluation shares: the caller's bindings and the functions under them. */
export interface Globals {
  readonly bindings: Readonly<Record<string, unknown>>;
  readonly functions: Readonly<Record<string, unknown>>;
}

/** The run-time frame of a scope: its slots, its parent's frame (lambdas keep the one they were defined in). */
export class Frame {
  readonly values: unknown[];

  constructor(
    readonly parent: Frame | undefined,
    size: number,
    readonly globals: Globals,
    /** The context item the current function call was given (see compile.ts, calls in tail position). */
    readonly callContext: unknown = parent?.callContext
  ) {
    this.values = new Array<unknown>(size).fill(UNBOUND);
  }
}

/** A compile-time scope: the names bound in it, by slot. */
export class Scope {
  readonly slots = new Map<string, number>();

  constructor(
    readonly parent: Scope | undefined,
    names: Iterable<string>
  ) {
    for (const name of names) {
      if (!this.slots.has(name)) {
        this.slots.set(name, this.slots.size);
      }
    }
  }
}

/** The names `:=` binds in the scope whose body this is: nested blocks and functions have their own. */
export function boundNames(nodes: readonly AstNode[]): string[] {
  const names: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
      return;
    }
    if (value === null || typeof value !== 'object') {
      return;
    }
    const node = value as AstNode;
    if (node.type === 'block' || (node.type === 'lambda' && node.thunk !== true)) {
      return;
    }
    if (node.type === 'bind') {
      names.push(String((node.lhs as AstNode).value));
    }
    Object.values(node).forEach(visit);
  };
  nodes.forEach(visit);
  return names;
}

/** A compiled read of `$name` in `scope`. */
export function readVariable(name: string, scope: Scope): (frame: Frame) => unknown {
  const candidates: { hops: number; slot: number }[] = [];
  let hops = 0;
  for (let s: Scope | undefined = scope; s !== undefined; s = s.parent, hops++) {
    const slot = s.slots.get(name);
    if (slot !== undefined) {
      candidates.push({ hops, slot });
    }
  }
  // Own keys only: a binding named like an Object.prototype member must not find the prototype's.
  const inherited = name in Object.prototype;
  const global = (frame: Frame): unknown => {
    const { bindings, functions } = frame.globals;
    const value = inherited ? undefined : bindings[name];
    if (value !== undefined || Object.hasOwn(bindings, name)) {
      return bindings[name];
    }
    return Object.hasOwn(functions, name) ? functions[name] : undefined;
  };
  const only = candidates[0];
  if (candidates.length === 0) {
    return global;
  }
  if (candidates.length === 1 && only?.hops === 0) {
    const slot = only.slot;
    return (frame) => {
      const value = frame.values[slot];
      return value === UNBOUND ? global(frame) : value;
    };
  }
  return (frame) => {
    for (const { hops: up, slot } of candidates) {
      let target = frame;
      for (let i = 0; i < up; i++) {
        target = target.parent as Frame;
      }
      const value = target.values[slot];
      if (value !== UNBOUND) {
        return value;
      }
    }
    return global(frame);
  };
}

/** The slot `$name :=` writes in the current frame (the innermost scope binds every name assigned in it). */
export function slotOf(name: string, scope: Scope): number {
  const slot = scope.slots.get(name);
  if (slot === undefined) {
    throw new Error(`compiler: '${name}' is bound outside the scope that declares it`);
  }
  return slot;
}
