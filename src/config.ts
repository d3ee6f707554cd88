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
  /** The embedded demo FHIR server under /fhir (README "Try it"); on by default in development only. */
  readonly demoFhir: boolean;
  /** Bearer token the demo FHIR server requires; never logged. */
  readonly demoFhirToken: string;
  /** The demo FHIR server also answers requests without a token (the CDS Hooks Sandbox sends none). */
  readonly demoFhirOpen: boolean;
}

/** The demo FHIR server's token when DEMO_FHIR_TOKEN is unset: a fixed development string, documented in the README. */
export const DEFAULT_DEMO_FHIR_TOKEN = 'demo-fhir-token';

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

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') {
    return fallback;
  }
  if (['true', '1', 'on', 'yes'].includes(raw)) {
    return true;
  }
  if (['false', '0', 'off', 'no'].includes(raw)) {
    return false;
  }
  throw new ConfigError(name, `'${env[name] ?? ''}' is not true or false`);
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
    demoFhir,
    demoFhirToken,
    demoFhirOpen: flag(env, 'DEMO_FHIR_OPEN', false),
  };
}
