import type { FhirResource } from 'fhir/r4';
import { asArray, field, isObject, text, type Json } from './fhir-fields.js';
import type { ResultFlag, ResultValue } from './mapping-item.js';
import type { Measure, ResultKnowledge } from './result-knowledge.js';
import { rangeFlag } from './reference-range.js';
import { convertUnit, EQUATIONS, roundValue, ucumCode } from './units.js';

/**
 * What an Observation's result says, in one place: a normalised flag and whether it is a
 * completed result at all, from whatever shape the EHR sent (FHIR R4 Observation.value[x], interpretation,
 * referenceRange, dataAbsentReason). Precedence: interpretation, then a qualitative value (coded, written or
 * boolean), then the reference range (low/high, or its text such as "232-1245", "<5.7", ">200"), then the
 * measure's thresholds (mappings/results.json, site-configurable); otherwise 'unknown'.
 *
 * `done` is false for a result with a dataAbsentReason, or with neither a value nor an interpretation: such a test
 * was not completed, and rules that ask for it must still ask.
 */
export function readResult(resource: FhirResource, knowledge: ResultKnowledge, measure?: Measure): ResultValue {
  const absent = field(resource, 'dataAbsentReason') !== undefined;
  const interpretation = interpretationFlag(field(resource, 'interpretation'), knowledge);
  const value = readValue(resource, knowledge, measure);
  const done = isDone(resource);
  if (absent) {
    return { flag: 'unknown', done, ...(value === undefined ? {} : valueFields(value)) };
  }
  if (interpretation !== undefined) {
    return { flag: interpretation, done, basis: 'interpretation', ...(value === undefined ? {} : valueFields(value)) };
  }
  if (value === undefined) {
    return { flag: 'unknown', done };
  }
  return {
    ...valueFields(value),
    flag: value.flag ?? 'unknown',
    done,
    ...(value.basis === undefined ? {} : { basis: value.basis }),
  };
}

const VALUE_ELEMENTS = [
  'valueQuantity',
  'valueCodeableConcept',
  'valueBoolean',
  'valueInteger',
  'valueRange',
  'valueRatio',
  'valueSampledData',
  'valueTime',
  'valueDateTime',
  'valuePeriod',
] as const;

/**
 * A completed result, decided without reading it (the pre-pass asks this of every lab Observation, and reads only
 * the latest): no dataAbsentReason, and a value (a written one not blank), an interpretation, or a panel's members
 * or components.
 */
export function isDone(resource: FhirResource): boolean {
  if (field(resource, 'dataAbsentReason') !== undefined) {
    return false;
  }
  const string = field(resource, 'valueString');
  return (
    VALUE_ELEMENTS.some((name) => field(resource, name) !== undefined) ||
    (typeof string === 'string' && string.trim() !== '') ||
    asArray(field(resource, 'interpretation')).length > 0 ||
    asArray(field(resource, 'hasMember')).length > 0 ||
    asArray(field(resource, 'component')).length > 0
  );
}

interface Value {
  readonly value: number | string | boolean;
  readonly unit?: string;
  readonly text: string;
  readonly flag?: ResultFlag;
  readonly basis?: string;
}

function valueFields(value: Value): Pick<ResultValue, 'value' | 'unit' | 'text'> {
  return { value: value.value, ...(value.unit === undefined ? {} : { unit: value.unit }), text: value.text };
}

function readValue(
  resource: FhirResource,
  knowledge: ResultKnowledge,
  measure: Measure | undefined
): Value | undefined {
  const quantity = field(resource, 'valueQuantity');
  if (isObject(quantity) && typeof quantity['value'] === 'number') {
    // The UCUM code converts; the unit as written is what a clinician reads.
    const unit = text(quantity['code']) || text(quantity['unit']);
    const shown = text(quantity['unit']) || unit;
    return numeric(quantity['value'], unit, text(quantity['comparator']), resource, measure, shown);
  }
  const integer = field(resource, 'valueInteger');
  if (typeof integer === 'number') {
    return numeric(integer, '', '', resource, measure);
  }
  const string = field(resource, 'valueString');
  if (typeof string === 'string' && string.trim() !== '') {
    const word = wordFlag(string, knowledge);
    if (word !== undefined) {
      return { value: string, text: string, flag: word };
    }
    // "5.2", "<0.5", "> 2000 pg/mL": a number written as text.
    const written = /^\s*(<=|>=|<|>|≤|≥)?\s*(-?\d+(?:\.\d+)?)\s*(\S.*)?$/.exec(string);
    if (written?.[2] !== undefined) {
      return numeric(Number(written[2]), written[3]?.trim() ?? '', written[1] ?? '', resource, measure);
    }
    return { value: string, text: string };
  }
  const concept = field(resource, 'valueCodeableConcept');
  if (isObject(concept)) {
    const coded = codedFlag(concept, knowledge);
    const shown = conceptText(concept);
    return { value: shown, text: shown, ...(coded === undefined ? {} : { flag: coded }) };
  }
  const bool = field(resource, 'valueBoolean');
  if (typeof bool === 'boolean') {
    return { value: bool, text: bool ? 'Positive' : 'Negative', flag: bool ? 'positive' : 'negative' };
  }
  for (const other of ['valueRange', 'valueRatio', 'valueSampledData', 'valueTime', 'valueDateTime', 'valuePeriod']) {
    if (field(resource, other) !== undefined) {
      return { value: '', text: 'a result recorded' };
    }
  }
  // A panel (CBC, metabolic panel) carries its results as members or components (FHIR R4 Observation.hasMember,
  // Observation.component): with them, the panel was resulted.
  if (asArray(field(resource, 'hasMember')).length > 0 || asArray(field(resource, 'component')).length > 0) {
    return { value: '', text: 'panel resulted' };
  }
  return undefined;
}

/** A number: converted to the measure's unit, then placed against the reference range, then the thresholds. */
function numeric(
  raw: number,
  unit: string,
  comparator: string,
  resource: FhirResource,
  measure: Measure | undefined,
  shown = unit
): Value {
  const sent = `${comparator}${String(raw)}${shown === '' ? '' : ` ${shown}`}`;
  const converted = measure === undefined ? undefined : toMeasureUnit(raw, unit, measure);
  const value = converted === undefined ? raw : roundValue(converted);
  const shownUnit = converted === undefined ? unit : measure?.unit;
  const text =
    converted === undefined || ucumCode(unit) === measure?.unit
      ? sent
      : `${sent} (${String(value)} ${measure?.unit ?? ''})`;
  const range = rangeFlag(raw, unit, asArray(field(resource, 'referenceRange')), measure);
  if (range !== undefined) {
    return { value, ...(shownUnit ? { unit: shownUnit } : {}), text, ...range };
  }
  const threshold = converted === undefined || measure === undefined ? undefined : thresholdFlag(value, measure);
  return { value, ...(shownUnit ? { unit: shownUnit } : {}), text, ...(threshold ?? {}) };
}

/** `raw` in the measure's unit: an equation for a different scale, else UCUM (through the molecular weight). */
function toMeasureUnit(raw: number, unit: string, measure: Measure): number | undefined {
  if (unit === '') {
    return undefined;
  }
  const equation = measure.equations?.[ucumCode(unit)];
  if (equation !== undefined) {
    return EQUATIONS[equation]?.(raw);
  }
  return convertUnit(raw, unit, measure.unit, measure.molecularWeight);
}

/** The measure's thresholds, in its unit. */
function thresholdFlag(value: number, measure: Measure): { flag: ResultFlag; basis: string } | undefined {
  const { lowBelow, borderlineBelow, borderlineFrom, highFrom, unit } = measure;
  if (
    lowBelow === undefined &&
    borderlineBelow === undefined &&
    borderlineFrom === undefined &&
    highFrom === undefined
  ) {
    return undefined;
  }
  const basis = (words: string): { basis: string } => ({ basis: `threshold: ${words}` });
  if (lowBelow !== undefined && value < lowBelow) {
    return { flag: 'low', ...basis(`below ${String(lowBelow)} ${unit}`) };
  }
  if (highFrom !== undefined && value >= highFrom) {
    return { flag: 'high', ...basis(`${String(highFrom)} ${unit} or more`) };
  }
  if (borderlineBelow !== undefined && value < borderlineBelow) {
    return { flag: 'borderline', ...basis(`${String(lowBelow ?? '')}-${String(borderlineBelow)} ${unit}`) };
  }
  if (borderlineFrom !== undefined && value >= borderlineFrom) {
    return { flag: 'borderline', ...basis(`${String(borderlineFrom)}-${String(highFrom ?? '')} ${unit}`) };
  }
  return { flag: 'normal', ...basis(`within the ${unit} thresholds`) };
}

function interpretationFlag(value: unknown, knowledge: ResultKnowledge): ResultFlag | undefined {
  for (const concept of asArray(value).filter(isObject)) {
    for (const coding of asArray(concept['coding']).filter(isObject)) {
      const flag = knowledge.interpretationCodes.get(text(coding['code']));
      if (flag !== undefined) {
        return flag;
      }
    }
    const word = wordFlag(conceptText(concept), knowledge);
    if (word !== undefined) {
      return word;
    }
  }
  return undefined;
}

function codedFlag(concept: Json, knowledge: ResultKnowledge): ResultFlag | undefined {
  for (const coding of asArray(concept['coding']).filter(isObject)) {
    const flag = knowledge.valueCodes.get(`${text(coding['system'])}|${text(coding['code'])}`);
    if (flag !== undefined) {
      return flag;
    }
  }
  for (const coding of asArray(concept['coding']).filter(isObject)) {
    const flag = wordFlag(text(coding['display']), knowledge);
    if (flag !== undefined) {
      return flag;
    }
  }
  return wordFlag(text(concept['text']), knowledge);
}

function conceptText(concept: Json): string {
  const display = asArray(concept['coding'])
    .filter(isObject)
    .map((c) => text(c['display']))
    .find((d) => d !== '');
  return text(concept['text']) || display || '';
}

/** A written result ("Positive", "NOT DETECTED.", "non-reactive") or undefined when it is not one of the words. */
function wordFlag(value: string, knowledge: ResultKnowledge): ResultFlag | undefined {
  const normalised = value
    .toLowerCase()
    .replace(/\(qualifier value\)/g, '')
    .replace(/[.!:;,]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return normalised === '' ? undefined : knowledge.valueWords.get(normalised);
}
