import { WorkerPool, WorkerPoolError } from '../workers/worker-pool.js';
import { patientEvaluator, type CohortSetup, type CohortTask, type PatientOutcome } from './evaluate-patients.js';

/**
 * Where the cohort's patients are evaluated: `workers` worker threads (the service's WorkerPool, least busy first,
 * each with its own knowledge), or the main thread when `workers` is 0. A worker that dies on a batch (out of memory
 * on a pathological patient, say) is replaced by the pool; its batch is then evaluated one patient at a time, so
 * that only the patient that kills a worker is reported as failed.
 */
export interface Evaluators {
  readonly size: number;
  run(task: CohortTask): Promise<PatientOutcome[]>;
  close(): Promise<void>;
}

export async function openEvaluators(setup: CohortSetup, workers: number): Promise<Evaluators> {
  if (workers === 0) {
    const evaluate = patientEvaluator(setup);
    return { size: 1, run: evaluate, close: () => Promise.resolve() };
  }
  // From TypeScript sources (tests, tsx) the worker needs tsx's loader; compiled code runs as it is.
  const fromSource = import.meta.url.endsWith('.ts');
  const pool = new WorkerPool({
    size: workers,
    module: new URL(`./cohort-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url),
    typescript: fromSource,
    workerData: setup,
    resourceLimits: { maxOldGenerationSizeMb: setup.config.workerHeapMb },
  });
  try {
    await pool.ready();
  } catch (error) {
    await pool.close();
    throw error;
  }
  const run = async (task: CohortTask): Promise<PatientOutcome[]> => {
    try {
      return await pool.run<PatientOutcome[]>(task);
    } catch (error) {
      if (!(error instanceof WorkerPoolError)) {
        throw error;
      }
      const units = split(task);
      if (units.length === 1) {
        return [failedUnit(task, error.message)];
      }
      return (await Promise.all(units.map(run))).flat();
    }
  };
  return { size: workers, run, close: () => pool.close() };
}

/** A batch as batches of one. */
function split(task: CohortTask): CohortTask[] {
  return task.kind === 'patients'
    ? task.patients.map((patient) => ({ kind: 'patients', patients: [patient] }))
    : task.files.map((file) => ({ kind: 'bundles', files: [file] }));
}

function failedUnit(task: CohortTask, message: string): PatientOutcome {
  const error = `the evaluation worker stopped on it (${message})`;
  return task.kind === 'patients'
    ? { kind: 'failed', failure: { patient: task.patients[0]?.id ?? '', error } }
    : { kind: 'failed', failure: { file: task.files[0]?.name ?? '', error } };
}
