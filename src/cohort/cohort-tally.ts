import type { CardOutline, Failure } from './evaluate-patients.js';
import { ANY_CARD, type CensusRow, type CohortCounts, type CohortReport } from './cohort-report.js';
import { firstDisplay, type UnrecognisedCode } from './unrecognised-codes.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The report's counts, added up one patient at a time as outcomes arrive (memory: one entry per rule, per card
 * count and per unrecognised code, never per patient), or one shard report at a time (`cohort merge`).
 */
export class CohortTally implements CohortCounts {
  patients = 0;
  readonly rules = new Map<string, number>();
  readonly indicators = new Map<string, number>();
  readonly cardsPerPatient = new Map<number, number>();
  private readonly census = new Map<string, Mutable<CensusRow>>();
  private readonly failures = new Map<string, Failure>();

  get unrecognised(): Iterable<CensusRow> {
    return this.census.values();
  }

  get failed(): Iterable<Failure> {
    return this.failures.values();
  }

  get failedCount(): number {
    return this.failures.size;
  }

  addPatient(cards: readonly CardOutline[], unrecognised: readonly UnrecognisedCode[]): void {
    this.patients += 1;
    for (const rule of new Set(cards.map((c) => c.rule))) {
      add(this.rules, rule, 1);
    }
    for (const indicator of new Set(cards.map((c) => c.indicator))) {
      add(this.indicators, indicator, 1);
    }
    if (cards.length > 0) {
      add(this.indicators, ANY_CARD, 1);
    }
    add(this.cardsPerPatient, cards.length, 1);
    for (const code of unrecognised) {
      this.addCensus({ ...code, patients: 1 });
    }
  }

  /** A failure is kept once: a Bundle that cannot be read fails alike in every shard. */
  addFailure(failure: Failure): void {
    this.failures.set(JSON.stringify([failure.file, failure.patient, failure.error]), failure);
  }

  /** Adds the counts of a report over other patients (a shard of the same run). */
  addReport(report: CohortReport): void {
    this.patients += report.patients;
    for (const { rule, patients } of report.rules) {
      add(this.rules, rule, patients);
    }
    for (const { indicator, patients } of report.indicators) {
      add(this.indicators, indicator, patients);
    }
    for (const { cards, patients } of report.cardsPerPatient) {
      add(this.cardsPerPatient, cards, patients);
    }
    for (const row of report.unrecognised) {
      this.addCensus(row);
    }
    for (const failure of report.failed) {
      this.addFailure(failure);
    }
  }

  private addCensus(row: CensusRow): void {
    const key = `${row.kind}|${row.system}|${row.code}`;
    const entry = this.census.get(key);
    if (entry === undefined) {
      this.census.set(key, {
        kind: row.kind,
        system: row.system,
        code: row.code,
        display: row.display,
        patients: row.patients,
        records: row.records,
      });
      return;
    }
    entry.patients += row.patients;
    entry.records += row.records;
    entry.display = firstDisplay(entry.display, row.display);
  }
}

function add<K>(map: Map<K, number>, key: K, n: number): void {
  if (n !== 0) {
    map.set(key, (map.get(key) ?? 0) + n);
  }
}
