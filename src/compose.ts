import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { createApp, type Readiness } from './app.js';
import { MappingError } from './mapping/jsonata-runtime.js';
import { silentObserver, systemClock, type Clock, type PipelineDeps, type PipelineObserver } from './call-service.js';
import { createRequestValidators } from './cds-hooks/validate.js';
import type { Config } from './config.js';
import type { FeedbackStore } from './feedback/feedback-store.js';
import { MemoryFeedbackStore } from './feedback/feedback-store.js';
import { createFhirKitReader } from './fhir/fhir-kit-reader.js';
import type { FhirReaderFactory } from './fhir/fhir-reader.js';
import { loadKnowledge, type Knowledge } from './knowledge/load-knowledge.js';
import { createLogger } from './logger.js';
import { warmUp } from './warm-up.js';

/** Replaceable parts of the service (tests, CLI and benchmarks pass their own). */
export interface ServiceParts {
  readonly logger?: Logger;
  readonly feedbackStore?: FeedbackStore;
  readonly readerFor?: FhirReaderFactory;
  readonly clock?: Clock;
  readonly newId?: () => string;
  readonly observer?: PipelineObserver;
  readonly knowledge?: Knowledge;
}

export interface ComposedService {
  readonly app: Express;
  readonly knowledge: Knowledge;
  readonly pipeline: PipelineDeps;
  readonly readiness: Readiness;
  readonly feedbackStore: FeedbackStore;
  readonly logger: Logger;
  /** Warms every service on a synthetic patient, then marks the service ready (GET /readyz). */
  warm(): Promise<void>;
}

/** The composition root: knowledge, validators, pipeline and app, wired once. */
export function composeService(config: Config, parts: ServiceParts = {}): ComposedService {
  const logger = parts.logger ?? createLogger(config.logLevel);
  const knowledge =
    parts.knowledge ??
    loadKnowledge({
      knowledgeDir: config.knowledgeDir,
      siteConfigFile: config.siteConfigFile,
      guardrails: { timeoutMs: config.evaluationTimeoutMs, stackDepth: 500 },
    });
  const validators = createRequestValidators({
    maxBundleEntries: config.maxBundleEntries,
    maxPrefetchKeys: config.maxPrefetchKeys,
    maxFeedbackItems: config.maxFeedbackItems,
  });
  const pipeline: PipelineDeps = {
    knowledge,
    readerFor: parts.readerFor ?? createFhirKitReader,
    clock: parts.clock ?? systemClock,
    newId: parts.newId ?? randomUUID,
    fetchDeadlineMs: config.fetchDeadlineMs,
    fetchPageLimit: config.fetchPageLimit,
    observer: logRuleFailures(parts.observer ?? silentObserver, logger),
  };
  const feedbackStore = parts.feedbackStore ?? new MemoryFeedbackStore();
  const readiness: Readiness = { ready: false };
  const app = createApp({ config, knowledge, validators, pipeline, feedbackStore, logger, readiness });
  return {
    app,
    knowledge,
    pipeline,
    readiness,
    feedbackStore,
    logger,
    async warm() {
      await warmUp(knowledge.services.values(), { ...pipeline, observer: silentObserver });
      readiness.ready = true;
    },
  };
}

/**
 * Rule failures are logged as well as observed: the rule id and the error's code only, because a JSONata error
 * message can quote the data it was evaluating.
 */
function logRuleFailures(observer: PipelineObserver, logger: Logger): PipelineObserver {
  return {
    stage: (service, stage, seconds) => {
      observer.stage(service, stage, seconds);
    },
    fetch: (outcome) => {
      observer.fetch(outcome);
    },
    card: (service, ruleId, indicator, cardUuid) => {
      observer.card(service, ruleId, indicator, cardUuid);
    },
    ruleFailed: (service, ruleId, error) => {
      const code = error instanceof MappingError ? error.code : 'unexpected';
      logger.error({ cdsService: service, ruleId, code }, 'rule condition failed; rule skipped for this request');
      observer.ruleFailed(service, ruleId, error);
    },
  };
}
