import type { CensusRow, CohortReport } from './cohort-report.js';

/** Codes listed per code system in the text report; `--json` lists them all. */
const CODES_PER_SYSTEM = 10;

/** The cohort report for people: the same counts as `--json`, as tables. */
export function formatReport(report: CohortReport, source: string): string {
  const width = Math.max(40, ...report.rules.map((r) => r.rule.length)) + 2;
  const row = (label: string, patients: number, share: number): string =>
    `${label.padEnd(width)}${String(patients).padStart(8)}${`${share.toFixed(1)}%`.padStart(9)}`;
  const header = (label: string): string => `${label.padEnd(width)}${'patients'.padStart(8)}${'share'.padStart(9)}`;
  const shard = report.shard === undefined ? '' : `, shard ${String(report.shard.index)}/${String(report.shard.count)}`;
  const lines = [
    `Cohort of ${String(report.patients)} patient(s) from ${source}: ${report.hook} on ${report.today}${shard}`,
    ...inputLines(report),
    '',
    header('rule'),
    ...report.rules.map((r) => row(r.rule, r.patients, r.share)),
    '',
    header('patients with a card that is'),
    ...report.indicators.map((i) => row(i.indicator, i.patients, i.share)),
    '',
    header('cards per patient'),
    ...report.cardsPerPatient.map((c) => row(String(c.cards), c.patients, c.share)),
    ...censusLines(report.unrecognised),
  ];
  if (report.failed.length > 0) {
    const unit = report.input.kind === 'bundles' ? 'file(s)' : 'patient(s)';
    lines.push('', `Not evaluated (${String(report.failed.length)} ${unit}, not counted above):`);
    lines.push(...report.failed.map((f) => `  ${f.file ?? `Patient/${f.patient ?? ''}`}: ${f.error}`));
  }
  return `${lines.join('\n')}\n`;
}

function inputLines(report: CohortReport): string[] {
  const input = report.input;
  if (input.kind === 'bundles') {
    return [];
  }
  const lines = [
    `Bulk Data export: ${String(input.files)} file(s), ${String(input.lines ?? 0)} resource line(s), ${String(input.withoutPatient ?? 0)} about no patient`,
  ];
  if ((input.skippedLines ?? 0) > 0) {
    lines.push(`Skipped ${String(input.skippedLines ?? 0)} bad line(s) (--skip-bad-lines):`);
    lines.push(...(input.badLines ?? []).map((b) => `  ${b.file}, line ${String(b.line)}: ${b.error}`));
  }
  return lines;
}

/** The unrecognised codes, grouped by resource kind and code system, the most frequent first in each. */
function censusLines(rows: readonly CensusRow[]): string[] {
  if (rows.length === 0) {
    return [];
  }
  const groups = new Map<string, CensusRow[]>();
  for (const row of rows) {
    const key = `${row.kind} codes, ${row.system}`;
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, [row]);
    } else {
      group.push(row);
    }
  }
  const lines = [
    '',
    "Codes the service did not recognise (map the site's local codes before go-live):",
    `${'  code and display'.padEnd(62)}${'patients'.padStart(8)}${'records'.padStart(9)}`,
  ];
  for (const [group, codes] of groups) {
    lines.push(`  ${group}`);
    for (const code of codes.slice(0, CODES_PER_SYSTEM)) {
      const label = `    ${code.code}${code.display === '' ? '' : ` ${code.display}`}`;
      const shown = label.length > 60 ? `${label.slice(0, 59)}…` : label;
      lines.push(`${shown.padEnd(62)}${String(code.patients).padStart(8)}${String(code.records).padStart(9)}`);
    }
    if (codes.length > CODES_PER_SYSTEM) {
      lines.push(`    (${String(codes.length - CODES_PER_SYSTEM)} more; --json lists them all)`);
    }
  }
  return lines;
}
