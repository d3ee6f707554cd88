import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { createApp, type Readiness } from './app.js';
import { createClientAuth, noClientAuth } from './auth/client-auth.js';
import type { JwksCachePolicy } from './auth/client-keys.js';
import { FileReplayStore, SEEN_JTIS_FILE } from './auth/file-replay-store.js';
import { RedisReplayStore } from './auth/redis-replay-store.js';
import { MemoryReplayStore, type ReplayStore } from './auth/replay-store.js';
import {
  combineObservers,
  silentObserver,
  systemClock,
  type Clock,
  type PipelineDeps,
  type PipelineObserver,
} from './call-service.js';
import type { Config } from './config.js';
import { cardLogObserver } from './feedback/card-log-observer.js';
import { createDemoFhirServer, type DemoFhirServer } from './demo/demo-fhir-server.js';
import { defaultDemoDir } from './demo/demo-data.js';
import type { FeedbackStore } from './feedback/feedback-store.js';
import { MemoryFeedbackStore } from './feedback/feedback-store.js';
import { FeedbackStoreError, openFeedbackStore } from './feedback/open-feedback-store.js';
import { createFhirKitReader } from './fhir/fhir-kit-reader.js';
import type { FhirReaderFactory } from './fhir/fhir-reader.js';
import type { Knowledge } from './knowledge/load-knowledge.js';
import { configuredKnowledge, requestValidatorsFor } from './configured.js';
import { createLogger } from './logger.js';
import { inlineCaller, workerCaller, type ServiceCaller } from './service-call/service-caller.js';
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
  /**
   * JWT `jti` store; default: Redis when REDIS_URL is set, else in memory (openService: in FEEDBACK_DIR when the file
   * feedback store is used). Used only when AUTH_MODE=required.
   */
  readonly replayStore?: ReplayStore;
  readonly jwksCachePolicy?: JwksCachePolicy;
  /** The time, epoch ms: token time checks and the cards-shown log. Tests move it instead of sleeping. */
  readonly now?: () => number;
  /** Where service calls are evaluated; default: on the main thread (openService starts the worker threads). */
  readonly caller?: ServiceCaller;
  /** Folder of the demo patients and orders (default: demo/ in the repository). */
  readonly demoDir?: string;
}

export interface ComposedService {
  readonly app: Express;
  readonly knowledge: Knowledge;
  readonly pipeline: PipelineDeps;
  readonly readiness: Readiness;
  readonly feedbackStore: FeedbackStore;
  readonly metrics: ServiceMetrics;
  readonly logger: Logger;
  readonly caller: ServiceCaller;
  /** The embedded demo FHIR server under /fhir, when DEMO_FHIR is on. */
  readonly demoFhir: DemoFhirServer | undefined;
  /** Warms every service on a synthetic patient and waits for the stores and workers, then marks it ready. */
  warm(): Promise<void>;
  /** Releases the stores and stops the workers (graceful shutdown). */
  close(): Promise<void>;
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
  // The embedded configuration keeps seen jtis beside the feedback files, so a restart does not forget them (a
  // replayed token stays refused); Redis when REDIS_URL is set. With PostgreSQL and no Redis: in memory (see
  // docs/security.md: several replicas need Redis anyway).
  const replayStore =
    parts.replayStore ??
    (config.auth.mode !== 'off' && config.redisUrl === undefined && config.databaseUrl === undefined
      ? await openFileReplayStore(config.feedbackDir, feedbackStore, parts.now)
      : undefined);
  // Worker threads build their own pipeline from the configuration, so injected pipeline parts keep the inline one.
  const injected = parts.knowledge !== undefined || parts.readerFor !== undefined || parts.clock !== undefined;
  const caller = parts.caller ?? (config.workers > 0 && !injected ? workerCaller(config, logger) : undefined);
  return composeService(config, {
    ...parts,
    logger,
    knowledge,
    feedbackStore,
    ...(caller === undefined ? {} : { caller }),
    ...(replayStore === undefined ? {} : { replayStore }),
  });
}

async function openFileReplayStore(
  dir: string,
  feedbackStore: FeedbackStore,
  now: (() => number) | undefined
): Promise<FileReplayStore> {
  try {
    return await FileReplayStore.open(dir, now === undefined ? {} : { now });
  } catch (error) {
    await feedbackStore.close().catch(() => undefined);
    throw new FeedbackStoreError(`jti store: ${dir}/${SEEN_JTIS_FILE} could not be opened`, { cause: error });
  }
}

/**
 * The composition root: knowledge, validators, pipeline, metrics and app, wired once. Synchronous, so tests build
 * apps cheaply; without a `feedbackStore` part it keeps feedback in memory (openService opens the real one).
 */
export function composeService(config: Config, parts: ServiceParts = {}): ComposedService {
  const logger = parts.logger ?? createLogger(config.logLevel);
  const knowledge = parts.knowledge ?? configuredKnowledge(config);
  const validators = requestValidatorsFor(config);
  const feedbackStore: FeedbackStore = parts.feedbackStore ?? new MemoryFeedbackStore();
  const metrics = parts.metrics ?? createServiceMetrics([...knowledge.services.keys()]);
  const clock = parts.clock ?? systemClock;
  const pipeline: PipelineDeps = {
    knowledge,
    readerFor: parts.readerFor ?? createFhirKitReader,
    clock,
    newId: parts.newId ?? randomUUID,
    fetchDeadlineMs: config.fetchDeadlineMs,
    fetchPageLimit: config.fetchPageLimit,
    // Rule failures are logged by the route, on the request's logger (src/http/cds-routes.ts).
    observer:
      parts.observer ??
      combineObservers(metricsObserver(metrics), cardLogObserver(feedbackStore, dateClock(parts.now))),
  };
  const caller =
    parts.caller ??
    inlineCaller({
      services: knowledge.services,
      validators,
      pipeline,
      maxJsonDepth: config.maxJsonDepth,
    });
  const readiness: Readiness = { ready: false };
  // The jti store exists only when clients are authenticated; Redis when instances must share it.
  const replayStore: ReplayStore | undefined =
    config.auth.mode === 'off'
      ? undefined
      : (parts.replayStore ??
        (config.redisUrl === undefined
          ? new MemoryReplayStore(parts.now === undefined ? {} : { now: parts.now })
          : new RedisReplayStore(config.redisUrl, logger)));
  // What /readyz checks once warm: the stores outside the process (src/http/readiness.ts).
  readiness.dependencies = [replayStore?.dependency, feedbackStore.dependency].filter((d) => d !== undefined);
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
  const demoFhir = config.demoFhir
    ? createDemoFhirServer({
        token: config.demoFhirToken,
        open: config.demoFhirOpen,
        clock,
        dataDir: parts.demoDir ?? defaultDemoDir(),
        publicBaseUrl: config.publicBaseUrl,
        // The SMART authorization server grants access without a login: never in production.
        smart: config.mode === 'development',
      })
    : undefined;
  const app = createApp({
    config,
    knowledge,
    validators,
    pipeline,
    feedbackStore,
    metrics,
    logger,
    readiness,
    clientAuth,
    caller,
    ...(demoFhir === undefined ? {} : { demoFhir: demoFhir.router }),
  });
  return {
    app,
    knowledge,
    pipeline,
    readiness,
    feedbackStore,
    metrics,
    logger,
    caller,
    demoFhir,
    async warm() {
      // Silent: the synthetic patient's cards are neither metrics nor cards shown. Worker threads warm themselves.
      if (parts.caller === undefined) {
        await warmUp(knowledge.services.values(), { ...pipeline, observer: silentObserver });
      }
      await Promise.all([replayStore?.ready(), caller.ready(), demoFhir?.ready()]);
      readiness.ready = true;
    },
    async close() {
      await Promise.allSettled([feedbackStore.close(), replayStore?.close(), caller.close()]);
    },
  };
}

/** The cards-shown log takes Dates; the parts give epoch milliseconds. */
function dateClock(now: (() => number) | undefined): (() => Date) | undefined {
  return now === undefined ? undefined : () => new Date(now());
}
