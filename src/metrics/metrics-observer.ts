import type { PipelineObserver } from '../call-service.js';
import type { ServiceMetrics } from './service-metrics.js';

/** Feeds the pipeline's stage timings, FHIR fetch outcomes and cards into the Prometheus metrics. */
export function metricsObserver(metrics: ServiceMetrics): PipelineObserver {
  return {
    stage(service, stage, seconds) {
      metrics.stageSeconds.observe({ service, stage }, seconds);
    },
    fetch(outcome) {
      metrics.fhirFetches.inc({ outcome });
    },
    card(_service, ruleId, indicator) {
      metrics.cards.inc({ rule: ruleId, indicator });
    },
  };
}
