import { randomUUID } from 'node:crypto';
import type { FhirResource } from 'fhir/r4';
import { callService, silentObserver, type Clock, type PipelineDeps, type PipelineObserver } from '../call-service.js';
import type { CdsRequest, CdsResponse, HookName } from '../cds-hooks/types.js';
import type { Config } from '../config.js';
import { CdsError } from '../errors.js';
import { FetchFailure } from '../fhir/fhir-reader.js';
import { configuredKnowledge, requestValidatorsFor } from '../configured.js';
import type { Knowledge } from '../knowledge/load-knowledge.js';
import { bundleRequest } from './bundle-request.js';
import { InputError } from './cli-error.js';

/**
 * The service's pipeline (`callService`) without HTTP and without network: the same knowledge, site configuration,
 * request validation and rules, on data the CLI reads from files. A FHIR fetch is never needed (every prefetch key is
 * supplied) and never attempted.
 */
export interface OfflinePipeline {
  readonly knowledge: Knowledge;
  readonly today: string;
  evaluate(
    resources: readonly FhirResource[],
    what: string,
    hook: HookName,
    orders?: readonly FhirResource[]
  ): Promise<Evaluated>;
}

export interface Evaluated {
  readonly patientId: string;
  readonly patientName: string | undefined;
  readonly response: CdsResponse;
}

const offline = (): never => {
  throw new FetchFailure('refused', 'the CLI works offline');
};

/** `observer` is told what the service's observer would be told (a rule that failed, say); by default nobody is. */
export function offlinePipeline(
  config: Config,
  clock: Clock,
  observer: PipelineObserver = silentObserver
): OfflinePipeline {
  const knowledge = configuredKnowledge(config);
  const validators = requestValidatorsFor(config);
  const deps: PipelineDeps = {
    knowledge,
    readerFor: () => ({ get: offline }),
    clock,
    newId: randomUUID,
    fetchDeadlineMs: config.fetchDeadlineMs,
    fetchPageLimit: config.fetchPageLimit,
    observer,
  };
  const publicBaseUrl = config.publicBaseUrl ?? `http://localhost:${String(config.port)}`;
  return {
    knowledge,
    today: clock.today(),
    async evaluate(resources, what, hook, orders) {
      const service = [...knowledge.services.values()].find((s) => s.definition.hook === hook);
      if (service === undefined) {
        throw new InputError(`No CDS service answers ${hook} here.`);
      }
      const built = bundleRequest(resources, what, { hook, service, ...(orders === undefined ? {} : { orders }) });
      try {
        const request: CdsRequest = validators.request(built.body, hook);
        const { response } = await callService(service, request, deps, publicBaseUrl);
        return { patientId: built.patientId, patientName: built.patientName, response };
      } catch (error) {
        if (error instanceof CdsError) {
          const where = error.issues.flatMap((i) => i.expression ?? []).join(', ');
          throw new InputError(`${what}: ${error.message}${where === '' ? '' : ` (${where})`}`);
        }
        throw error;
      }
    },
  };
}
