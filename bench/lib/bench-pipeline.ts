/** The repository's knowledge and a pipeline for in-process benchmarks: fixed day, fixed ids, no metrics. */
import { callService, silentObserver, type PipelineDeps, type PipelineObserver } from '../../src/call-service.js';
import type { RequestValidators } from '../../src/cds-hooks/validate.js';
import { defaultKnowledgeDir } from '../../src/config.js';
import { createFhirKitReader } from '../../src/fhir/fhir-kit-reader.js';
import { loadKnowledge, type Knowledge, type LoadedService } from '../../src/knowledge/load-knowledge.js';
import type { ExpressionEngine } from '../../src/mapping/jsonata-runtime.js';

/** The synthetic patients' dates are relative to this day. */
export const BENCH_TODAY = '2026-06-01';

export function benchKnowledge(engine: ExpressionEngine = 'compiled'): Knowledge {
  // A generous guardrail: a 10,000-resource evaluation must not trip it on a busy machine.
  return loadKnowledge({
    knowledgeDir: defaultKnowledgeDir(),
    siteConfigFile: undefined,
    guardrails: { timeoutMs: 10_000, stackDepth: 500 },
    engine,
  });
}

export function benchPipeline(knowledge: Knowledge, observer: Partial<PipelineObserver> = {}): PipelineDeps {
  return {
    knowledge,
    readerFor: createFhirKitReader,
    clock: { today: () => BENCH_TODAY },
    newId: () => '00000000-0000-4000-8000-000000000000',
    fetchDeadlineMs: 5000,
    fetchPageLimit: 20,
    observer: { ...silentObserver, ...observer },
  };
}

export const PATIENT_VIEW = 'ctd-neuropathy-patient-view';

export function patientViewService(knowledge: Knowledge): LoadedService {
  const service = knowledge.services.get(PATIENT_VIEW);
  if (service === undefined) {
    throw new Error(`the knowledge has no service ${PATIENT_VIEW}`);
  }
  return service;
}

/**
 * The whole in-process handler of a patient-view call, what the route does once the bytes are in: `JSON.parse`,
 * schema validation, the pipeline, `JSON.stringify` of the answer.
 */
export function patientViewHandler(
  service: LoadedService,
  deps: PipelineDeps,
  validators: RequestValidators,
  text: string
): () => Promise<string> {
  return async () => {
    const request = validators.request(JSON.parse(text), 'patient-view');
    const { response } = await callService(service, request, deps, 'http://127.0.0.1:3000');
    return JSON.stringify(response);
  };
}
