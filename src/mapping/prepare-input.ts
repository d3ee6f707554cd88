import type { FhirResource } from 'fhir/r4';
import type { ResourceBundle } from '../fhir/bundle.js';
import type { CodeIndex, CodeMatch } from '../terminology/code-index.js';
import type { DailyDose } from './decision-model.js';
import {
  asArray,
  calendarDate,
  codesOf,
  epochDay,
  field,
  isObject,
  isValidRecord,
  recordDate,
  text,
} from './fhir-fields.js';

/** Where on the resource a code matched; the mappings read meaning from it (a bodySite is not a diagnosis). */
export type MatchPath = 'code' | 'value' | 'bodySite' | 'severity' | 'medication' | 'reason' | 'conclusion';

export interface ItemMatch extends CodeMatch {
  readonly path: MatchPath;
}

/** One FHIR record with the concepts its codes belong to: the unit the JSONata mappings work on. */
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
  /** For lab results: the measurement as numbers and text (arithmetic only; its meaning is the mappings' job). */
  readonly result?: LabResult;
}

/** A lab result's value, and where a numeric value lies against the first reference range. */
export interface LabResult {
  readonly value?: number | string | boolean;
  readonly unit?: string;
  readonly text?: string;
  readonly range?: 'above' | 'below' | 'within';
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

/** The input of every mapping expression: small, already indexed, relevant records only. */
export interface MappingInput {
  readonly today: string;
  readonly patientId: string;
  readonly hook: string;
  /** Records that matched a concept, collapsed (lab Observations are in `labs` instead). */
  readonly items: readonly MappingItem[];
  /** The same records grouped by the decision-model fact of their value sets (a record can be in several). */
  readonly byFact: Readonly<Record<string, readonly MappingItem[]>>;
  /** The latest valid Observation per lab value set (`lab-*`), keyed by that value set. */
  readonly labs: Readonly<Record<string, LabItem>>;
  readonly drafts: readonly DraftItem[];
  readonly unavailable: readonly string[];
}

export interface PrepareOptions {
  readonly today: string;
  readonly patientId: string;
  readonly hook: string;
  readonly unavailable?: readonly string[];
  /** Draft orders of order-select / order-sign. */
  readonly draftOrders?: ResourceBundle;
  readonly selections?: readonly string[];
  /** Daily dose calculator for medication drafts (needs the latest weight, known only after indexing). */
  readonly doseOf?: (
    draft: FhirResource,
    medicationName: string | undefined,
    weightKg: number | undefined
  ) => DailyDose;
}

const LAB = 'lab-';
const WEIGHT_SET = 'lab-body-weight';

/** The coded elements that carry meaning, per resource type: [element, path, free-text fallback]. */
const ELEMENTS: Readonly<Record<string, readonly (readonly [string, MatchPath, boolean])[]>> = {
  Condition: [
    ['code', 'code', false],
    ['bodySite', 'bodySite', false],
    ['severity', 'severity', false],
  ],
  Observation: [
    ['code', 'code', false],
    ['valueCodeableConcept', 'value', false],
    ['bodySite', 'bodySite', false],
  ],
  // Free text is the last resort, for medications and orders only, when no code of the element is recognised.
  MedicationRequest: [['reasonCode', 'reason', true]],
  MedicationStatement: [['reasonCode', 'reason', true]],
  ServiceRequest: [
    ['code', 'code', true],
    ['reasonCode', 'reason', true],
    ['bodySite', 'bodySite', false],
  ],
  Procedure: [
    ['code', 'code', false],
    ['reasonCode', 'reason', false],
  ],
  DiagnosticReport: [
    ['code', 'code', false],
    ['conclusionCode', 'conclusion', false],
  ],
};

/**
 * The fast pre-pass (plain JS, linear in the number of resources): index every coding against the value sets,
 * drop invalid and irrelevant records, keep the latest result per lab concept, collapse repeated records, and group
 * what is left by fact. JSONata then sees a few records per mapping however large the prefetch was
 * (measured when JSONata was chosen: it costs ~20 us per resource per expression).
 */
export function prepareInput(
  resources: Iterable<FhirResource>,
  index: CodeIndex,
  options: PrepareOptions
): MappingInput {
  const all: FhirResource[] = [];
  const medications = new Map<string, FhirResource>();
  for (const resource of resources) {
    if (resource.resourceType === 'Medication') {
      medications.set(`Medication/${resource.id ?? ''}`, resource);
    } else {
      all.push(resource);
    }
  }
  const draftResources: FhirResource[] = [];
  for (const entry of options.draftOrders?.entry ?? []) {
    const resource: unknown = isObject(entry) ? entry.resource : undefined;
    if (!isObject(resource) || typeof resource['resourceType'] !== 'string') {
      continue;
    }
    if (resource['resourceType'] === 'Medication') {
      medications.set(`Medication/${text(resource['id'])}`, resource as unknown as FhirResource);
    } else {
      draftResources.push(resource as unknown as FhirResource);
    }
  }

  const todayDay = epochDay(options.today);
  const seen = new Set<string>();
  const collapsed = new Map<string, { item: MappingItem; sortDate: string; records: number }>();
  const latestLab: Record<string, MappingItem> = {};
  const labDates: Record<string, string> = {};
  let unnamed = 0;
  for (const resource of all) {
    const matches = matchesOf(resource, index, medications);
    if (matches.length === 0 || !isValidRecord(resource)) {
      continue;
    }
    const ref = `${resource.resourceType}/${resource.id ?? `unidentified-${String(++unnamed)}`}`;
    if (seen.has(ref)) {
      continue;
    }
    seen.add(ref);
    const sortDate = recordDate(resource) ?? '';
    const item = toItem(resource, ref, matches, sortDate, todayDay);
    if (resource.resourceType === 'Observation') {
      let labOnly = true;
      for (const set of item.sets) {
        if (!set.startsWith(LAB)) {
          labOnly = false;
        } else if (latestLab[set] === undefined || sortDate > (labDates[set] ?? '')) {
          latestLab[set] = item;
          labDates[set] = sortDate;
        }
      }
      if (labOnly) {
        continue;
      }
    }
    const key = identity(resource, matches);
    const existing = collapsed.get(key);
    if (existing === undefined) {
      collapsed.set(key, { item, sortDate, records: 1 });
    } else {
      const latest = sortDate > existing.sortDate;
      collapsed.set(key, {
        item: latest ? item : existing.item,
        sortDate: latest ? sortDate : existing.sortDate,
        records: existing.records + 1,
      });
    }
  }

  const items: MappingItem[] = [];
  const byFact: Record<string, MappingItem[]> = {};
  for (const { item, records } of collapsed.values()) {
    const counted = records === 1 ? item : { ...item, records };
    items.push(counted);
    for (const fact of new Set(counted.sets.map((set) => index.sets.get(set)?.fact ?? ''))) {
      (byFact[fact] ??= []).push(counted);
    }
  }

  const labs: Record<string, LabItem> = {};
  for (const [set, item] of Object.entries(latestLab)) {
    labs[set] = { ...item, concept: set, result: labResult(item.resource) };
  }
  const weightKg = weightOf(labs[WEIGHT_SET]);
  const selections = new Set(options.selections ?? []);
  const drafts: DraftItem[] = draftResources.map((resource, i) => {
    const ref = `${resource.resourceType}/${resource.id ?? `draft-${String(i + 1)}`}`;
    const base = toItem(resource, ref, matchesOf(resource, index, medications), recordDate(resource) ?? '', todayDay);
    const selected = selections.has(ref);
    const dose =
      resource.resourceType === 'MedicationRequest' && options.doseOf !== undefined
        ? options.doseOf(resource, medicationName(resource, medications), weightKg)
        : undefined;
    return {
      ...base,
      selected,
      checked: options.hook === 'order-select' ? selected : true,
      ...(dose === undefined ? {} : { dose }),
    };
  });

  return {
    today: options.today,
    patientId: options.patientId,
    hook: options.hook,
    items,
    byFact,
    labs,
    drafts,
    unavailable: options.unavailable ?? [],
  };
}

function toItem(
  resource: FhirResource,
  ref: string,
  matches: readonly ItemMatch[],
  sortDate: string,
  todayDay: number | undefined
): MappingItem {
  const date = calendarDate(sortDate === '' ? undefined : sortDate);
  const day = epochDay(date);
  const ageDays = day === undefined || todayDay === undefined ? undefined : todayDay - day;
  return {
    ref,
    resourceType: resource.resourceType,
    id: resource.id ?? '',
    ...(date === undefined ? {} : { date }),
    ...(ageDays === undefined ? {} : { ageDays }),
    resource,
    // Sorted, so that facts come out in the same order whatever the order of codings and prefix walks.
    sets: [...new Set(matches.map((m) => m.set))].sort(),
    matches,
    records: 1,
  };
}

/** Everything about a record that the mappings read, except its id and date: equal keys mean equal facts. */
function identity(resource: FhirResource, matches: readonly ItemMatch[]): string {
  return [
    resource.resourceType,
    text(field(resource, 'status')),
    codesOf(field(resource, 'clinicalStatus')).join(','),
    codesOf(field(resource, 'verificationStatus')).join(','),
    codesOf(field(resource, 'interpretation')).join(','),
    String(field(resource, 'valueBoolean')),
    matches.map((m) => `${m.set}:${m.path}:${m.code}:${m.by === 'text' ? m.display : ''}`).join(','),
  ].join('|');
}

const NO_MATCHES: readonly ItemMatch[] = [];

function matchesOf(
  resource: FhirResource,
  index: CodeIndex,
  medications: ReadonlyMap<string, FhirResource>
): readonly ItemMatch[] {
  const elements = ELEMENTS[resource.resourceType];
  if (elements === undefined) {
    return NO_MATCHES;
  }
  const out: ItemMatch[] = [];
  if (resource.resourceType === 'MedicationRequest' || resource.resourceType === 'MedicationStatement') {
    const reference = field(resource, 'medicationReference');
    const referenced = resolveMedication(resource, reference, medications);
    const start = out.length;
    collectCodings(field(resource, 'medicationCodeableConcept'), 'medication', index, out);
    if (referenced !== undefined) {
      collectCodings(field(referenced, 'code'), 'medication', index, out);
    }
    if (out.length === start) {
      const texts = [
        ...textsOf(field(resource, 'medicationCodeableConcept')),
        ...(referenced === undefined ? [] : textsOf(field(referenced, 'code'))),
      ];
      if (isObject(reference) && typeof reference['display'] === 'string') {
        texts.push(reference['display']);
      }
      collectTexts(texts, 'medication', index, out);
    }
  }
  for (const [name, path, textFallback] of elements) {
    const value = field(resource, name);
    if (value === undefined) {
      continue;
    }
    const start = out.length;
    collectCodings(value, path, index, out);
    if (textFallback && out.length === start) {
      collectTexts(textsOf(value), path, index, out);
    }
  }
  return out.length === 0 ? NO_MATCHES : out;
}

/** Matches of one CodeableConcept, or of an array of them (R4 arrays; some clients send a single object). */
function collectCodings(value: unknown, path: MatchPath, index: CodeIndex, out: ItemMatch[]): void {
  if (Array.isArray(value)) {
    for (const concept of value) {
      collectCodings(concept, path, index, out);
    }
    return;
  }
  if (!isObject(value) || !Array.isArray(value['coding'])) {
    return;
  }
  for (const coding of value['coding'] as unknown[]) {
    if (!isObject(coding) || typeof coding['system'] !== 'string' || typeof coding['code'] !== 'string') {
      continue;
    }
    const display = typeof coding['display'] === 'string' ? coding['display'] : undefined;
    const found = index.matchCoding(coding['system'], coding['code'], display);
    for (let i = 0; i < found.length; i += 1) {
      out.push({ ...(found[i] as CodeMatch), path });
    }
  }
}

function collectTexts(texts: readonly string[], path: MatchPath, index: CodeIndex, out: ItemMatch[]): void {
  for (const value of texts) {
    for (const match of index.matchText(value)) {
      if (!out.some((m) => m.set === match.set && m.path === path)) {
        out.push({ ...match, path });
      }
    }
  }
}

/** CodeableConcept.text and coding displays, of one concept or an array of them. */
function textsOf(value: unknown): string[] {
  const texts: string[] = [];
  for (const concept of Array.isArray(value) ? value : [value]) {
    if (!isObject(concept)) {
      continue;
    }
    if (typeof concept['text'] === 'string') {
      texts.push(concept['text']);
    }
    for (const coding of Array.isArray(concept['coding']) ? (concept['coding'] as unknown[]) : []) {
      if (isObject(coding) && typeof coding['display'] === 'string') {
        texts.push(coding['display']);
      }
    }
  }
  return texts;
}

function resolveMedication(
  resource: FhirResource,
  reference: unknown,
  medications: ReadonlyMap<string, FhirResource>
): FhirResource | undefined {
  const target = isObject(reference) && typeof reference['reference'] === 'string' ? reference['reference'] : undefined;
  if (target === undefined) {
    return undefined;
  }
  if (target.startsWith('#')) {
    const contained = field(resource, 'contained');
    return (Array.isArray(contained) ? (contained as unknown[]) : []).find(
      (c): c is FhirResource => isObject(c) && c['resourceType'] === 'Medication' && `#${text(c['id'])}` === target
    );
  }
  const match = /(?:^|\/)(Medication\/[^/]+)$/.exec(target);
  return match?.[1] === undefined ? undefined : medications.get(match[1]);
}

/** The medication's name as prescribed (for strength parsing): code text, first display, or reference display. */
function medicationName(resource: FhirResource, medications: ReadonlyMap<string, FhirResource>): string | undefined {
  const reference = field(resource, 'medicationReference');
  const referenced = resolveMedication(resource, reference, medications);
  const texts = [
    ...textsOf(field(resource, 'medicationCodeableConcept')),
    ...(referenced === undefined ? [] : textsOf(field(referenced, 'code'))),
  ];
  if (texts[0] !== undefined) {
    return texts[0];
  }
  return isObject(reference) && typeof reference['display'] === 'string' ? reference['display'] : undefined;
}

/** A lab result's value (quantity, string, coded or boolean) and its position against the reference range. */
function labResult(resource: FhirResource): LabResult {
  const quantity = field(resource, 'valueQuantity');
  if (isObject(quantity) && typeof quantity['value'] === 'number') {
    const value = quantity['value'];
    const unit = text(quantity['unit']) || text(quantity['code']);
    const range = asArray(field(resource, 'referenceRange'))[0];
    const bound = (name: string): number | undefined => {
      const limit = isObject(range) ? range[name] : undefined;
      return isObject(limit) && typeof limit['value'] === 'number' ? limit['value'] : undefined;
    };
    const high = bound('high');
    const low = bound('low');
    const position =
      high !== undefined && value > high
        ? 'above'
        : low !== undefined && value < low
          ? 'below'
          : high !== undefined || low !== undefined
            ? 'within'
            : undefined;
    return {
      value,
      ...(unit === '' ? {} : { unit }),
      text: unit === '' ? String(value) : `${String(value)} ${unit}`,
      ...(position === undefined ? {} : { range: position }),
    };
  }
  const string = field(resource, 'valueString');
  if (typeof string === 'string') {
    return { value: string, text: string };
  }
  const concept = field(resource, 'valueCodeableConcept');
  const conceptText = textsOf(concept)[0];
  if (conceptText !== undefined) {
    return { value: conceptText, text: conceptText };
  }
  const bool = field(resource, 'valueBoolean');
  return typeof bool === 'boolean' ? { value: bool, text: bool ? 'Positive' : 'Negative' } : {};
}

const POUND_KG = 0.45359237;

/** Body weight in kg from a weight Observation (UCUM kg, g or [lb_av]); undefined when not convertible. */
export function weightOf(item: MappingItem | undefined): number | undefined {
  const quantity = item === undefined ? undefined : field(item.resource, 'valueQuantity');
  if (!isObject(quantity) || typeof quantity['value'] !== 'number') {
    return undefined;
  }
  const unit = (text(quantity['code']) || text(quantity['unit'])).toLowerCase();
  const value = quantity['value'];
  if (unit === 'kg') {
    return value;
  }
  if (unit === 'g') {
    return value / 1000;
  }
  if (unit === '[lb_av]' || unit === 'lb' || unit === 'lbs') {
    return Math.round(value * POUND_KG * 10) / 10;
  }
  return undefined;
}
