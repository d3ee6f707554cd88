import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authConfig, type AuthConfig } from './config/auth-config.js';
import {
  bytes,
  choice,
  ConfigError,
  flag,
  integer,
  optional,
  postgresUrl,
  url,
  type Env,
} from './config/env-readers.js';
import type { ExpressionEngine } from './mapping/jsonata-runtime.js';
import { smartConfig, type SmartConfig } from './config/smart-config.js';

export { ASYMMETRIC_ALGORITHMS, type AuthConfig, type JwsAlgorithm } from './config/auth-config.js';
export { ConfigError } from './config/env-readers.js';

/**
 * Service configuration: read from the environment once, in the entry file, validated here, then passed down.
 * Every setting has a safe default so that `npm start` runs on embedded defaults. README "Configuration" lists them.
 */
export interface Config {
  readonly mode: 'development' | 'production';
  readonly port: number;
  readonly host: string;
  /** Absolute base URL clients call (JWT `aud`, card links). Unset: derived from each request in development. */
  readonly publicBaseUrl: string | undefined;
  /** Directory holding hooks/, cards/ and mappings/. */
  readonly knowledgeDir: string;
  /** JSON file with per-site overrides: rule switches, look-backs, rule settings (docs/operations.md). */
  readonly siteConfigFile: string | undefined;
  readonly bodyLimitBytes: number;
  readonly maxBundleEntries: number;
  readonly maxPrefetchKeys: number;
  readonly maxFeedbackItems: number;
  /** One deadline for all FHIR calls of a request. */
  readonly fetchDeadlineMs: number;
  readonly fetchPageLimit: number;
  /** Browser origins allowed by CORS; `undefined` in development means "any origin" (for the CDS Hooks Sandbox). */
  readonly corsOrigins: readonly string[] | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Mapping and rule evaluation time limit (JSONata guardrail), ms. */
  readonly evaluationTimeoutMs: number;
  /** What evaluates the knowledge's JSONata: the compiled evaluator (default) or jsonata's own. */
  readonly expressionEngine: ExpressionEngine;
  /** Directory of the embedded (file) feedback store; used when `databaseUrl` is unset. */
  readonly feedbackDir: string;
  /** PostgreSQL connection string; when set, feedback is kept in PostgreSQL instead of `feedbackDir`. */
  readonly databaseUrl: string | undefined;
  /** PostgreSQL schema for the service's tables (created if missing); unset: the server's search_path. */
  readonly databaseSchema: string | undefined;
  /** When set, GET /metrics requires `Authorization: Bearer <token>`; unset: open in development only. */
  readonly metricsToken: string | undefined;
  /** Deepest JSON nesting accepted in a request body; deeper bodies get 400 before they are parsed. */
  readonly maxJsonDepth: number;
  /**
   * Worker threads that evaluate service calls (0: on the main thread). Default: one per core up to
   * DEFAULT_WORKERS_CAP, so that a large request never holds up the others (docs/performance.md) without one
   * ~40 MB worker per core of a large host (docs/deployment.md "Sizing").
   */
  readonly workers: number;
  /** Heap limit of each worker thread, MB: one pathological request ends its worker, not the process. */
  readonly workerHeapMb: number;
  /**
   * Service calls that may wait per worker (the main thread counts as one when WORKERS=0); beyond them a call is
   * answered 503 at once (src/http/admission.ts). Undefined: no bound (WORKER_QUEUE_LIMIT=off, for comparison).
   */
  readonly workerQueueLimit: number | undefined;
  /** The embedded demo FHIR server under /fhir (README "Try it"); on by default in development only. */
  readonly demoFhir: boolean;
  /** Bearer token the demo FHIR server requires; never logged. */
  readonly demoFhirToken: string;
  /** The demo FHIR server also answers requests without a token (the CDS Hooks Sandbox sends none). */
  readonly demoFhirOpen: boolean;
  /** Client authentication (spec "Trusting CDS Clients"); docs/security.md. */
  readonly auth: AuthConfig;
  /** The SMART app under /smart/ (docs/smart-app.md). */
  readonly smart: SmartConfig;
  /** Redis for state shared between instances (the JWT `jti` replay cache); unset: in memory. */
  readonly redisUrl: string | undefined;
  /** Debug only: patient and user ids in the request log. Refused in production. Tokens are never logged. */
  readonly logPhi: boolean;
  /** Node http server limits (a slow or stalled client cannot hold a connection open for long). */
  readonly timeouts: {
    readonly requestMs: number;
    readonly headersMs: number;
    readonly keepAliveMs: number;
  };
}

/** The demo FHIR server's token when DEMO_FHIR_TOKEN is unset: a fixed development string, documented in the README. */
export const DEFAULT_DEMO_FHIR_TOKEN = 'demo-fhir-token';

/**
 * The directory holding hooks/, cards/ and mappings/: the nearest ancestor of this module that has them (the
 * repository root, whether the code runs from src/ with tsx, from dist/, or from a benchmark build).
 */
export function defaultKnowledgeDir(): string {
  let dir = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
  while (!['hooks', 'cards', 'mappings'].every((folder) => existsSync(join(dir, folder)))) {
    const parent = dirname(dir);
    if (parent === dir) {
      return resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
    }
    dir = parent;
  }
  return dir;
}

/**
 * The most worker threads started when WORKERS is unset. Each costs ~40 MB resident once warm (measured, see
 * docs/deployment.md "Sizing"), and Node 20 counts the host's cores, not a container's CPU limit: uncapped, a pod
 * with one CPU on a 64-core node would start 64 workers (2.5 GB) and be killed for memory. Beyond four, more
 * instances scale better than more threads, since the main thread reads every body and writes every answer.
 */
export const DEFAULT_WORKERS_CAP = 4;

export function defaultWorkers(cores: number): number {
  return Math.max(1, Math.min(cores, DEFAULT_WORKERS_CAP));
}

/**
 * NODE_ENV: production, or development and test (which share the development defaults). Anything else (`prod`,
 * `Production`, `staging`) is refused: silently taking it for development would switch authentication off.
 */
function serviceMode(env: Env): 'development' | 'production' {
  // Exactly, not trimmed: libraries that read NODE_ENV themselves (express) compare it exactly too.
  const raw = env['NODE_ENV'] === undefined || env['NODE_ENV'] === '' ? 'development' : env['NODE_ENV'];
  if (raw !== 'production' && raw !== 'development' && raw !== 'test') {
    throw new ConfigError('NODE_ENV', `'${raw}' is not production, development or test`);
  }
  return raw === 'production' ? 'production' : 'development';
}

/**
 * HOST: an IP address or a host name (RFC 1123 letters, digits, hyphens and dots). A URL or `host:port` is refused
 * here; an address that is not this machine's is refused when the server listens (src/start-up-error.ts).
 */
function host(env: Env): string {
  const raw = optional(env, 'HOST') ?? '0.0.0.0';
  if (isIP(raw) === 0 && !/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(raw)) {
    throw new ConfigError('HOST', `'${raw}' is not an IP address or a host name (no scheme, no port)`);
  }
  return raw;
}

export function parseConfig(env: Env): Config {
  const mode = serviceMode(env);
  const logLevel = env['LOG_LEVEL'] ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `'${logLevel}' is not a pino level`);
  }
  const origins = env['CORS_ORIGINS'];
  const corsOrigins =
    origins === undefined || origins.trim() === ''
      ? mode === 'production'
        ? []
        : undefined
      : origins
          .split(',')
          .map((o) => o.trim())
          .filter((o) => o !== '');
  if (corsOrigins?.includes('*') === true) {
    throw new ConfigError(
      'CORS_ORIGINS',
      "'*' is not allowed; list the origins (leave unset in development for any origin)"
    );
  }
  const databaseSchema = optional(env, 'DATABASE_SCHEMA');
  if (databaseSchema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(databaseSchema)) {
    throw new ConfigError('DATABASE_SCHEMA', `'${databaseSchema}' is not a lower-case SQL identifier`);
  }
  const metricsToken = optional(env, 'METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < 16) {
    throw new ConfigError('METRICS_TOKEN', 'must be at least 16 characters (a random secret)');
  }
  const publicBaseUrl = url(env, 'PUBLIC_BASE_URL');
  const logPhi = flag(env, 'LOG_PHI', false);
  if (logPhi && mode === 'production') {
    throw new ConfigError('LOG_PHI', 'is a debugging aid and is refused in production');
  }
  const redisUrl = env['REDIS_URL'] === undefined || env['REDIS_URL'].trim() === '' ? undefined : env['REDIS_URL'];
  if (redisUrl !== undefined && !/^rediss?:\/\/\S+$/.test(redisUrl)) {
    throw new ConfigError('REDIS_URL', 'is not a redis:// or rediss:// URL');
  }
  const requestMs = integer(env, 'REQUEST_TIMEOUT_MS', 30_000, 1000, 600_000);
  const headersMs = integer(env, 'HEADERS_TIMEOUT_MS', 10_000, 500, 600_000);
  if (headersMs > requestMs) {
    throw new ConfigError('HEADERS_TIMEOUT_MS', `must not exceed REQUEST_TIMEOUT_MS (${String(requestMs)})`);
  }
  const demoFhir = flag(env, 'DEMO_FHIR', mode === 'development');
  const demoFhirToken = env['DEMO_FHIR_TOKEN'] ?? DEFAULT_DEMO_FHIR_TOKEN;
  if (!/^[A-Za-z0-9._~+/-]{8,512}=*$/.test(demoFhirToken)) {
    throw new ConfigError('DEMO_FHIR_TOKEN', 'must be 8 to 512 characters of a bearer token (letters, digits, -._~+/)');
  }
  // A production deployment that switches the demo on must choose its own token, not the documented one.
  if (mode === 'production' && demoFhir && demoFhirToken === DEFAULT_DEMO_FHIR_TOKEN) {
    throw new ConfigError('DEMO_FHIR_TOKEN', 'set your own token to run the demo FHIR server in production');
  }
  return {
    mode,
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: host(env),
    publicBaseUrl,
    knowledgeDir: env['KNOWLEDGE_DIR'] ?? defaultKnowledgeDir(),
    siteConfigFile: env['SITE_CONFIG'] === undefined || env['SITE_CONFIG'] === '' ? undefined : env['SITE_CONFIG'],
    bodyLimitBytes: bytes(env, 'BODY_LIMIT', 12 * 1024 * 1024),
    maxBundleEntries: integer(env, 'MAX_BUNDLE_ENTRIES', 20_000, 1, 1_000_000),
    maxPrefetchKeys: integer(env, 'MAX_PREFETCH_KEYS', 50, 1, 1000),
    maxFeedbackItems: integer(env, 'MAX_FEEDBACK_ITEMS', 500, 1, 100_000),
    fetchDeadlineMs: integer(env, 'FHIR_DEADLINE_MS', 1500, 50, 60_000),
    fetchPageLimit: integer(env, 'FHIR_PAGE_LIMIT', 20, 1, 1000),
    corsOrigins,
    logLevel: logLevel as Config['logLevel'],
    evaluationTimeoutMs: integer(env, 'EVALUATION_TIMEOUT_MS', 1000, 10, 60_000),
    expressionEngine: choice(env, 'EXPRESSION_ENGINE', ['compiled', 'jsonata'], 'compiled'),
    // Relative to the working directory, like every relative path an operator types.
    feedbackDir: resolve(optional(env, 'FEEDBACK_DIR') ?? join('data', 'feedback')),
    databaseUrl: postgresUrl(env, 'DATABASE_URL'),
    databaseSchema,
    metricsToken,
    maxJsonDepth: integer(env, 'MAX_JSON_DEPTH', 64, 8, 512),
    workers: integer(env, 'WORKERS', defaultWorkers(availableParallelism()), 0, 64),
    workerHeapMb: integer(env, 'WORKER_HEAP_MB', 1024, 128, 16_384),
    workerQueueLimit:
      optional(env, 'WORKER_QUEUE_LIMIT') === 'off' ? undefined : integer(env, 'WORKER_QUEUE_LIMIT', 4, 0, 10_000),
    auth: authConfig(env, mode, publicBaseUrl),
    smart: smartConfig(env, mode),
    redisUrl,
    logPhi,
    timeouts: {
      requestMs,
      headersMs,
      keepAliveMs: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', 5000, 0, 600_000),
    },
    demoFhir,
    demoFhirToken,
    demoFhirOpen: flag(env, 'DEMO_FHIR_OPEN', false),
  };
}
