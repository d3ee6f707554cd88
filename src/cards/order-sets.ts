/**
 * Orders a card suggests as one button when two or more of them are pending (cards/order-sets.json): "order the
 * CTD antibody panel" is one suggestion whose actions create several ServiceRequests (spec "Suggestion": the actions
 * of a suggestion are AND'd together). It keeps a card to a handful of buttons (issue 13: at most ~6).
 */
export interface OrderSet {
  readonly id: string;
  /** Names the set on its button, e.g. "CTD antibody panel". */
  readonly label: string;
  readonly orderables: readonly string[];
}
