import { createRequire } from 'node:module';

/**
 * Unit conversion with UCUM (the NLM's @lhncbc/ucum-lhc, offline: its unit tables ship in the package), for lab
 * results, body weights and doses. Mass and molar concentrations convert through the analyte's molecular weight
 * (e.g. vitamin B12 pg/mL <-> pmol/L), which the knowledge gives per measure (mappings/results.json).
 *
 * HbA1c in % (NGSP/DCCT) and mmol/mol (IFCC) are different measurement scales, not units of one quantity: they are
 * related by the IFCC-NGSP master equation, implemented as such (EQUATIONS), never as a unit factor.
 */
interface UcumUtils {
  convertUnitTo(
    from: string,
    value: number,
    to: string,
    options?: { molecularWeight?: number }
  ): { status: string; toVal?: number };
}

const require = createRequire(import.meta.url);
let utils: UcumUtils | undefined;
const ucum = (): UcumUtils => {
  // Loaded on first use: its unit tables cost ~90 ms, which only services that convert should pay.
  utils ??= (require('@lhncbc/ucum-lhc') as { UcumLhcUtils: { getInstance(): UcumUtils } }).UcumLhcUtils.getInstance();
  return utils;
};

/** Spellings clients send that are not UCUM codes, and the UCUM code they mean. */
const SPELLINGS: Readonly<Record<string, string>> = {
  mcg: 'ug',
  µg: 'ug',
  μg: 'ug',
  'mcg/dl': 'ug/dL',
  'µmol/l': 'umol/L',
  'μmol/l': 'umol/L',
  lb: '[lb_av]',
  lbs: '[lb_av]',
  oz: '[oz_av]',
  'miu/l': 'm[IU]/L',
  'uiu/ml': 'u[IU]/mL',
  'µiu/ml': 'u[IU]/mL',
  'mg/dl': 'mg/dL',
  'pg/ml': 'pg/mL',
  'ng/ml': 'ng/mL',
  'ng/l': 'ng/L',
  'pmol/l': 'pmol/L',
  'mmol/l': 'mmol/L',
  'umol/l': 'umol/L',
  'mmol/mol': 'mmol/mol',
  kgs: 'kg',
};

const codes = new Map<string, string>();

/** The UCUM code for a unit as sent (UCUM itself, or a common spelling of it); remembered per spelling. */
export function ucumCode(unit: string): string {
  let code = codes.get(unit);
  if (code === undefined) {
    const trimmed = unit.trim();
    code = SPELLINGS[trimmed.toLowerCase()] ?? trimmed;
    // Units are few; a client sending endless invented ones must not grow the map without bound.
    if (codes.size < 1000) {
      codes.set(unit, code);
    }
  }
  return code;
}

/** Scale conversions that are equations, not unit factors. */
export const EQUATIONS: Readonly<Record<string, (value: number) => number>> = {
  // IFCC-NGSP master equation (NGSP, "IFCC Standardization of HbA1c"; Hoelzel et al., Clin Chem 2004;50:166-74):
  // NGSP % = 0.09148 x IFCC mmol/mol + 2.152.
  'ngsp-from-ifcc': (ifcc) => 0.09148 * ifcc + 2.152,
};

const factors = new Map<string, number | null>();

/**
 * `value` in `from` converted to `to`, or undefined when UCUM cannot relate them (unknown unit, different kind of
 * quantity, a molar/mass conversion without a molecular weight). Factors are computed once per unit pair.
 */
export function convertUnit(value: number, from: string, to: string, molecularWeight?: number): number | undefined {
  const source = ucumCode(from);
  const target = ucumCode(to);
  if (source === target) {
    return value;
  }
  const key = `${source}|${target}|${String(molecularWeight ?? '')}`;
  let factor = factors.get(key);
  if (factor === undefined) {
    let result: { status: string; toVal?: number } | undefined;
    try {
      result = ucum().convertUnitTo(source, 1, target, molecularWeight === undefined ? undefined : { molecularWeight });
    } catch {
      result = undefined;
    }
    factor = result?.status === 'succeeded' && typeof result.toVal === 'number' ? result.toVal : null;
    factors.set(key, factor);
  }
  return factor === null ? undefined : value * factor;
}

/** Rounded for display and comparison: results are never more precise than 4 significant digits here. */
export function roundValue(value: number): number {
  return Number(value.toPrecision(4));
}
