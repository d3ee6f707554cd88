import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { createApp, type Readiness } from './app.js';
import { MappingError } from './mapping/jsonata-runtime.js';
import { silentObserver, systemClock, type Clock, type PipelineDeps, type PipelineObserver } from './call-service.js';
import { createRequestValidators } from './cds-hooks/validate.js';
import type { Config } from './config.js';
import { createDemoFhirServer, type DemoFhirServer } from './demo/demo-fhir-server.js';
import { defaultDemoDir } from './demo/demo-data.js';
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
  /** Folder of the demo patients and orders (default: demo/ in the repository). */
  readonly demoDir?: string;
}

export interface ComposedService {
  readonly app: Express;
  readonly knowledge: Knowledge;
  readonly pipeline: PipelineDeps;
  readonly readiness: Readiness;
  readonly feedbackStore: FeedbackStore;
  readonly logger: Logger;
  /** The embedded demo FHIR server under /fhir, when DEMO_FHIR is on. */
  readonly demoFhir: DemoFhirServer | undefined;
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
  const clock = parts.clock ?? systemClock;
  const pipeline: PipelineDeps = {
    knowledge,
    readerFor: parts.readerFor ?? createFhirKitReader,
    clock,
    newId: parts.newId ?? randomUUID,
    fetchDeadlineMs: config.fetchDeadlineMs,
    fetchPageLimit: config.fetchPageLimit,
    observer: logRuleFailures(parts.observer ?? silentObserver, logger),
  };
  const feedbackStore = parts.feedbackStore ?? new MemoryFeedbackStore();
  const readiness: Readiness = { ready: false };
  const demoFhir = config.demoFhir
    ? createDemoFhirServer({
        token: config.demoFhirToken,
        open: config.demoFhirOpen,
        clock,
        dataDir: parts.demoDir ?? defaultDemoDir(),
        publicBaseUrl: config.publicBaseUrl,
      })
    : undefined;
  const app = createApp({
    config,
    knowledge,
    validators,
    pipeline,
    feedbackStore,
    logger,
    readiness,
    ...(demoFhir === undefined ? {} : { demoFhir: demoFhir.router }),
  });
  return {
    app,
    knowledge,
    pipeline,
    readiness,
    feedbackStore,
    logger,
    demoFhir,
    async warm() {
      await Promise.all([
        warmUp(knowledge.services.values(), { ...pipeline, observer: silentObserver }),
        demoFhir?.ready(),
      ]);
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
