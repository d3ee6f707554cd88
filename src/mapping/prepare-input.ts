import type { FhirResource } from 'fhir/r4';
import type { ResourceBundle } from '../fhir/bundle.js';
import type { CodeIndex } from '../terminology/code-index.js';
import { matchesOf, medicationTexts } from './coding-matches.js';
import type { DailyDose } from './decision-model.js';
import { calendarDate, codesOf, epochDay, field, isObject, isValidRecord, recordDate, text } from './fhir-fields.js';
import type {
  DraftItem,
  ItemMatch,
  LabItem,
  MappingInput,
  MappingItem,
  ResultValue,
  UnavailableData,
} from './mapping-item.js';
import { indexMedications } from './medication-reference.js';
import type { DataShapes } from './data-shapes.js';
import { routeOf } from './dose-route.js';
import { isDone, readResult } from './result-value.js';

export interface PrepareOptions {
  readonly today: string;
  readonly patientId: string;
  readonly hook: string;
  readonly shapes: DataShapes;
  readonly unavailable?: readonly UnavailableData[];
  /** Draft orders of order-select / order-sign. */
  readonly draftOrders?: ResourceBundle;
  readonly selections?: readonly string[];
  /** Daily dose calculator for medication drafts (needs the latest weight, known only after indexing). */
  readonly doseOf?: (
    draft: FhirResource,
    medicationNames: readonly string[],
    weightKg: number | undefined
  ) => DailyDose;
}

const LAB = 'lab-';
const WEIGHT_SET = 'lab-body-weight';

/**
 * The fast pre-pass (plain JS, linear in the number of resources): index every coding against the value sets,
 * drop invalid and irrelevant records, read every result once (result-value.ts), keep the latest completed result
 * per lab concept, collapse repeated records, and group what is left by fact. JSONata then sees a few records per
 * mapping however large the prefetch was (measured when JSONata was chosen: it costs ~20 us per resource per
 * expression).
 */
export function prepareInput(
  resources: Iterable<FhirResource>,
  index: CodeIndex,
  options: PrepareOptions
): MappingInput {
  const all: FhirResource[] = [];
  for (const resource of resources) {
    all.push(resource);
  }
  const medications = indexMedications(all);
  const draftResources: FhirResource[] = [];
  for (const entry of options.draftOrders?.entry ?? []) {
    const resource: unknown = isObject(entry) ? entry.resource : undefined;
    if (isObject(resource) && typeof resource['resourceType'] === 'string') {
      draftResources.push(resource as unknown as FhirResource);
    }
  }
  indexMedications(draftResources, medications);

  const todayDay = epochDay(options.today);
  const seen = new Set<string>();
  const collapsed = new Map<string, { item: MappingItem; sortDate: string; records: number }>();
  const latestLab: Record<string, { item: MappingItem; sortDate: string }> = {};
  let unnamed = 0;
  for (const resource of all) {
    if (resource.resourceType === 'Medication') {
      continue;
    }
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
    let item = toItem(resource, ref, matches, sortDate, todayDay);
    if (resource.resourceType === 'Observation') {
      // Lab results are read only when they are the latest completed one of their concept (below): EHRs send
      // many repeats, and most are never looked at.
      const done = isDone(resource);
      let labOnly = true;
      for (const set of item.sets) {
        if (!set.startsWith(LAB)) {
          labOnly = false;
        } else if (done) {
          const latest = latestLab[set];
          if (latest === undefined || sortDate > latest.sortDate) {
            latestLab[set] = { item, sortDate };
          }
        }
      }
      if (labOnly) {
        continue;
      }
      item = { ...item, result: readResult(resource, options.shapes.results) };
    } else if (resource.resourceType === 'Condition' && isAbated(resource, todayDay)) {
      item = { ...item, abated: true };
    }
    const key = identity(item);
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
  for (const [set, { item }] of Object.entries(latestLab)) {
    // Read again against this concept's measure: its unit, molecular weight and thresholds.
    const measure = options.shapes.results.measureOf(set, codingKeys(item.matches));
    labs[set] = { ...item, concept: set, result: readResult(item.resource, options.shapes.results, measure) };
  }
  const weightKg = weightOf(labs[WEIGHT_SET]);
  const selections = new Set(options.selections ?? []);
  const drafts: DraftItem[] = draftResources
    .filter((resource) => resource.resourceType !== 'Medication')
    .map((resource, i) => {
      const ref = `${resource.resourceType}/${resource.id ?? `draft-${String(i + 1)}`}`;
      const base = toItem(resource, ref, matchesOf(resource, index, medications), recordDate(resource) ?? '', todayDay);
      const selected = selections.has(ref);
      const names = medicationTexts(resource, medications);
      const route =
        resource.resourceType === 'MedicationRequest' ? routeOf(resource, names, options.shapes.routes) : undefined;
      const dose =
        resource.resourceType === 'MedicationRequest' && options.doseOf !== undefined
          ? {
              ...options.doseOf(resource, names, weightKg),
              ...(route === undefined ? {} : { route: route.route, routeBasis: route.basis }),
            }
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

/**
 * FHIR R4 Condition.abatement[x]: a date or period start on or before today, or an age, range or string (which
 * say it abated without a date), means the condition is not active. STU3's abatementBoolean true says the same.
 */
function isAbated(resource: FhirResource, todayDay: number | undefined): boolean {
  const date = text(field(resource, 'abatementDateTime')) || periodStart(field(resource, 'abatementPeriod'));
  if (date !== '') {
    const day = epochDay(calendarDate(date));
    return day !== undefined && todayDay !== undefined && day <= todayDay;
  }
  return (
    field(resource, 'abatementBoolean') === true ||
    ['abatementAge', 'abatementRange', 'abatementString'].some((name) => field(resource, name) !== undefined)
  );
}

function periodStart(value: unknown): string {
  return isObject(value) ? text(value['start']) || text(value['end']) : '';
}

/** Everything about a record that the mappings read, except its id and date: equal keys mean equal facts. */
function identity(item: MappingItem): string {
  const { resource, matches, result } = item;
  return [
    resource.resourceType,
    text(field(resource, 'status')),
    codesOf(field(resource, 'clinicalStatus')).join(','),
    codesOf(field(resource, 'verificationStatus')).join(','),
    item.abated === true ? 'abated' : '',
    resultKey(result),
    field(resource, 'dataAbsentReason') === undefined ? '' : 'absent',
    matches.map((m) => `${m.set}:${m.path}:${m.code}:${m.by === 'text' ? m.display : ''}`).join(','),
  ].join('|');
}

function resultKey(result: ResultValue | undefined): string {
  return result === undefined ? '' : `${result.flag}:${String(result.done)}`;
}

function codingKeys(matches: readonly ItemMatch[]): string[] {
  return matches.filter((m) => m.path === 'code').map((m) => `${m.system}|${m.code}`);
}

/** Body weight in kg of the latest weight result (converted by the pre-pass), to one decimal. */
export function weightOf(item: MappingItem | undefined): number | undefined {
  const result = item?.result;
  return result?.unit === 'kg' && typeof result.value === 'number' ? Math.round(result.value * 10) / 10 : undefined;
}
