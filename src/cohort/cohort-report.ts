import type { HookName, Indicator } from '../cds-hooks/types.js';
import type { Failure } from './evaluate-patients.js';
import type { Shard } from './patient-key.js';
import type { CensusKind } from './unrecognised-codes.js';

/**
 * Alert burden before go-live, as `cohort --json` prints it: over a population, how many patients each rule would
 * show a card to, how many would see a critical, warning or info card at all, how many cards a patient gets, and
 * which codes of their data the service did not recognise. Every rule of the hook is listed, silent ones included,
 * so that a rule that never fires on the site's data is visible too. `patients`, `rules[].rule` and
 * `rules[].patients` keep the shape of the first release.
 *
 * Everything in it is a count that adds up over disjoint sets of patients, so that `cohort merge` of the shards of
 * a run gives exactly the report of the unsharded run (merge-reports.ts). `input` is about the whole input, which
 * every shard reads: it is the same in every shard.
 */
export interface CohortReport {
  readonly hook: HookName;
  readonly today: string;
  /** Present for a `--shard i/n` run only. */
  readonly shard?: Shard;
  readonly input: InputSummary;
  /** Patients evaluated (not counting failures). */
  readonly patients: number;
  readonly rules: readonly Count<'rule'>[];
  readonly indicators: readonly Count<'indicator'>[];
  /** How many patients get 0, 1, 2... cards (patients with no card included). */
  readonly cardsPerPatient: readonly CardsCount[];
  /** Codes the service did not recognise, most widespread first: what the site should map. */
  readonly unrecognised: readonly CensusRow[];
  /** Patients (or Bundle files) that could not be evaluated, with the reason; they are not in the counts. */
  readonly failed: readonly Failure[];
}

export interface InputSummary {
  readonly kind: 'bundles' | 'bulk-export';
  readonly files: number;
  /** Bulk export: resource lines read, resources about no patient (Medication, Practitioner...), bad lines. */
  readonly lines?: number;
  readonly withoutPatient?: number;
  readonly skippedLines?: number;
  /** The first bad lines skipped (`--skip-bad-lines`), in reading order. */
  readonly badLines?: readonly BadLine[];
}

export interface BadLine {
  readonly file: string;
  readonly line: number;
  readonly error: string;
}

export type Count<K extends string> = { readonly [key in K]: string } & {
  readonly patients: number;
  /** Percent of the patients evaluated, one decimal. */
  readonly share: number;
};

export interface CardsCount {
  readonly cards: number;
  readonly patients: number;
  readonly share: number;
}

export interface CensusRow {
  readonly kind: CensusKind;
  readonly system: string;
  readonly code: string;
  readonly display: string;
  /** Patients with at least one such record, and the records. */
  readonly patients: number;
  readonly records: number;
}

export const INDICATORS: readonly Indicator[] = ['critical', 'warning', 'info'];
export const ANY_CARD = 'any card';

/** The counts a report is made of, however they were gathered (one run, or the shards of one). */
export interface CohortCounts {
  readonly patients: number;
  readonly rules: ReadonlyMap<string, number>;
  readonly indicators: ReadonlyMap<string, number>;
  readonly cardsPerPatient: ReadonlyMap<number, number>;
  readonly unrecognised: Iterable<CensusRow>;
  readonly failed: Iterable<Failure>;
}

export interface ReportHeading {
  readonly hook: HookName;
  readonly today: string;
  readonly shard: Shard | undefined;
  readonly input: InputSummary;
  /** Every rule of the hook, so that silent rules are listed with 0. */
  readonly ruleIds: Iterable<string>;
}

export function buildReport(heading: ReportHeading, counts: CohortCounts): CohortReport {
  const share = (n: number): number => (counts.patients === 0 ? 0 : Math.round((n / counts.patients) * 1000) / 10);
  const rules = [...new Set([...heading.ruleIds, ...counts.rules.keys()])]
    .map((rule) => {
      const patients = counts.rules.get(rule) ?? 0;
      return { rule, patients, share: share(patients) };
    })
    .sort((a, b) => b.patients - a.patients || compare(a.rule, b.rule));
  const indicators = [...INDICATORS, ANY_CARD].map((indicator) => {
    const patients = counts.indicators.get(indicator) ?? 0;
    return { indicator, patients, share: share(patients) };
  });
  const cardsPerPatient = [...counts.cardsPerPatient]
    .sort(([a], [b]) => a - b)
    .map(([cards, patients]) => ({ cards, patients, share: share(patients) }));
  const unrecognised = [...counts.unrecognised].sort(
    (a, b) =>
      b.patients - a.patients ||
      b.records - a.records ||
      compare(a.kind, b.kind) ||
      compare(a.system, b.system) ||
      compare(a.code, b.code)
  );
  const failed = [...counts.failed].sort(
    (a, b) => compare(a.file ?? a.patient ?? '', b.file ?? b.patient ?? '') || compare(a.error, b.error)
  );
  return {
    hook: heading.hook,
    today: heading.today,
    ...(heading.shard === undefined ? {} : { shard: heading.shard }),
    input: heading.input,
    patients: counts.patients,
    rules,
    indicators,
    cardsPerPatient,
    unrecognised,
    failed,
  };
}

/** Code-unit order, the same on every machine and locale (localeCompare is not). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
