/**
 * Freezes a value and everything in it. The decision model and the rules' shared values are frozen once computed:
 * JSONata mutates some inputs (a group-by turns an empty bound array into [null]), and a frozen value makes such a
 * mistake fail loudly instead of corrupting what the next expression reads.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
  }
  return value;
}
