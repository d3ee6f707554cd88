import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { InputError } from '../cli/cli-error.js';
import { buildReport, type CohortReport } from './cohort-report.js';
import { CohortTally } from './cohort-tally.js';

/**
 * `cohort merge <report.json>...`: the reports (`--json`) of the n shards of one run, combined into the report the
 * unsharded run gives, exactly (counts add up over disjoint patients; shares and orders are recomputed the same
 * way). Refused unless the reports are the complete set of shards 1..n of the same hook, day, rules and input.
 */
export function mergeReportFiles(files: readonly string[]): CohortReport {
  return mergeReports(files.map((file) => ({ file, report: readReport(file) })));
}

export function mergeReports(reports: readonly { file: string; report: CohortReport }[]): CohortReport {
  const first = reports[0];
  if (first === undefined) {
    throw new InputError('Give the report.json of every shard to merge.');
  }
  const count = first.report.shard?.count;
  const seen = new Set<number>();
  const rules = (r: CohortReport): string[] => r.rules.map((rule) => rule.rule).sort();
  for (const { file, report } of reports) {
    const differs = (what: string): never => {
      throw new InputError(`${file} is not a shard of the same run as ${first.file}: its ${what} differs.`);
    };
    if (report.shard === undefined) {
      throw new InputError(`${file} is not the report of a shard (no --shard): there is nothing to merge it with.`);
    }
    if (report.shard.count !== count) {
      differs('shard count');
    }
    if (seen.has(report.shard.index)) {
      throw new InputError(`${file}: shard ${String(report.shard.index)}/${String(count)} is given twice.`);
    }
    seen.add(report.shard.index);
    if (report.hook !== first.report.hook) {
      differs('hook');
    }
    if (report.today !== first.report.today) {
      differs('day (--today)');
    }
    if (!isDeepStrictEqual(rules(report), rules(first.report))) {
      differs('rule set');
    }
    if (!isDeepStrictEqual(report.input, first.report.input)) {
      differs('input (files, lines or bad lines)');
    }
  }
  const missing = Array.from({ length: count ?? 0 }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0) {
    throw new InputError(`Shard(s) ${missing.join(', ')} of ${String(count)} are missing: the merge would undercount.`);
  }
  const tally = new CohortTally();
  for (const { report } of reports) {
    tally.addReport(report);
  }
  return buildReport(
    {
      hook: first.report.hook,
      today: first.report.today,
      shard: undefined,
      input: first.report.input,
      ruleIds: first.report.rules.map((r) => r.rule),
    },
    tally
  );
}

function readReport(file: string): CohortReport {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new InputError(
      code === undefined
        ? `${file} is not valid JSON.`
        : `Cannot read ${file}${code === 'ENOENT' ? ': no such file' : ''}.`
    );
  }
  const report = json as Partial<CohortReport> | null;
  const arrays = ['rules', 'indicators', 'cardsPerPatient', 'unrecognised', 'failed'] as const;
  if (
    typeof report !== 'object' ||
    report === null ||
    typeof report.hook !== 'string' ||
    typeof report.today !== 'string' ||
    typeof report.patients !== 'number' ||
    typeof report.input !== 'object' ||
    arrays.some((key) => !Array.isArray(report[key]))
  ) {
    throw new InputError(`${file} is not a cohort report (cohort --json --shard i/n writes one).`);
  }
  return report as CohortReport;
}
