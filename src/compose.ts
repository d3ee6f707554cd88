import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { createApp, type Readiness } from './app.js';
import { createClientAuth, noClientAuth } from './auth/client-auth.js';
import type { JwksCachePolicy } from './auth/client-keys.js';
import { RedisReplayStore } from './auth/redis-replay-store.js';
import { MemoryReplayStore, type ReplayStore } from './auth/replay-store.js';
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
  /** JWT `jti` store; default: Redis when REDIS_URL is set, else in memory. Used only when AUTH_MODE=required. */
  readonly replayStore?: ReplayStore;
  readonly jwksCachePolicy?: JwksCachePolicy;
  /** Epoch ms for token time checks; tests move it instead of sleeping. */
  readonly now?: () => number;
}

export interface ComposedService {
  readonly app: Express;
  readonly knowledge: Knowledge;
  readonly pipeline: PipelineDeps;
  readonly readiness: Readiness;
  readonly feedbackStore: FeedbackStore;
  readonly logger: Logger;
  /** Warms every service on a synthetic patient and waits for the stores, then marks the service ready. */
  warm(): Promise<void>;
  /** Releases the stores (graceful shutdown). */
  close(): Promise<void>;
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
    observer: parts.observer ?? silentObserver,
  };
  const feedbackStore = parts.feedbackStore ?? new MemoryFeedbackStore();
  const readiness: Readiness = { ready: false };
  // The jti store exists only when clients are authenticated; Redis when instances must share it.
  const replayStore =
    config.auth.mode === 'off'
      ? undefined
      : (parts.replayStore ??
        (config.redisUrl === undefined
          ? new MemoryReplayStore(parts.now === undefined ? {} : { now: parts.now })
          : new RedisReplayStore(config.redisUrl, logger)));
  let clientAuth = noClientAuth;
  if (replayStore !== undefined) {
    try {
      clientAuth = createClientAuth(config.auth, config, {
        logger,
        replayStore,
        ...(parts.jwksCachePolicy === undefined ? {} : { jwksCachePolicy: parts.jwksCachePolicy }),
        ...(parts.now === undefined ? {} : { now: parts.now }),
      });
    } catch (error) {
      // A bad trusted-clients file stops start-up; a Redis connection already opened must not keep it alive.
      void replayStore.close().catch(() => undefined);
      throw error;
    }
  }
  const app = createApp({ config, knowledge, validators, pipeline, feedbackStore, logger, readiness, clientAuth });
  return {
    app,
    knowledge,
    pipeline,
    readiness,
    feedbackStore,
    logger,
    async warm() {
      await warmUp(knowledge.services.values(), { ...pipeline, observer: silentObserver });
      await replayStore?.ready();
      readiness.ready = true;
    },
    async close() {
      await Promise.allSettled([feedbackStore.close(), replayStore?.close()]);
    },
  };
}
