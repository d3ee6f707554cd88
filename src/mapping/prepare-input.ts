import type { CodeableConcept, FhirResource } from 'fhir/r4';
import type { ResourceBundle } from '../fhir/bundle.js';
import type { CodeIndex, CodeMatch } from '../terminology/code-index.js';
import type { DailyDose } from './decision-model.js';
import { asArray, calendarDate, concepts, field, isObject, isValidRecord, recordDate, text } from './fhir-fields.js';

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
  readonly resource: FhirResource;
  /** Value sets matched anywhere on the record (deduplicated). */
  readonly sets: readonly string[];
  readonly matches: readonly ItemMatch[];
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
  /** Records that matched a concept (lab Observations are in `labs` instead). */
  readonly items: readonly MappingItem[];
  /** The latest valid Observation per lab value set (`lab-*`). */
  readonly labs: Readonly<Record<string, MappingItem>>;
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

/**
 * The fast pre-pass (plain JS, linear in the number of resources): index every coding against the value sets,
 * drop invalid and irrelevant records, keep only the latest result per lab concept. JSONata then sees a few
 * dozen records however large the prefetch was (research/performance.md: JSONata costs ~20 us per resource).
 */
export function prepareInput(
  resources: Iterable<FhirResource>,
  index: CodeIndex,
  options: PrepareOptions
): MappingInput {
  const medications = new Map<string, FhirResource>();
  const all: FhirResource[] = [];
  for (const resource of resources) {
    all.push(resource);
    if (resource.resourceType === 'Medication' && resource.id !== undefined) {
      medications.set(`Medication/${resource.id}`, resource);
    }
  }
  const draftResources = asArray(options.draftOrders?.entry)
    .filter(isObject)
    .map((entry) => entry['resource'])
    .filter((r): r is FhirResource => isObject(r) && typeof r['resourceType'] === 'string');
  for (const resource of draftResources) {
    if (resource.resourceType === 'Medication' && resource.id !== undefined) {
      medications.set(`Medication/${resource.id}`, resource);
    }
  }

  const seen = new Set<string>();
  const items: MappingItem[] = [];
  const labs: Record<string, MappingItem> = {};
  let unnamed = 0;
  for (const resource of all) {
    if (resource.resourceType === 'Medication' || !isValidRecord(resource)) {
      continue;
    }
    const ref = `${resource.resourceType}/${resource.id ?? `unidentified-${String(++unnamed)}`}`;
    if (seen.has(ref)) {
      continue;
    }
    seen.add(ref);
    const item = toItem(resource, ref, index, medications);
    if (item === undefined) {
      continue;
    }
    const labSets = item.sets.filter((s) => s.startsWith(LAB));
    if (resource.resourceType === 'Observation' && labSets.length > 0) {
      for (const set of labSets) {
        const current = labs[set];
        if (current === undefined || compareDates(item, current) > 0) {
          labs[set] = item;
        }
      }
      if (labSets.length === item.sets.length) {
        continue;
      }
    }
    items.push(item);
  }

  const weightKg = weightOf(labs[WEIGHT_SET]);
  const selections = new Set(options.selections ?? []);
  const drafts: DraftItem[] = [];
  draftResources.forEach((resource, i) => {
    if (resource.resourceType === 'Medication') {
      return;
    }
    const ref = `${resource.resourceType}/${resource.id ?? `draft-${String(i + 1)}`}`;
    const base = toItem(resource, ref, index, medications) ?? emptyItem(resource, ref);
    const selected = selections.has(ref);
    const checked = options.hook === 'order-select' ? selected : true;
    const dose =
      resource.resourceType === 'MedicationRequest' && options.doseOf !== undefined
        ? options.doseOf(resource, medicationName(resource, medications), weightKg)
        : undefined;
    drafts.push({ ...base, selected, checked, ...(dose === undefined ? {} : { dose }) });
  });

  return {
    today: options.today,
    patientId: options.patientId,
    hook: options.hook,
    items,
    labs,
    drafts,
    unavailable: options.unavailable ?? [],
  };
}

function emptyItem(resource: FhirResource, ref: string): MappingItem {
  const date = calendarDate(recordDate(resource));
  return {
    ref,
    resourceType: resource.resourceType,
    id: resource.id ?? '',
    ...(date === undefined ? {} : { date }),
    resource,
    sets: [],
    matches: [],
  };
}

function toItem(
  resource: FhirResource,
  ref: string,
  index: CodeIndex,
  medications: ReadonlyMap<string, FhirResource>
): MappingItem | undefined {
  const matches: ItemMatch[] = [];
  for (const element of codedElements(resource, medications)) {
    const found: ItemMatch[] = [];
    for (const concept of element.concepts) {
      for (const coding of asArray(concept.coding)) {
        if (!isObject(coding)) {
          continue;
        }
        const { system, code, display } = coding as { system?: unknown; code?: unknown; display?: unknown };
        if (typeof system !== 'string' || typeof code !== 'string') {
          continue;
        }
        for (const match of index.matchCoding(system, code, typeof display === 'string' ? display : undefined)) {
          found.push({ ...match, path: element.path });
        }
      }
    }
    // Free text is the last resort, for medications and orders only, when no code of the element was recognised.
    if (found.length === 0 && element.textFallback) {
      for (const text of element.texts) {
        for (const match of index.matchText(text)) {
          if (!found.some((f) => f.set === match.set)) {
            found.push({ ...match, path: element.path });
          }
        }
      }
    }
    matches.push(...found);
  }
  if (matches.length === 0) {
    return undefined;
  }
  // Sorted, so that facts come out in the same order whatever the order of codings and prefix walks.
  const sets = [...new Set(matches.map((m) => m.set))].sort();
  const date = calendarDate(recordDate(resource));
  return {
    ref,
    resourceType: resource.resourceType,
    id: resource.id ?? '',
    ...(date === undefined ? {} : { date }),
    resource,
    sets,
    matches,
  };
}

interface CodedElement {
  readonly path: MatchPath;
  readonly concepts: readonly CodeableConcept[];
  readonly textFallback: boolean;
  readonly texts: readonly string[];
}

function element(
  path: MatchPath,
  value: unknown,
  textFallback = false,
  extraTexts: readonly string[] = []
): CodedElement {
  const list = concepts(value);
  const texts = textFallback ? [...list.flatMap(textsOf), ...extraTexts] : [];
  return { path, concepts: list, textFallback, texts };
}

function textsOf(concept: CodeableConcept): string[] {
  const texts = typeof concept.text === 'string' ? [concept.text] : [];
  for (const coding of asArray(concept.coding)) {
    if (isObject(coding) && typeof coding['display'] === 'string') {
      texts.push(coding['display']);
    }
  }
  return texts;
}

/** The coded elements that carry meaning, per resource type. */
function codedElements(resource: FhirResource, medications: ReadonlyMap<string, FhirResource>): CodedElement[] {
  switch (resource.resourceType) {
    case 'Condition':
      return [
        element('code', field(resource, 'code')),
        element('bodySite', field(resource, 'bodySite')),
        element('severity', field(resource, 'severity')),
      ];
    case 'Observation':
      return [
        element('code', field(resource, 'code')),
        element('value', field(resource, 'valueCodeableConcept')),
        element('bodySite', field(resource, 'bodySite')),
      ];
    case 'MedicationRequest':
    case 'MedicationStatement': {
      const reference = field(resource, 'medicationReference');
      const referenced = resolveMedication(resource, reference, medications);
      const referenceDisplay =
        isObject(reference) && typeof reference['display'] === 'string' ? [reference['display']] : [];
      const codeConcepts = [
        ...concepts(field(resource, 'medicationCodeableConcept')),
        ...(referenced === undefined ? [] : concepts(field(referenced, 'code'))),
      ];
      return [
        element('medication', codeConcepts, true, referenceDisplay),
        element('reason', field(resource, 'reasonCode'), true),
      ];
    }
    case 'ServiceRequest':
      return [
        element('code', field(resource, 'code'), true),
        element('reason', field(resource, 'reasonCode'), true),
        element('bodySite', field(resource, 'bodySite')),
      ];
    case 'Procedure':
      return [element('code', field(resource, 'code')), element('reason', field(resource, 'reasonCode'))];
    case 'DiagnosticReport':
      return [element('code', field(resource, 'code')), element('conclusion', field(resource, 'conclusionCode'))];
    default:
      return [];
  }
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
    return asArray(field(resource, 'contained'))
      .filter(isObject)
      .find((c) => c['resourceType'] === 'Medication' && `#${String(c['id'])}` === target) as FhirResource | undefined;
  }
  const match = /(?:^|\/)(Medication\/[^/]+)$/.exec(target);
  return match?.[1] === undefined ? undefined : medications.get(match[1]);
}

/** The medication's name as prescribed (for strength parsing), from the code text or first display. */
function medicationName(resource: FhirResource, medications: ReadonlyMap<string, FhirResource>): string | undefined {
  const referenced = resolveMedication(resource, field(resource, 'medicationReference'), medications);
  const list = [
    ...concepts(field(resource, 'medicationCodeableConcept')),
    ...(referenced ? concepts(field(referenced, 'code')) : []),
  ];
  for (const concept of list) {
    const texts = textsOf(concept);
    if (texts[0] !== undefined) {
      return texts[0];
    }
  }
  const reference = field(resource, 'medicationReference');
  return isObject(reference) && typeof reference['display'] === 'string' ? reference['display'] : undefined;
}

function compareDates(a: MappingItem, b: MappingItem): number {
  const da = recordDate(a.resource) ?? '';
  const db = recordDate(b.resource) ?? '';
  return da < db ? -1 : da > db ? 1 : 0;
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
