import type { Route } from './dose-route.js';

/**
 * The neuropathy decision model (section 1 of the clinical specification, described in docs/knowledge.md): what the
 * JSONata mappings in mappings/ produce from FHIR data, and what the rules in cards/ read. Concept names are the
 * value set ids of mappings/valuesets (e.g. `ctd-sle`, `lab-b12`), one vocabulary throughout.
 *
 * The JSON Schema twin is mappings/decision-model.schema.json; tests validate every mapping output against it.
 */

/** Where a fact comes from: enough for a clinician to find the record (shown on cards). */
export interface Evidence {
  /** `ResourceType/id` of the source record. */
  readonly reference: string;
  readonly display: string;
  readonly system?: string;
  readonly code?: string;
  /** Clinically relevant date of the record (YYYY-MM-DD). */
  readonly date?: string;
  /** Extra detail, e.g. a lab value and its flag. */
  readonly detail?: string;
}

export type FactStatus = 'confirmed' | 'suspected';

export interface CtdFact {
  readonly concept: string;
  readonly label: string;
  readonly status: FactStatus;
  /** True for systemic vasculitides (and CTDs coded "with vasculitis"). */
  readonly vasculitis: boolean;
  readonly evidence: Evidence;
}

export type NeuropathyPattern =
  | 'multifocal'
  | 'mononeuropathy'
  | 'symmetric'
  | 'numbnessOnly'
  | 'trigeminal'
  | 'sensoryNeuronopathy'
  | 'smallFiber'
  | 'carpalTunnel'
  | 'raynaud';

export interface PatternFinding {
  readonly pattern: NeuropathyPattern;
  readonly status: FactStatus;
  readonly evidence: Evidence;
}

export interface NeuropathyFacts {
  /** Distinct patterns present. */
  readonly patterns: readonly NeuropathyPattern[];
  readonly findings: readonly PatternFinding[];
  /** Every numbness / paraesthesia finding, with or without a neuropathy diagnosis. */
  readonly numbness: readonly Evidence[];
  /** Numbness located in the digits (hand or foot codes, or a hand/finger/foot/toe body site). */
  readonly digitalNumbness: readonly Evidence[];
  readonly motor: readonly Evidence[];
  /** Motor involvement, or a neuropathy recorded with severity "severe". */
  readonly severe: boolean;
  readonly severity: readonly Evidence[];
  /** Any neuropathy or numbness (not counting carpal tunnel syndrome or Raynaud's alone). */
  readonly any: boolean;
  readonly guillainBarre: readonly Evidence[];
  /** CIDP: with Guillain-Barre syndrome, an accepted indication for plasma exchange. */
  readonly cidp: readonly Evidence[];
  /** Burning or neuropathic pain (a route to suspected small-fibre neuropathy). */
  readonly neuropathicPain: readonly Evidence[];
  /** Nerve-root disease: numbness may be radicular rather than neuropathic. */
  readonly radiculopathy: readonly Evidence[];
  /** Sensory ataxia: counted as a sensoryNeuronopathy pattern, but a possible, not a diagnosed, neuronopathy. */
  readonly sensoryAtaxia: readonly Evidence[];
}

/**
 * Vasculitis, derived once from the other facts for every rule (mappings/vasculitis.jsonata):
 * - neuropathySuspected: a CTD or vasculitis with a multifocal neuropathy, and no biopsy result yet (a biopsy
 *   without vasculitis removes the suspicion; one with vasculitis makes it proven);
 * - neuropathyProven: a biopsy showed vasculitis;
 * - severe: suspected or proven, with motor involvement or a severe neuropathy;
 * - treated: suspected or proven, on cyclophosphamide or a non-glucocorticoid immunosuppressant;
 * - suspected: any of the above, a systemic vasculitis diagnosis, or a positive ANCA.
 */
export interface VasculitisFacts {
  readonly suspected: boolean;
  readonly neuropathySuspected: boolean;
  readonly neuropathyProven: boolean;
  readonly severe: boolean;
  readonly treated: boolean;
  readonly evidence: readonly Evidence[];
}

export type BiopsyStatus = 'vasculitis' | 'noVasculitis' | 'pending' | 'none';

export interface LabFact {
  readonly concept: string;
  readonly label: string;
  readonly date: string;
  readonly ageDays: number;
  /** Look-back of this lab in days (site configuration); absent means "ever". */
  readonly lookbackDays?: number;
  readonly withinLookback: boolean;
  readonly value?: number | string | boolean;
  readonly unit?: string;
  readonly flag?: 'high' | 'low' | 'positive' | 'negative' | 'normal' | 'abnormal' | 'borderline';
  readonly evidence: Evidence;
}

export interface DailyDose {
  /** Computed daily dose in mg, when it can be computed. */
  readonly mgPerDay?: number;
  /** Why it cannot be computed; shown on cards instead of a guess. */
  readonly problem?: string;
  /** How it was computed, e.g. "20 mg x 2 per 1 d". */
  readonly basis?: string;
  /** How it is given, from dosageInstruction.route or the product's dose form (src/mapping/dose-route.ts). */
  readonly route?: Route;
  /** Where the route was read, e.g. 'route "Intravenous route"'. */
  readonly routeBasis?: string;
}

export interface DraftOrderFact {
  readonly reference: string;
  readonly resourceType: string;
  readonly id: string;
  readonly display: string;
  /** order-select: newly selected (context.selections). */
  readonly selected: boolean;
  /** Orders the rules check: the selections on order-select, every draft on order-sign. */
  readonly checked: boolean;
  readonly concepts: readonly string[];
  /** Concepts of the order's reason (e.g. `reason-small-fiber`). */
  readonly reasons: readonly string[];
  /** The records the order's reasonReference points to (`Condition/abc`). */
  readonly reasonReferences: readonly string[];
  /** The order states a reason (reasonCode or reasonReference), recognised or not. */
  readonly hasReason: boolean;
  readonly dose?: DailyDose;
  readonly evidence: Evidence;
}

export interface DecisionModel {
  readonly patientId: string;
  readonly today: string;
  readonly hook: string;
  readonly ctd: readonly CtdFact[];
  /** Positive ANA or CTD-specific antibody, filled only when no CTD is recorded. */
  readonly autoimmuneSerologyPositive: readonly { concept: string; label: string; evidence: Evidence }[];
  readonly neuropathy: NeuropathyFacts;
  readonly handSymptoms: readonly Evidence[];
  readonly biopsy: { readonly status: BiopsyStatus; readonly evidence: readonly Evidence[] };
  readonly vasculitis: VasculitisFacts;
  readonly myelopathy: readonly { status: FactStatus; evidence: Evidence }[];
  readonly riskFactors: readonly { factor: string; label: string; source: 'diagnosis' | 'lab'; evidence: Evidence }[];
  readonly meds: readonly {
    concept: string;
    label: string;
    glucocorticoid: boolean;
    immunosuppressant: boolean;
    /** Why it was given, when recorded: concepts of reasonCode, records of reasonReference, either present. */
    reasons: readonly string[];
    reasonReferences: readonly string[];
    hasReason: boolean;
    evidence: Evidence;
  }[];
  readonly labs: readonly LabFact[];
  readonly procedures: readonly {
    concept: string;
    label: string;
    date?: string;
    ageDays?: number;
    evidence: Evidence;
  }[];
  /** Existing active / on-hold / draft ServiceRequests (so nothing already ordered is suggested again). */
  readonly orders: readonly { concept: string; label: string; status: string; evidence: Evidence }[];
  readonly weight?: { readonly kg: number; readonly date?: string; readonly evidence: Evidence };
  readonly systemicSymptoms: readonly { concept: string; label: string; evidence: Evidence }[];
  /** Accepted plasma-exchange indications on record other than GBS / CIDP (TTP, myasthenia, anti-GBM, hyperviscosity). */
  readonly plasmaExchangeIndications: readonly { concept: string; label: string; evidence: Evidence }[];
  readonly draftOrders: readonly DraftOrderFact[];
  /** Optional prefetch keys whose data could not be obtained. */
  readonly unavailable: readonly string[];
  /**
   * Completeness: per field, the data that could not be read and feeds it (directly, or through a field it is
   * derived from). Absent fields are complete. A rule reading an incomplete field says so on its card.
   */
  readonly incomplete: Readonly<Record<string, readonly string[]>>;
}
