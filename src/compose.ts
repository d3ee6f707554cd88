import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { createApp, type Readiness } from './app.js';
import {
  combineObservers,
  silentObserver,
  systemClock,
  type Clock,
  type PipelineDeps,
  type PipelineObserver,
} from './call-service.js';
import { MappingError } from './mapping/jsonata-runtime.js';
import { createRequestValidators } from './cds-hooks/validate.js';
import type { Config } from './config.js';
import { cardLogObserver } from './feedback/card-log-observer.js';
import type { FeedbackStore } from './feedback/feedback-store.js';
import { MemoryFeedbackStore } from './feedback/feedback-store.js';
import { openFeedbackStore } from './feedback/open-feedback-store.js';
import { createFhirKitReader } from './fhir/fhir-kit-reader.js';
import type { FhirReaderFactory } from './fhir/fhir-reader.js';
import { loadKnowledge, type Knowledge } from './knowledge/load-knowledge.js';
import { createLogger } from './logger.js';
import { metricsObserver } from './metrics/metrics-observer.js';
import { createServiceMetrics, type ServiceMetrics } from './metrics/service-metrics.js';
import { warmUp } from './warm-up.js';

/** Replaceable parts of the service (tests, CLI and benchmarks pass their own). */
export interface ServiceParts {
  readonly logger?: Logger;
  readonly feedbackStore?: FeedbackStore;
  readonly readerFor?: FhirReaderFactory;
  readonly clock?: Clock;
  readonly newId?: () => string;
  /** Replaces the metrics and cards-shown observer (both are wired by default). */
  readonly observer?: PipelineObserver;
  readonly knowledge?: Knowledge;
  readonly metrics?: ServiceMetrics;
  /** When cards are shown, for the cards-shown log. */
  readonly now?: () => Date;
}

export interface ComposedService {
  readonly app: Express;
  readonly knowledge: Knowledge;
  readonly pipeline: PipelineDeps;
  readonly readiness: Readiness;
  readonly feedbackStore: FeedbackStore;
  readonly metrics: ServiceMetrics;
  readonly logger: Logger;
  /** Warms every service on a synthetic patient, then marks the service ready (GET /readyz). */
  warm(): Promise<void>;
}

function configuredKnowledge(config: Config): Knowledge {
  return loadKnowledge({
    knowledgeDir: config.knowledgeDir,
    siteConfigFile: config.siteConfigFile,
    guardrails: { timeoutMs: config.evaluationTimeoutMs, stackDepth: 500 },
  });
}

/**
 * The service as `npm start` runs it: knowledge first (a bad file stops start-up before anything is opened), then
 * the configured feedback store (PostgreSQL or the file store; opening may fail with FeedbackStoreError), then
 * everything else.
 */
export async function openService(config: Config, parts: ServiceParts = {}): Promise<ComposedService> {
  const logger = parts.logger ?? createLogger(config.logLevel);
  const knowledge = parts.knowledge ?? configuredKnowledge(config);
  const feedbackStore = parts.feedbackStore ?? (await openFeedbackStore(config, logger));
  return composeService(config, { ...parts, logger, knowledge, feedbackStore });
}

/**
 * The composition root: knowledge, validators, pipeline, metrics and app, wired once. Synchronous, so tests build
 * apps cheaply; without a `feedbackStore` part it keeps feedback in memory (openService opens the real one).
 */
export function composeService(config: Config, parts: ServiceParts = {}): ComposedService {
  const logger = parts.logger ?? createLogger(config.logLevel);
  const knowledge = parts.knowledge ?? configuredKnowledge(config);
  const validators = createRequestValidators({
    maxBundleEntries: config.maxBundleEntries,
    maxPrefetchKeys: config.maxPrefetchKeys,
    maxFeedbackItems: config.maxFeedbackItems,
  });
  const feedbackStore = parts.feedbackStore ?? new MemoryFeedbackStore();
  const metrics = parts.metrics ?? createServiceMetrics([...knowledge.services.keys()]);
  const pipeline: PipelineDeps = {
    knowledge,
    readerFor: parts.readerFor ?? createFhirKitReader,
    clock: parts.clock ?? systemClock,
    newId: parts.newId ?? randomUUID,
    fetchDeadlineMs: config.fetchDeadlineMs,
    fetchPageLimit: config.fetchPageLimit,
    observer: combineObservers(
      parts.observer ?? combineObservers(metricsObserver(metrics), cardLogObserver(feedbackStore, parts.now)),
      ruleFailureLog(logger)
    ),
  };
  const readiness: Readiness = { ready: false };
  const app = createApp({ config, knowledge, validators, pipeline, feedbackStore, metrics, logger, readiness });
  return {
    app,
    knowledge,
    pipeline,
    readiness,
    feedbackStore,
    metrics,
    logger,
    async warm() {
      // Silent: the synthetic patient's cards are neither metrics nor cards shown.
      await warmUp(knowledge.services.values(), { ...pipeline, observer: silentObserver });
      readiness.ready = true;
    },
  };
}

/**
 * Rule failures are logged: the rule id and the error's code only, because a JSONata error message can quote the
 * data it was evaluating.
 */
function ruleFailureLog(logger: Logger): PipelineObserver {
  return {
    ...silentObserver,
    ruleFailed: (service, ruleId, error) => {
      const code = error instanceof MappingError ? error.code : 'unexpected';
      logger.error({ cdsService: service, ruleId, code }, 'rule condition failed; rule skipped for this request');
    },
  };
}
