/**
 * CDS Hooks types, named and shaped as in the specification (the 3.0 ballot text, https://build.fhir.org/ig/HL7/cds-hooks/,
 * a superset of 2.0, https://cds-hooks.hl7.org/2.0/). Each has a JSON Schema twin in ./schemas; tests check the two agree on fixtures.
 */
import type { Bundle, FhirResource } from 'fhir/r4';

type ResourceBundle = Bundle<FhirResource>;

export type HookName = 'patient-view' | 'order-select' | 'order-sign';

/** Spec "Discovery > Response": one CDS Service entry. */
export interface CdsServiceDefinition {
  readonly hook: HookName;
  readonly title?: string;
  readonly description: string;
  readonly id: string;
  readonly prefetch?: Readonly<Record<string, string>>;
  readonly usageRequirements?: string;
  readonly version?: string;
  readonly hookVersion?: string;
}

export interface DiscoveryResponse {
  readonly services: readonly CdsServiceDefinition[];
}

/** Spec "FHIR Resource Access > Passing the Access Token to the CDS Service". */
export interface FhirAuthorization {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly scope: string;
  readonly subject: string;
  readonly patient?: string;
}

export interface PatientViewContext {
  readonly userId: string;
  readonly patientId: string;
  readonly encounterId?: string;
}

export interface OrderSignContext extends PatientViewContext {
  readonly draftOrders: ResourceBundle;
}

export interface OrderSelectContext extends OrderSignContext {
  readonly selections: readonly string[];
}

export type HookContext = PatientViewContext | OrderSignContext | OrderSelectContext;

/** A prefetch value: a resource (often a searchset Bundle) or `null` ("no data"), per spec "Prefetch Template". */
export type PrefetchValue = FhirResource | null;

/** Spec "Calling a CDS Service > HTTP Request". */
export interface CdsRequest {
  readonly hook: HookName;
  readonly hookInstance: string;
  readonly fhirServer?: string;
  readonly fhirAuthorization?: FhirAuthorization;
  readonly context: HookContext;
  readonly prefetch?: Readonly<Record<string, PrefetchValue>>;
  readonly extension?: Readonly<Record<string, unknown>>;
}

/** Spec "Data Types > Coding" (a trimmed FHIR Coding; display required for override reasons). */
export interface CdsCoding {
  readonly system: string;
  readonly code: string;
  readonly display?: string;
}

export type Indicator = 'info' | 'warning' | 'critical';

/** Spec "Card Attributes > Source". */
export interface CardSource {
  readonly label: string;
  readonly url?: string;
  readonly icon?: string;
  readonly topic?: CdsCoding;
}

/** Spec "Card Attributes > Action". */
export type Action =
  | { readonly type: 'create'; readonly description: string; readonly resource: FhirResource }
  | { readonly type: 'update'; readonly description: string; readonly resource: FhirResource }
  | { readonly type: 'delete'; readonly description: string; readonly resourceId: string };

/** Spec "Card Attributes > Suggestion". */
export interface Suggestion {
  readonly label: string;
  readonly uuid?: string;
  readonly isRecommended?: boolean;
  readonly actions?: readonly Action[];
}

/** Spec "Card Attributes > Link". */
export interface Link {
  readonly label: string;
  readonly url: string;
  readonly type: 'absolute' | 'smart';
  readonly appContext?: string;
  readonly autolaunchable?: boolean;
}

export type SelectionBehavior = 'at-most-one' | 'any';

/** Spec "Card Attributes". */
export interface Card {
  readonly uuid?: string;
  readonly summary: string;
  readonly detail?: string;
  readonly indicator: Indicator;
  readonly source: CardSource;
  readonly suggestions?: readonly Suggestion[];
  readonly selectionBehavior?: SelectionBehavior;
  readonly overrideReasons?: readonly CdsCoding[];
  readonly links?: readonly Link[];
}

/** Spec "CDS Service Response > HTTP Response". */
export interface CdsResponse {
  readonly cards: readonly Card[];
  readonly systemActions?: readonly Action[];
}

/** Spec "Feedback": one item. `overrideReasons` (plural) is Epic's variant, accepted and normalised. */
export interface FeedbackItem {
  readonly card: string;
  readonly outcome: 'accepted' | 'overridden';
  readonly acceptedSuggestions?: readonly { readonly id: string }[];
  readonly overrideReason?: OverrideReason;
  readonly overrideReasons?: OverrideReason | readonly OverrideReason[];
  readonly outcomeTimestamp: string;
  readonly extension?: Readonly<Record<string, unknown>>;
}

/** Spec "Feedback > OverrideReason". */
export interface OverrideReason {
  readonly reason?: CdsCoding;
  readonly userComment?: string;
}

export interface FeedbackRequest {
  readonly feedback: readonly FeedbackItem[];
}
