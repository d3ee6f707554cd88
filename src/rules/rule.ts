import type { HookName, Indicator } from '../cds-hooks/types.js';
import type { CompiledExpression } from '../mapping/jsonata-runtime.js';
import type { Evidence } from '../mapping/decision-model.js';
import type { Requirement } from './rule-requires.js';

/**
 * What a rule condition (cards/<rule-id>.jsonata) returns when the rule fires. Anything else (undefined, false,
 * an empty object) means "does not fire".
 */
export interface Finding {
  readonly indicator?: Indicator;
  /** The patient data that triggered the rule; every card lists it. */
  readonly evidence: readonly Evidence[];
  /** Values for the `{{name}}` placeholders of the card template. */
  readonly values?: Readonly<Record<string, string | number | readonly (string | number)[]>>;
  readonly suggest?: readonly SuggestionRequest[];
  /** Extra lines of plain text (already-done tests, dose working...), shown after the guidance, escaped. */
  readonly notes?: readonly string[];
}

/** Suggestions a rule asks for; the renderer turns them into CDS Hooks suggestions with FHIR resources. */
export type SuggestionRequest =
  | { readonly use: 'order'; readonly orderable: string; readonly recommended?: boolean }
  | { readonly use: 'delete'; readonly reference: string; readonly display: string; readonly recommended?: boolean }
  | {
      readonly use: 'replace';
      readonly reference: string;
      readonly display: string;
      /** Each option is one suggestion: delete the draft, create every orderable of the option. */
      readonly options: readonly (readonly string[])[];
      readonly recommended?: boolean;
    };

export interface OverrideReasonTemplate {
  readonly code: string;
  readonly display: string;
}

/** cards/<rule-id>.json: the card a rule produces (spec "Card Attributes" + guidance and its source). */
export interface CardTemplate {
  readonly id: string;
  readonly title: string;
  readonly hooks: readonly HookName[];
  /** Decision-model fields the condition reads; when one is incomplete, the card says which data was not read. */
  readonly facts: readonly string[];
  /** What the rule cannot fire without (rule-requires.ts); the condition is skipped when one is unmet. */
  readonly requires?: readonly string[];
  readonly indicator: Indicator;
  /** Indicators the condition may raise the card to (e.g. warning -> critical when severe). */
  readonly escalatesTo?: readonly Indicator[];
  readonly summary: string;
  /** When the rule fires, in words for a CDS committee (the rule book); the condition is the authority. */
  readonly trigger: string;
  /** The clinical guidance the card shows, GitHub-flavoured Markdown; general, also on the guidance page. */
  readonly guidance: string;
  /** Further guidance shown only on the guidance page behind the card's link (the card stays short). */
  readonly more?: string;
  /** What applies to this patient, with `{{name}}` placeholders filled from the finding's values (card only). */
  readonly patientNote?: string;
  readonly source: {
    readonly label: string;
    /** Where in the seed documents the guidance comes from, e.g. "The overview's reference 7"; the rule file names the seed document. */
    readonly citation: string;
    /** Further sources cited beside the seed's, each a complete reference (e.g. a guideline with its DOI). */
    readonly also?: readonly string[];
  };
  readonly selectionBehavior?: 'any' | 'at-most-one';
  readonly overrideReasons?: readonly OverrideReasonTemplate[];
  /**
   * The card's follow-up is a workup or a treatment decision: it links the SMART app (type `smart`), which opens
   * on that part of the picture (docs/smart-app.md).
   */
  readonly smartApp?: SmartAppTopic;
}

export type SmartAppTopic = 'workup' | 'treatment';

export interface Rule {
  readonly id: string;
  readonly template: CardTemplate;
  readonly condition: CompiledExpression;
  /** The condition's JSONata text (cards/<id>.jsonata), for the rule book. */
  readonly conditionSource: string;
  /** `requires` of the card file, parsed. */
  readonly requires: readonly Requirement[];
}
