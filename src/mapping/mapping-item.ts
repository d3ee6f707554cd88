import type { FhirResource } from 'fhir/r4';
import type { CodeMatch } from '../terminology/code-index.js';
import type { DailyDose } from './decision-model.js';

/**
 * The unit the JSONata mappings work on: one FHIR record with the concepts its codes belong to, as the JS pre-pass
 * (prepare-input.ts) hands it over.
 */

/** Where on the resource a code matched; the mappings read meaning from it (a bodySite is not a diagnosis). */
export type MatchPath = 'code' | 'value' | 'bodySite' | 'severity' | 'medication' | 'reason' | 'conclusion';

export interface ItemMatch extends CodeMatch {
  readonly path: MatchPath;
}

export interface MappingItem {
  readonly ref: string;
  readonly resourceType: string;
  readonly id: string;
  /** YYYY-MM-DD */
  readonly date?: string;
  /** Whole days from `date` to today (negative for a future date). */
  readonly ageDays?: number;
  readonly resource: FhirResource;
  /** Value sets matched anywhere on the record (deduplicated, sorted). */
  readonly sets: readonly string[];
  readonly matches: readonly ItemMatch[];
  /**
   * How many records this item stands for: records that say the same thing to the decision model (same codes,
   * statuses, body sites, result flags) are collapsed into the latest one, as EHRs repeat a diagnosis per visit.
   */
  readonly records: number;
  /** For Observations: the result, read and interpreted once (result-value.ts). */
  readonly result?: ResultValue;
  /** For Conditions: abatement[x] lies in the past (or is recorded without a date), so it is not active. */
  readonly abated?: boolean;
}

/** What an Observation's result says, whatever shape it came in. */
export type ResultFlag = 'positive' | 'negative' | 'high' | 'low' | 'normal' | 'borderline' | 'abnormal' | 'unknown';

export interface ResultValue {
  /** The value: a number in the concept's unit when it could be converted, else as sent. */
  readonly value?: number | string | boolean;
  readonly unit?: string;
  /** The value as a clinician reads it, with the sent unit and any conversion, e.g. "300 pmol/L (406.6 pg/mL)". */
  readonly text?: string;
  readonly flag: ResultFlag;
  /** A completed result: a value or an interpretation, and no dataAbsentReason. */
  readonly done: boolean;
  /** Where the flag came from, for the evidence line (e.g. "reference range 232-1245"). */
  readonly basis?: string;
}

export interface LabItem extends MappingItem {
  /** The lab value set this is the latest result of (an Observation can be the latest of several). */
  readonly concept: string;
}

export interface DraftItem extends MappingItem {
  readonly selected: boolean;
  readonly checked: boolean;
  readonly dose?: DailyDose;
}

/** Optional data that could not be read (an optional prefetch key or FHIR query), and what it feeds. */
export interface UnavailableData {
  readonly key: string;
  /** What it is, for a clinician: "biopsy reports (DiagnosticReport)". */
  readonly label: string;
  /** Decision-model fields it feeds. */
  readonly feeds: readonly string[];
  readonly reason?: string;
}

/** The input of every mapping expression: small, already indexed, relevant records only. */
export interface MappingInput {
  readonly today: string;
  readonly patientId: string;
  readonly hook: string;
  /** Records that matched a concept, collapsed (lab Observations are in `labs` instead). */
  readonly items: readonly MappingItem[];
  /** The same records grouped by the decision-model fact of their value sets (a record can be in several). */
  readonly byFact: Readonly<Record<string, readonly MappingItem[]>>;
  /** The latest completed Observation per lab value set (`lab-*`), keyed by that value set. */
  readonly labs: Readonly<Record<string, LabItem>>;
  readonly drafts: readonly DraftItem[];
  readonly unavailable: readonly UnavailableData[];
}
