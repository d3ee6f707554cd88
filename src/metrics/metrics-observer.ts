import type { PipelineObserver } from '../call-service.js';
import type { ServiceMetrics } from './service-metrics.js';

/** Feeds the pipeline's stage timings, FHIR fetch outcomes, cards and rule failures into the Prometheus metrics. */
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
    ruleFailed(_service, ruleId) {
      metrics.ruleFailures.inc({ rule: ruleId });
    },
  };
}
