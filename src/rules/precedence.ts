import type { Indicator } from '../cds-hooks/types.js';
import type { Rule } from './rule.js';

/** Two or more rules whose cards must never show together (opposite framings), and the one to keep. */
export interface Conflict {
  readonly rules: readonly string[];
  readonly keep: string;
  /** Why they conflict and why `keep` wins, in words for the rule book. */
  readonly why: string;
}

/** cards/precedence.json, loaded: each rule's clinical priority (0 first) and the conflicting sets. */
export interface Precedence {
  readonly priority: ReadonlyMap<string, number>;
  readonly conflicts: readonly Conflict[];
}

/** Told when a conflict had to be resolved here: the rule conditions should have prevented it (a knowledge bug). */
export type ConflictHandler = (dropped: string, kept: string) => void;

const RANK: Readonly<Record<Indicator, number>> = { critical: 0, warning: 1, info: 2 };

/**
 * The engine's safety net (rules.md section 5): of two conflicting cards only the declared one is kept, and cards
 * are ordered critical, warning, info, then by clinical priority (the suspected-vasculitis card before the workup
 * labs). The conditions themselves are written so that conflicting rules do not fire together; tests check that
 * over every fixture, mapping case and demo patient, so `onConflict` reporting anything is a bug to fix.
 */
export function applyPrecedence<T extends { readonly rule: Rule; readonly indicator: Indicator }>(
  outcomes: readonly T[],
  precedence: Precedence,
  onConflict: ConflictHandler = () => undefined
): T[] {
  const fired = new Set(outcomes.map((o) => o.rule.id));
  const dropped = new Set<string>();
  for (const conflict of precedence.conflicts) {
    const together = conflict.rules.filter((id) => fired.has(id));
    if (together.length < 2) {
      continue;
    }
    // Keep the declared winner if it fired; otherwise the first of the set that did (in declared order).
    const kept = together.includes(conflict.keep) ? conflict.keep : (together[0] ?? conflict.keep);
    for (const id of together.filter((r) => r !== kept)) {
      dropped.add(id);
      onConflict(id, kept);
    }
  }
  const priority = (id: string): number => precedence.priority.get(id) ?? Number.MAX_SAFE_INTEGER;
  return outcomes
    .filter((o) => !dropped.has(o.rule.id))
    .sort(
      (a, b) =>
        RANK[a.indicator] - RANK[b.indicator] ||
        priority(a.rule.id) - priority(b.rule.id) ||
        a.rule.id.localeCompare(b.rule.id)
    );
}
