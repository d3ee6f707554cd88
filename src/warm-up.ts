import { randomUUID } from 'node:crypto';
import { callService, type PipelineDeps } from './call-service.js';
import type { CdsRequest, HookName } from './cds-hooks/types.js';
import type { LoadedService } from './knowledge/load-knowledge.js';
import { checkEmptyValues } from './mapping/check-empty-values.js';

/**
 * Runs each service once on a synthetic patient before the service reports ready: JSONata's first evaluation in a
 * process is ~7x slower than warm ones (measured), and clinicians should not pay for it. First it checks the
 * mappings' declared empty values, which only an evaluation can (src/mapping/check-empty-values.ts).
 */
export async function warmUp(services: Iterable<LoadedService>, pipeline: PipelineDeps): Promise<void> {
  const all = [...services];
  // Before any answer: a wrong `empty` declaration would change answers silently, so it stops start-up here.
  await checkEmptyValues(
    pipeline.knowledge.mapping,
    { lookbacks: pipeline.knowledge.site.lookbacks },
    all.map((service) => service.definition.hook)
  );
  for (const service of all) {
    await callService(
      service,
      syntheticRequest(service.definition.hook, service),
      { ...pipeline, newId: randomUUID },
      'http://localhost'
    );
  }
}

function syntheticRequest(hook: HookName, service: LoadedService): CdsRequest {
  const patientId = 'warm-up';
  const prefetch = Object.fromEntries(
    service.prefetch.map((p) => [
      p.key,
      p.key === 'conditions'
        ? {
            resourceType: 'Bundle',
            type: 'searchset',
            entry: [
              {
                resource: {
                  resourceType: 'Condition',
                  id: 'warm-up-sle',
                  clinicalStatus: {
                    coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
                  },
                  code: { coding: [{ system: 'http://snomed.info/sct', code: '55464009' }] },
                  subject: { reference: `Patient/${patientId}` },
                },
              },
            ],
          }
        : null,
    ])
  );
  const draft = {
    resourceType: 'MedicationRequest',
    id: 'warm-up-order',
    status: 'draft',
    intent: 'order',
    subject: { reference: `Patient/${patientId}` },
    medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '7454' }] },
  };
  const context =
    hook === 'patient-view'
      ? { userId: 'Practitioner/warm-up', patientId }
      : {
          userId: 'Practitioner/warm-up',
          patientId,
          draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: draft }] },
          ...(hook === 'order-select' ? { selections: ['MedicationRequest/warm-up-order'] } : {}),
        };
  return { hook, hookInstance: randomUUID(), context, prefetch } as unknown as CdsRequest;
}
