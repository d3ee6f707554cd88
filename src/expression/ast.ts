/**
 * The shape of jsonata's parse tree (`jsonata(source).ast()`, after its own processing) as far as the compiler reads
 * it. Node types and fields are jsonata 2's; anything else is refused by the compiler.
 */
export interface AstNode {
  readonly type: string;
  readonly value?: unknown;
  readonly position?: number;
  /** path */
  readonly steps?: readonly AstNode[];
  /** filters attached to a path step (`a[...]`) */
  readonly stages?: readonly AstNode[];
  /** filters attached to any other expression (`$x[...]`) */
  readonly predicate?: readonly AstNode[];
  /** filter */
  readonly expr?: AstNode;
  /** binary, bind */
  readonly lhs?: AstNode | readonly (readonly [AstNode, AstNode])[];
  readonly rhs?: AstNode;
  /** unary `-` */
  readonly expression?: AstNode;
  /** unary `[`, block */
  readonly expressions?: readonly AstNode[];
  /** condition */
  readonly condition?: AstNode;
  readonly then?: AstNode;
  readonly else?: AstNode;
  /** function, lambda */
  readonly procedure?: AstNode;
  readonly arguments?: readonly AstNode[];
  readonly body?: AstNode;
  readonly signature?: unknown;
  readonly thunk?: boolean;
  /** `{...}` after a path or value: its key/value pairs, evaluated over the result (jsonata's group-by). */
  readonly group?: { readonly lhs: readonly (readonly [AstNode, AstNode])[] };
  /** an array constructor that is a path step: its array is one item, not flattened into the path's results */
  readonly consarray?: boolean;
  /** sort */
  readonly terms?: readonly { readonly descending?: boolean; readonly expression: AstNode }[];
}

/** Fields of a node that change its meaning in ways the compiler does not implement. */
export const unsupportedFields = [
  'focus',
  'index',
  'tuple',
  'ancestor',
  'seekingParent',
  'keepArray',
  'keepSingletonArray',
] as const;
