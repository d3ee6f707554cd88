import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FhirResource } from 'fhir/r4';
import type { HookName } from '../cds-hooks/types.js';
import { InputError } from '../cli/cli-error.js';
import type { Config } from '../config.js';
import { BatchDispatch } from './batch-dispatch.js';
import { patientsOfBuckets } from './bucket-groups.js';
import { detectInput, type CohortInput } from './cohort-input.js';
import { buildReport, type CohortReport, type InputSummary } from './cohort-report.js';
import { CohortTally } from './cohort-tally.js';
import type { CohortSetup, PatientOutcome } from './evaluate-patients.js';
import { openEvaluators, type Evaluators } from './evaluator-pool.js';
import { partitionExport } from './partition-export.js';
import type { Shard } from './patient-key.js';
import { PatientCsv } from './patient-csv.js';
import type { Progress } from './progress.js';

/**
 * One `cohort` run: detect the input, group an export by patient on disk (bounded memory), evaluate the patients on
 * the evaluators in parallel, and add up the report as outcomes arrive. The report holds counts, never a patient;
 * the CSV rows are written as they come.
 */
export interface CohortRun {
  readonly path: string;
  readonly hook: HookName;
  readonly orders: readonly FhirResource[] | undefined;
  readonly config: Config;
  readonly today: string;
  /** Every rule of the hook (silent ones are listed with 0). */
  readonly ruleIds: readonly string[];
  /** Worker threads; 0 evaluates on the main thread. */
  readonly workers: number;
  readonly shard: Shard | undefined;
  readonly csvFile: string | undefined;
  readonly skipBadLines: boolean;
  /** Where the temporary bucket files of an export go (a folder of their own inside it, removed at the end). */
  readonly tempRoot: string;
  /** Target size of a bucket, characters: what pass 2 holds in memory at a time. */
  readonly bucketChars: number;
  readonly progress: Progress;
}

/** Bundle files per task: enough to make a message worth its cost. */
const FILES_PER_TASK = 16;

export async function runCohort(run: CohortRun): Promise<CohortReport> {
  const input = detectInput(run.path);
  const setup: CohortSetup = {
    config: run.config,
    today: run.today,
    hook: run.hook,
    orders: run.orders,
    shard: input.kind === 'bundles' ? run.shard : undefined,
  };
  // The workers load their knowledge while the export is being grouped.
  const opening = openEvaluators(setup, run.workers);
  opening.catch(() => undefined);
  const tally = new CohortTally();
  let csv: PatientCsv | undefined;
  try {
    csv = run.csvFile === undefined ? undefined : new PatientCsv(run.csvFile);
    let processed = 0;
    let expected: number | undefined;
    const consume = (outcomes: readonly PatientOutcome[]): void => {
      for (const outcome of outcomes) {
        processed += 1;
        if (outcome.kind === 'evaluated') {
          tally.addPatient(outcome.cards, outcome.unrecognised);
          csv?.add(outcome.patient, outcome.cards);
        } else if (outcome.kind === 'failed') {
          tally.addFailure(outcome.failure);
        }
      }
      run.progress.evaluated(processed, expected);
    };
    const summary =
      input.kind === 'bundles'
        ? await evaluateBundles(input, run, opening, consume, (n) => (expected = n))
        : await evaluateExport(input, run, opening, consume, (n) => (expected = n));
    run.progress.finished(tally.patients);
    return buildReport(
      { hook: run.hook, today: run.today, shard: run.shard, input: summary, ruleIds: run.ruleIds },
      tally
    );
  } finally {
    csv?.close();
    await (await opening.catch(() => undefined))?.close();
  }
}

type Consume = (outcomes: readonly PatientOutcome[]) => void;

async function evaluateBundles(
  input: Extract<CohortInput, { kind: 'bundles' }>,
  run: CohortRun,
  opening: Promise<Evaluators>,
  consume: Consume,
  expect: (patients: number) => void
): Promise<InputSummary> {
  const dispatch = new BatchDispatch(await opening, consume);
  expect(input.files.length);
  run.progress.evaluated(0, input.files.length);
  for (let i = 0; i < input.files.length; i += FILES_PER_TASK) {
    const files = input.files.slice(i, i + FILES_PER_TASK).map((name) => ({ path: join(input.dir, name), name }));
    await dispatch.send({ kind: 'bundles', files });
  }
  await dispatch.drain();
  return { kind: 'bundles', files: input.files.length };
}

async function evaluateExport(
  input: Extract<CohortInput, { kind: 'bulk-export' }>,
  run: CohortRun,
  opening: Promise<Evaluators>,
  consume: Consume,
  expect: (patients: number | undefined) => void
): Promise<InputSummary> {
  let tempDir: string;
  try {
    tempDir = mkdtempSync(join(run.tempRoot, 'ctd-cohort-'));
  } catch {
    throw new InputError(`Cannot create a temporary folder in ${run.tempRoot} (--temp-dir).`);
  }
  try {
    const grouped = await partitionExport({
      files: input.files,
      tempDir,
      bucketChars: run.bucketChars,
      shard: run.shard,
      skipBadLines: run.skipBadLines,
      onRead: (read) => {
        run.progress.reading(read.filesDone, read.files, read.bytesRead, read.bytes);
      },
    });
    const dispatch = new BatchDispatch(await opening, consume);
    expect(grouped.patientResources > 0 ? grouped.patientResources : undefined);
    run.progress.evaluated(0, undefined);
    const patients = patientsOfBuckets(grouped.buckets, {
      tempDir,
      bucketChars: run.bucketChars,
      medications: grouped.medications,
    });
    for await (const patient of patients) {
      await dispatch.addPatient(patient);
    }
    await dispatch.drain();
    return {
      kind: 'bulk-export',
      files: input.files.length,
      lines: grouped.lines,
      withoutPatient: grouped.withoutPatient,
      skippedLines: grouped.skippedLines,
      badLines: grouped.badLines,
    };
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
}
