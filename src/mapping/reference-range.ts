import { asArray, isObject, text, type Json } from './fhir-fields.js';
import type { ResultFlag } from './mapping-item.js';
import type { Measure } from './result-knowledge.js';
import { convertUnit, ucumCode } from './units.js';

/**
 * Where a number lies against an Observation's reference range (FHIR R4 Observation.referenceRange): its low/high
 * quantities (converted to the result's unit when they are given in another), or, as many EHRs send it, only its
 * text ("232-1245", "<5.7", ">200"). The first range whose type is absent or "normal" is used.
 */
interface Bounds {
  readonly low?: number;
  readonly high?: number;
  /** Text ranges "<5.7" / ">200" exclude their bound; low/high elements and "a-b" include them. */
  readonly lowExclusive?: boolean;
  readonly highExclusive?: boolean;
  readonly text: string;
}

/** Position against the first usable reference range (type absent or "normal"), in the result's own unit. */
export function rangeFlag(
  raw: number,
  unit: string,
  ranges: unknown[],
  measure: Measure | undefined
): { flag: ResultFlag; basis: string } | undefined {
  for (const range of ranges) {
    if (!isObject(range) || !normalRange(range)) {
      continue;
    }
    const bounds = boundsOf(range, unit, measure);
    if (bounds === undefined) {
      continue;
    }
    const basis = `reference range ${bounds.text}`;
    if (bounds.high !== undefined && (bounds.highExclusive === true ? raw >= bounds.high : raw > bounds.high)) {
      return { flag: 'high', basis };
    }
    if (bounds.low !== undefined && (bounds.lowExclusive === true ? raw <= bounds.low : raw < bounds.low)) {
      return { flag: 'low', basis };
    }
    return { flag: 'normal', basis };
  }
  return undefined;
}

function normalRange(range: Json): boolean {
  const type = range['type'];
  if (!isObject(type)) {
    return true;
  }
  const codings = asArray(type['coding']);
  return codings.length === 0 || codings.some((c) => isObject(c) && c['code'] === 'normal');
}

/** A low or high limit in the result's unit (converted when the limit names another). */
function bound(limit: unknown, unit: string, measure: Measure | undefined): number | undefined {
  if (!isObject(limit) || typeof limit['value'] !== 'number') {
    return undefined;
  }
  const limitUnit = text(limit['code']) || text(limit['unit']);
  if (limitUnit === '' || unit === '' || limitUnit === unit || ucumCode(limitUnit) === ucumCode(unit)) {
    return limit['value'];
  }
  return convertUnit(limit['value'], limitUnit, unit, measure?.molecularWeight);
}

function boundsOf(range: Json, unit: string, measure: Measure | undefined): Bounds | undefined {
  const low = bound(range['low'], unit, measure);
  const high = bound(range['high'], unit, measure);
  if (low !== undefined || high !== undefined) {
    const shown =
      low !== undefined && high !== undefined
        ? `${String(low)}-${String(high)}`
        : low !== undefined
          ? `>=${String(low)}`
          : `<=${String(high)}`;
    return { ...(low === undefined ? {} : { low }), ...(high === undefined ? {} : { high }), text: shown };
  }
  return typeof range['text'] === 'string' ? parseRangeText(range['text']) : undefined;
}

const NUMBER = '(-?\\d+(?:\\.\\d+)?)';
const BETWEEN = new RegExp(`^\\s*${NUMBER}\\s*(?:-|–|to)\\s*${NUMBER}`);
const BELOW = new RegExp(`^\\s*(<=|≤|<)\\s*${NUMBER}`);
const ABOVE = new RegExp(`^\\s*(>=|≥|>)\\s*${NUMBER}`);

/** A range written as text: "232-1245", "232 - 1245 pg/mL", "<5.7", "<= 5.6", ">200". */
export function parseRangeText(value: string): Bounds | undefined {
  const between = BETWEEN.exec(value);
  if (between !== null) {
    return { low: Number(between[1]), high: Number(between[2]), text: value.trim() };
  }
  const below = BELOW.exec(value);
  if (below !== null) {
    return { high: Number(below[2]), highExclusive: below[1] === '<', text: value.trim() };
  }
  const above = ABOVE.exec(value);
  if (above !== null) {
    return { low: Number(above[2]), lowExclusive: above[1] === '>', text: value.trim() };
  }
  return undefined;
}
