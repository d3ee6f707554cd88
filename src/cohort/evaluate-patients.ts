import type { FhirResource } from 'fhir/r4';
import type { HookName, Indicator } from '../cds-hooks/types.js';
import { bundleResources } from '../cli/bundle-request.js';
import { InputError } from '../cli/cli-error.js';
import { offlinePipeline } from '../cli/offline-pipeline.js';
import { readJson } from '../cli/read-input.js';
import { silentObserver, type PipelineObserver } from '../call-service.js';
import { errorCode } from '../service-call/recording-observer.js';
import type { Config } from '../config.js';
import { inShard, patientIdOf, type Shard } from './patient-key.js';
import { unrecognisedCodes, type UnrecognisedCode } from './unrecognised-codes.js';

/**
 * The cohort's unit of work, run in a worker thread (cohort-worker.ts) or inline (`--workers 0`): a batch of
 * patients in, one outcome per patient out. Evaluation is the CLI's offline pipeline, which is the service's own
 * (`callService` with the same knowledge, site configuration and request validation). Only what the report needs
 * goes back to the main thread: each card's rule and indicator, and the codes the service did not recognise.
 */
export interface CohortSetup {
  readonly config: Config;
  /** Resolved once by the main thread, so that every worker evaluates on the same day. */
  readonly today: string;
  readonly hook: HookName;
  readonly orders: readonly FhirResource[] | undefined;
  /** Bundle folders are sharded here (a Bundle's patient is known once it is read); exports while grouping. */
  readonly shard: Shard | undefined;
}

/** One patient of a Bulk Data export: its resources as the NDJSON lines they were read from. */
export interface PatientLines {
  readonly id: string;
  readonly lines: readonly string[];
}

export type CohortTask =
  | { readonly kind: 'patients'; readonly patients: readonly PatientLines[] }
  | { readonly kind: 'bundles'; readonly files: readonly { readonly path: string; readonly name: string }[] };

export interface CardOutline {
  readonly rule: string;
  readonly indicator: Indicator;
}

/** A patient who could not be evaluated: named by the Bundle file, or by the patient id in an export. */
export interface Failure {
  readonly file?: string;
  readonly patient?: string;
  readonly error: string;
}

export type PatientOutcome =
  | {
      readonly kind: 'evaluated';
      readonly patient: string;
      readonly cards: readonly CardOutline[];
      readonly unrecognised: readonly UnrecognisedCode[];
    }
  | { readonly kind: 'failed'; readonly failure: Failure }
  | { readonly kind: 'other-shard' };

export type PatientEvaluator = (task: CohortTask) => Promise<PatientOutcome[]>;

export function patientEvaluator(setup: CohortSetup): PatientEvaluator {
  // The service skips a rule whose evaluation fails (and logs it); a cohort must not count such a patient as if
  // the rule had been silent. A rule or mapping can fail for want of time alone (the JSONata guardrail measures
  // wall time, which a busy machine stretches): the patient is evaluated once more before being reported.
  let ruleFailures: string[] = [];
  const observer: PipelineObserver = {
    ...silentObserver,
    ruleFailed: (_service, ruleId, error) => ruleFailures.push(`${ruleId} (${errorCode(error)})`),
  };
  const pipeline = offlinePipeline(setup.config, { today: () => setup.today }, observer);
  const codeIndex = pipeline.knowledge.codeIndex;

  const evaluate = async (resources: readonly FhirResource[], what: string, retry = true): Promise<PatientOutcome> => {
    ruleFailures = [];
    try {
      const { patientId, response } = await pipeline.evaluate(resources, what, setup.hook, setup.orders);
      if (ruleFailures.length > 0) {
        throw new InputError(
          `${what}: rule(s) ${ruleFailures.join(', ')} could not be evaluated, so its cards are unknown`
        );
      }
      return {
        kind: 'evaluated',
        patient: patientId,
        cards: response.cards.map((card) => ({ rule: card.source.topic?.code ?? '', indicator: card.indicator })),
        unrecognised: unrecognisedCodes(resources, codeIndex),
      };
    } catch (error) {
      const refused = error instanceof InputError && ruleFailures.length === 0;
      if (retry && !refused) {
        return evaluate(resources, what, false);
      }
      throw error;
    }
  };

  const exportPatient = async ({ id, lines }: PatientLines): Promise<PatientOutcome> => {
    try {
      return await evaluate(distinct(lines.map((line) => JSON.parse(line) as FhirResource)), `Patient/${id}`);
    } catch (error) {
      return { kind: 'failed', failure: { patient: id, error: reason(error) } };
    }
  };

  const bundleFile = async ({ path, name }: { path: string; name: string }): Promise<PatientOutcome> => {
    try {
      const resources = bundleResources(readJson(path), name);
      const ids = resources.map((r) => patientIdOf(r as unknown as Record<string, unknown>));
      const patient =
        ids[resources.findIndex((r) => r.resourceType === 'Patient')] ?? ids.find((id) => id !== undefined);
      // A Bundle whose patient cannot be told fails in every shard alike: `cohort merge` keeps one copy.
      if (patient !== undefined && !inShard(patient, setup.shard)) {
        return { kind: 'other-shard' };
      }
      return await evaluate(resources, name);
    } catch (error) {
      return { kind: 'failed', failure: { file: name, error: reason(error) } };
    }
  };

  const run = async (task: CohortTask): Promise<PatientOutcome[]> => {
    const outcomes: PatientOutcome[] = [];
    if (task.kind === 'patients') {
      for (const patient of task.patients) {
        outcomes.push(await exportPatient(patient));
      }
    } else {
      for (const file of task.files) {
        outcomes.push(await bundleFile(file));
      }
    }
    return outcomes;
  };
  // One patient at a time, tasks in turn: evaluation is CPU work (interleaving would only add memory), and a rule
  // failure must be told apart from another patient's.
  let queue = Promise.resolve();
  return (task) => {
    const outcomes = queue.then(() => run(task));
    queue = outcomes.then(
      () => undefined,
      () => undefined
    );
    return outcomes;
  };
}

/** An export may repeat a resource (overlapping files): the first copy of each type/id counts. */
function distinct(resources: readonly FhirResource[]): FhirResource[] {
  const seen = new Set<string>();
  return resources.filter((resource) => {
    if (resource.id === undefined) {
      return true;
    }
    const key = `${resource.resourceType}/${resource.id}`;
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

/** Input problems are the user's to fix; anything else is a fault of this patient's evaluation, said so. */
function reason(error: unknown): string {
  if (error instanceof InputError) {
    return error.message;
  }
  if (errorCode(error) === 'D1012') {
    return 'its evaluation ran out of time twice (EVALUATION_TIMEOUT_MS); on a busy machine, give it more time';
  }
  return `the evaluation failed (${error instanceof Error ? error.message : String(error)}); this is a bug, please report it`;
}
