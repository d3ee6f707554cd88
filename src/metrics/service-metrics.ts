import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { Stage } from '../call-service.js';
import type { FetchFailureReason } from '../fhir/fhir-reader.js';

/** 0.5 ms .. 2.5 s: the stages of a warm call take about a millisecond, a slow FHIR fetch seconds. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

const STAGES: readonly Stage[] = ['validate', 'gather', 'map', 'decide', 'render'];
const FETCH_OUTCOMES: readonly ('ok' | FetchFailureReason)[] = [
  'ok',
  'unauthorized',
  'timeout',
  'server-error',
  'malformed',
  'network',
  'refused',
];

/** Which endpoint a request reached (label `endpoint`); anything else, 404s included, is `other`. */
export type Endpoint = 'service' | 'feedback' | 'discovery' | 'analytics' | 'metrics' | 'other';

/**
 * The service's Prometheus metrics (docs/feedback-and-metrics.md). Label values come from the service's own
 * vocabulary (service and rule ids, stages, outcomes, status codes), never from request input, so cardinality stays
 * bounded.
 */
export interface ServiceMetrics {
  /** What GET /metrics exposes: these metrics and the process's. */
  readonly registry: Registry;
  readonly requests: Counter<'service' | 'endpoint' | 'status'>;
  readonly requestSeconds: Histogram<'service' | 'endpoint'>;
  readonly stageSeconds: Histogram<'service' | 'stage'>;
  readonly fhirFetches: Counter<'outcome'>;
  readonly cards: Counter<'rule' | 'indicator'>;
  readonly ruleFailures: Counter<'rule'>;
}

let processRegistry: Registry | undefined;

/**
 * Process metrics (CPU, memory, event-loop lag, GC) exist once per process, whatever the number of apps built in
 * it (tests build hundreds): each collector starts an event-loop monitor and a GC observer that never stop.
 */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** A dedicated registry per service instance, not prom-client's global one: many apps can live in one process. */
export function createServiceMetrics(serviceIds: readonly string[]): ServiceMetrics {
  const own = new Registry();
  const registers = [own];
  const metrics = {
    requests: new Counter({
      name: 'cds_requests_total',
      help: 'HTTP requests answered, by CDS Service id (none for other paths), endpoint and status code.',
      labelNames: ['service', 'endpoint', 'status'] as const,
      registers,
    }),
    requestSeconds: new Histogram({
      name: 'cds_request_duration_seconds',
      help: 'Time from receiving a request to the end of its response, by CDS Service id and endpoint.',
      labelNames: ['service', 'endpoint'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    stageSeconds: new Histogram({
      name: 'cds_stage_duration_seconds',
      help: 'Time spent in each pipeline stage of a CDS Service call (validate, gather, map, decide, render).',
      labelNames: ['service', 'stage'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    fhirFetches: new Counter({
      name: 'cds_fhir_fetch_total',
      help: "Reads from the CDS Client's FHIR server (prefetch fallback), by outcome; anything but ok is a failure.",
      labelNames: ['outcome'] as const,
      registers,
    }),
    cards: new Counter({
      name: 'cds_cards_total',
      help: 'Cards returned, by rule id (source.topic.code) and indicator.',
      labelNames: ['rule', 'indicator'] as const,
      registers,
    }),
    ruleFailures: new Counter({
      name: 'cds_rule_failures_total',
      help: 'Rule conditions that failed (guardrail or knowledge bug) and were skipped, by rule id; alert on any.',
      labelNames: ['rule'] as const,
      registers,
    }),
  };
  // Series that exist from the start, at zero, so that rates and alerts work before the first event.
  for (const outcome of FETCH_OUTCOMES) {
    metrics.fhirFetches.inc({ outcome }, 0);
  }
  for (const service of serviceIds) {
    for (const stage of STAGES) {
      metrics.stageSeconds.zero({ service, stage });
    }
  }
  return { registry: Registry.merge([own, processMetrics()]), ...metrics };
}
