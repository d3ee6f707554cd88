import type { Card, HookName, Indicator } from '../cds-hooks/types.js';

/**
 * Alert burden before go-live: over a folder of patients, how many patients each rule would show a card to, and how
 * many would see a critical, warning or info card at all. Every rule of the hook is listed, silent ones included,
 * so that a rule that never fires on the site's data is visible too.
 */
export interface CohortReport {
  readonly hook: HookName;
  readonly today: string;
  /** Patients evaluated (files that could be read and evaluated). */
  readonly patients: number;
  readonly rules: readonly Count<'rule'>[];
  readonly indicators: readonly Count<'indicator'>[];
  /** Files that could not be evaluated, with the reason; they are not in the counts. */
  readonly failed: readonly { readonly file: string; readonly error: string }[];
}

type Count<K extends string> = { readonly [key in K]: string } & { readonly patients: number; readonly share: number };

const INDICATORS: readonly Indicator[] = ['critical', 'warning', 'info'];

export function cohortReport(
  hook: HookName,
  today: string,
  ruleIds: readonly string[],
  results: readonly (readonly Card[])[],
  failed: CohortReport['failed']
): CohortReport {
  const share = (n: number): number => (results.length === 0 ? 0 : Math.round((n / results.length) * 1000) / 10);
  const patientsWith = (test: (card: Card) => boolean): number => results.filter((cards) => cards.some(test)).length;
  const rules = ruleIds
    .map((rule) => {
      const patients = patientsWith((card) => card.source.topic?.code === rule);
      return { rule, patients, share: share(patients) };
    })
    .sort((a, b) => b.patients - a.patients || a.rule.localeCompare(b.rule));
  const indicators = [
    ...INDICATORS.map((indicator) => ({ indicator, patients: patientsWith((card) => card.indicator === indicator) })),
    { indicator: 'any card', patients: patientsWith(() => true) },
  ].map((c) => ({ ...c, share: share(c.patients) }));
  return { hook, today, patients: results.length, rules, indicators, failed };
}

export function formatCohort(report: CohortReport, source: string): string {
  const width = Math.max(40, ...report.rules.map((r) => r.rule.length)) + 2;
  const row = (label: string, patients: number, share: number): string =>
    `${label.padEnd(width)}${String(patients).padStart(8)}${`${share.toFixed(1)}%`.padStart(9)}`;
  const lines = [
    `Cohort of ${String(report.patients)} patient(s) from ${source}: ${report.hook} on ${report.today}`,
    '',
    `${'rule'.padEnd(width)}${'patients'.padStart(8)}${'share'.padStart(9)}`,
    ...report.rules.map((r) => row(r.rule, r.patients, r.share)),
    '',
    `${'patients with a card that is'.padEnd(width)}${'patients'.padStart(8)}${'share'.padStart(9)}`,
    ...report.indicators.map((i) => row(i.indicator, i.patients, i.share)),
  ];
  if (report.failed.length > 0) {
    lines.push('', `Not evaluated (${String(report.failed.length)} file(s), not counted above):`);
    lines.push(...report.failed.map((f) => `  ${f.file}: ${f.error}`));
  }
  return `${lines.join('\n')}\n`;
}
