import type { FhirResource } from 'fhir/r4';
import type { DailyDose } from './decision-model.js';
import { asArray, field, isObject, text, type Json } from './fhir-fields.js';
import { convertUnit, ucumCode } from './units.js';

/**
 * Daily dose of a medication order in mg, from FHIR R4 `dosageInstruction` (dose quantity x frequency / period),
 * or the reason it cannot be computed. It never guesses: an ambiguous order yields `problem`, and the card says so.
 *
 * Dose units understood: any UCUM mass unit (mg, g, ug; "mcg" as clients write it), converted with UCUM; a mass
 * per kg (mg/kg, with a body weight); countable units (tablet, capsule, `{pill}` as the CDS Hooks Sandbox sends)
 * times the single strength in the product name ("prednisone 20 MG Oral Tablet"); mL times a "N MG/ML"
 * concentration. `medicationNames` are the product's names, best first (code text, displays, reference display).
 */
export function dailyDose(
  order: FhirResource,
  medicationNames: readonly string[],
  weightKg: number | undefined
): DailyDose {
  const instructions = asArray(field(order, 'dosageInstruction')).filter(isObject);
  if (instructions.length === 0) {
    return { problem: 'the order has no dosage instructions' };
  }
  if (instructions.length > 1) {
    return { problem: 'the order has several dosage instructions (e.g. a taper); check each step' };
  }
  const dosage = instructions[0] as Json;
  if (dosage['asNeededBoolean'] === true || isObject(dosage['asNeededCodeableConcept'])) {
    return { problem: 'the dose is as needed, so the daily amount is not fixed' };
  }
  const quantity = doseQuantity(dosage);
  if (quantity === undefined) {
    return { problem: 'the dosage has no single dose quantity' };
  }
  const perDay = administrationsPerDay(dosage);
  if (typeof perDay === 'string') {
    return { problem: perDay };
  }
  const perAdministration = milligrams(quantity, medicationNames, weightKg);
  if (typeof perAdministration === 'string') {
    return { problem: perAdministration };
  }
  const mgPerDay = round(perAdministration.mg * perDay.count);
  return { mgPerDay, basis: `${perAdministration.basis} x ${perDay.basis}` };
}

interface Quantity {
  readonly value: number;
  readonly unit: string;
}

function doseQuantity(dosage: Json): Quantity | undefined {
  const fromRate = asArray(dosage['doseAndRate'])
    .filter(isObject)
    .map((d) => d['doseQuantity'])
    .filter(isObject);
  // STU3 and the older CDS Hooks Sandbox put doseQuantity directly on the dosage.
  const candidates = fromRate.length > 0 ? fromRate : asArray(dosage['doseQuantity']).filter(isObject);
  const [quantity] = candidates;
  if (
    candidates.length !== 1 ||
    quantity === undefined ||
    typeof quantity['value'] !== 'number' ||
    quantity['value'] <= 0
  ) {
    return undefined;
  }
  const unit = (text(quantity['code']) || text(quantity['unit'])).trim();
  return { value: quantity['value'], unit };
}

/** HL7 v3 GTSAbbreviation timing codes (FHIR R4 timing-abbreviation) that fix a number per day. */
const TIMING_CODES: Readonly<Record<string, number>> = {
  QD: 1,
  BID: 2,
  TID: 3,
  QID: 4,
  AM: 1,
  PM: 1,
  QOD: 0.5,
  Q4H: 6,
  Q6H: 4,
  Q8H: 3,
};

const PERIOD_DAYS: Readonly<Record<string, number>> = {
  s: 1 / 86400,
  min: 1 / 1440,
  h: 1 / 24,
  d: 1,
  wk: 7,
  mo: 30,
  a: 365,
};

function administrationsPerDay(dosage: Json): { count: number; basis: string } | string {
  const timing = isObject(dosage['timing']) ? dosage['timing'] : undefined;
  if (timing === undefined) {
    return 'the dosage has no timing, so the frequency is unknown';
  }
  const repeat = isObject(timing['repeat']) ? timing['repeat'] : undefined;
  if (repeat !== undefined && (repeat['frequency'] !== undefined || repeat['period'] !== undefined)) {
    if (repeat['frequencyMax'] !== undefined || repeat['periodMax'] !== undefined) {
      return 'the frequency is a range, so the daily amount is not fixed';
    }
    const frequency = typeof repeat['frequency'] === 'number' ? repeat['frequency'] : 1;
    const period = typeof repeat['period'] === 'number' ? repeat['period'] : 1;
    const unit = text(repeat['periodUnit']) || text(repeat['periodUnits']);
    const days = PERIOD_DAYS[unit];
    if (days === undefined || period <= 0 || frequency <= 0) {
      return 'the timing period is missing or not understood';
    }
    return { count: frequency / (period * days), basis: `${String(frequency)} per ${String(period)} ${unit}` };
  }
  const codes = asArray(isObject(timing['code']) ? timing['code']['coding'] : undefined)
    .filter(isObject)
    .map((c) => text(c['code']).toUpperCase());
  for (const code of codes) {
    const count = TIMING_CODES[code];
    if (count !== undefined) {
      return { count, basis: code };
    }
  }
  return 'the dosage timing has no frequency this service understands';
}

const COUNTABLE = /^(\{(pill|tbl|tablet|tab|capsule|cap)s?\}|tab(let)?s?|cap(sule)?s?|1|\{each\}|ea)$/i;

function milligrams(
  quantity: Quantity,
  medicationNames: readonly string[],
  weightKg: number | undefined
): { mg: number; basis: string } | string {
  const unit = ucumCode(quantity.unit);
  const perKg = /^(.+)\/kg$/.exec(unit)?.[1];
  if (perKg !== undefined) {
    const mgPerKg = convertUnit(quantity.value, perKg, 'mg');
    if (mgPerKg === undefined) {
      return `the dose unit '${quantity.unit}' is not one this service converts to mg`;
    }
    if (weightKg === undefined) {
      return 'the dose is per kg and no body weight is recorded';
    }
    return { mg: mgPerKg * weightKg, basis: `${String(quantity.value)} ${unit} x ${String(weightKg)} kg` };
  }
  if (COUNTABLE.test(quantity.unit)) {
    const strength = firstStrength(medicationNames, /(\d+(?:\.\d+)?)\s*MG(?!\s*\/)/gi);
    if (strength === undefined) {
      return 'the dose is counted in tablets/capsules and the product strength is not a single "N MG" in its name';
    }
    return { mg: quantity.value * strength, basis: `${String(quantity.value)} x ${String(strength)} mg` };
  }
  if (unit === 'mL') {
    const concentration = firstStrength(medicationNames, /(\d+(?:\.\d+)?)\s*MG\s*\/\s*ML/gi);
    if (concentration === undefined) {
      return 'the dose is in mL and the product concentration (N MG/ML) is not in its name';
    }
    return {
      mg: quantity.value * concentration,
      basis: `${String(quantity.value)} mL x ${String(concentration)} mg/mL`,
    };
  }
  const mg = unit === '' ? undefined : convertUnit(quantity.value, unit, 'mg');
  if (mg !== undefined) {
    return { mg, basis: `${String(quantity.value)} ${quantity.unit}` };
  }
  return `the dose unit '${quantity.unit || '(none)'}' is not one this service converts to mg`;
}

/** The strength of the first name that states exactly one. */
function firstStrength(names: readonly string[], pattern: RegExp): number | undefined {
  for (const name of names) {
    const strength = singleStrength(name, pattern);
    if (strength !== undefined) {
      return strength;
    }
  }
  return undefined;
}

/** The strength in an RxNorm-style name when it names exactly one (combination products name several). */
function singleStrength(name: string | undefined, pattern: RegExp): number | undefined {
  if (name === undefined) {
    return undefined;
  }
  const values = [...name.matchAll(pattern)].map((m) => Number(m[1]));
  return values.length === 1 && values[0] !== undefined && values[0] > 0 ? values[0] : undefined;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
