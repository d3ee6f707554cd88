import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  /** JSON file with per-site overrides: rule switches, look-backs, rule settings (README "Site configuration"). */
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
  /** Directory of the embedded (file) feedback store; used when `databaseUrl` is unset. */
  readonly feedbackDir: string;
  /** PostgreSQL connection string; when set, feedback is kept in PostgreSQL instead of `feedbackDir`. */
  readonly databaseUrl: string | undefined;
  /** PostgreSQL schema for the service's tables (created if missing); unset: the server's search_path. */
  readonly databaseSchema: string | undefined;
  /** When set, GET /metrics requires `Authorization: Bearer <token>`; unset: open in development only. */
  readonly metricsToken: string | undefined;
}

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`Configuration ${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

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

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') {
    return fallback;
  }
  if (!/^\d+$/.test(raw.trim())) {
    throw new ConfigError(name, `'${raw}' is not a whole number`);
  }
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(name, `${String(value)} is outside ${String(min)}..${String(max)}`);
  }
  return value;
}

function bytes(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') {
    return fallback;
  }
  const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(raw.trim());
  if (match === null) {
    throw new ConfigError(name, `'${raw}' is not a size such as 12mb`);
  }
  const unit = (match[2] ?? 'b').toLowerCase();
  return Number(match[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1);
}

function url(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') {
    return undefined;
  }
  try {
    const parsed = new URL(raw);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new Error('not http(s)');
    }
  } catch {
    throw new ConfigError(name, `'${raw}' is not an absolute http(s) URL`);
  }
  return raw.replace(/\/+$/, '');
}

function postgresUrl(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') {
    return undefined;
  }
  // The value is never echoed back: a connection string may carry a password.
  let protocol: string;
  try {
    protocol = new URL(raw.trim()).protocol;
  } catch {
    throw new ConfigError(name, 'is not a URL such as postgres://user@host:5432/database');
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new ConfigError(name, 'must be a postgres:// or postgresql:// URL');
  }
  return raw.trim();
}

function optional(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

export function parseConfig(env: Env): Config {
  const rawMode = env['NODE_ENV'] ?? 'development';
  const mode = rawMode === 'production' ? 'production' : 'development';
  const logLevel = env['LOG_LEVEL'] ?? (mode === 'production' ? 'info' : 'info');
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
  return {
    mode,
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: env['HOST'] ?? '0.0.0.0',
    publicBaseUrl: url(env, 'PUBLIC_BASE_URL'),
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
    // Relative to the working directory, like every relative path an operator types.
    feedbackDir: resolve(optional(env, 'FEEDBACK_DIR') ?? join('data', 'feedback')),
    databaseUrl: postgresUrl(env, 'DATABASE_URL'),
    databaseSchema,
    metricsToken,
  };
}
