import { availableParallelism, tmpdir } from 'node:os';
import type { Clock } from '../call-service.js';
import type { HookName } from '../cds-hooks/types.js';
import { formatReport } from '../cohort/format-report.js';
import { mergeReportFiles } from '../cohort/merge-reports.js';
import type { Shard } from '../cohort/patient-key.js';
import { noProgress, progressOn } from '../cohort/progress.js';
import { runCohort } from '../cohort/run-cohort.js';
import type { CohortReport } from '../cohort/cohort-report.js';
import { parseConfig } from '../config.js';
import { configuredKnowledge } from '../configured.js';
import { InputError, UsageError } from './cli-error.js';
import { readOrders } from './read-input.js';
import type { CliIo } from './run.js';

/**
 * `cohort <path>` (alert burden over a population, docs/cohort.md) and `cohort merge <report.json>...` (the shards
 * of one run, combined): the command line, read and checked here; the work is src/cohort/.
 */
export const COHORT_OPTIONS = {
  workers: { type: 'string' },
  shard: { type: 'string' },
  progress: { type: 'boolean' },
  csv: { type: 'string' },
  'skip-bad-lines': { type: 'boolean' },
  'temp-dir': { type: 'string' },
  'bucket-mb': { type: 'string' },
} as const;

export interface CohortOptions {
  readonly order?: string[] | undefined;
  readonly json?: boolean | undefined;
  readonly workers?: string | undefined;
  readonly shard?: string | undefined;
  readonly progress?: boolean | undefined;
  readonly csv?: string | undefined;
  readonly 'skip-bad-lines'?: boolean | undefined;
  readonly 'temp-dir'?: string | undefined;
  readonly 'bucket-mb'?: string | undefined;
}

/** What a bucket of an export may hold by default: small against the evaluators' own memory. */
const DEFAULT_BUCKET_MB = 4;

export async function cohortCommand(
  positionals: readonly string[],
  values: CohortOptions,
  hook: HookName,
  clock: Clock,
  io: CliIo
): Promise<number> {
  if (positionals[0] === 'merge') {
    return merge(positionals.slice(1), values, io);
  }
  const [path, ...extra] = positionals;
  if (path === undefined || extra.length > 0) {
    throw new UsageError('Give exactly one <dir> (a folder of Bundles or a Bulk Data export) or manifest file.');
  }
  const workers = integerOption(values.workers, '--workers', 0) ?? availableParallelism();
  const bucketMb = numberOption(values['bucket-mb'], '--bucket-mb') ?? DEFAULT_BUCKET_MB;
  const shard = shardOption(values.shard);
  const config = parseConfig(io.env);
  const service = [...configuredKnowledge(config).services.values()].find((s) => s.definition.hook === hook);
  if (service === undefined) {
    throw new InputError(`No CDS service answers ${hook} here.`);
  }
  const showProgress = values.progress === true || io.stderrIsTty === true;
  const report = await runCohort({
    path,
    hook,
    orders: hook === 'patient-view' ? undefined : readOrders(values.order ?? []),
    config,
    today: clock.today(),
    ruleIds: service.rules.map((r) => r.id),
    workers,
    shard,
    csvFile: values.csv,
    skipBadLines: values['skip-bad-lines'] === true,
    tempRoot: values['temp-dir'] ?? tmpdir(),
    bucketChars: Math.round(bucketMb * 1024 * 1024),
    progress: showProgress ? progressOn(io.stderr, { tty: io.stderrIsTty === true }) : noProgress,
  });
  const skipped = report.input.skippedLines ?? 0;
  if (skipped > 0) {
    io.stderr(`cohort: skipped ${String(skipped)} bad line(s) (--skip-bad-lines); the report lists the first ones.\n`);
  }
  return print(report, path, values, io);
}

function merge(files: readonly string[], values: CohortOptions, io: CliIo): number {
  if (files.length === 0) {
    throw new UsageError('Give the report.json of every shard: cohort merge <report.json>...');
  }
  const given = [...Object.keys(COHORT_OPTIONS), 'order'].find(
    (name) => values[name as keyof CohortOptions] !== undefined
  );
  if (given !== undefined) {
    throw new UsageError(`cohort merge takes report files and --json only, not --${given}.`);
  }
  return print(mergeReportFiles(files), `${String(files.length)} shard reports`, values, io);
}

function print(report: CohortReport, source: string, values: CohortOptions, io: CliIo): number {
  io.stdout(values.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, source));
  // The report is printed either way; the exit code says it is incomplete.
  return report.failed.length === 0 ? 0 : 1;
}

function integerOption(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > 1024) {
    throw new UsageError(`${name} must be a whole number from ${String(min)} to 1024, not '${value}'.`);
  }
  return Number(value);
}

function numberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const n = Number(value);
  if (!/^\d*\.?\d+$/.test(value) || !(n > 0)) {
    throw new UsageError(`${name} must be a positive number, not '${value}'.`);
  }
  return n;
}

/** `--shard i/n`: the i-th (1-based) of n shards. */
function shardOption(value: string | undefined): Shard | undefined {
  if (value === undefined) {
    return undefined;
  }
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard must be i/n with 1 <= i <= n (e.g. 2/8), not '${value}'.`);
  }
  return { index, count };
}
