/**
 * JSONata's sequences: the arrays a path or a filter produces, as opposed to arrays that are values in the data. A
 * sequence of one item stands for that item and an empty one for nothing (`undefined`) once an expression is
 * evaluated; a data array stays an array. The mark is the same enumerable `sequence` property jsonata sets, so
 * that values built by either engine look alike to every consumer.
 */
export type Sequence = unknown[] & { sequence: true; outerWrapper?: true };

export function createSequence(): Sequence {
  const sequence = [] as unknown[] as Sequence;
  sequence.sequence = true;
  return sequence;
}

export function sequenceOf(item: unknown): Sequence {
  const sequence = createSequence();
  sequence.push(item);
  return sequence;
}

export function isSequence(value: unknown): value is Sequence {
  return Array.isArray(value) && (value as Partial<Sequence>).sequence === true;
}

/** What an evaluated expression yields: a sequence of one is its item, an empty sequence is nothing. */
export function settle(value: unknown): unknown {
  if (isSequence(value)) {
    if (value.length === 0) {
      return undefined;
    }
    if (value.length === 1) {
      return value[0];
    }
  }
  return value;
}

/** The context item `$`: a top-level array input is wrapped once so that paths treat it as one value. */
export function contextItem(input: unknown): unknown {
  return Array.isArray(input) && (input as Partial<Sequence>).outerWrapper === true ? input[0] : input;
}

/** An array built by a constructor that is a path step: not flattened into the path's results (jsonata's `cons`). */
export function markConstructed(array: unknown[]): unknown[] {
  Object.defineProperty(array, 'cons', { value: true, enumerable: false });
  return array;
}

export function isConstructed(value: unknown[]): boolean {
  return (value as { cons?: boolean }).cons === true;
}
