/** Client authentication settings (spec "Trusting CDS Clients"): mode, trusted clients, algorithms, clock. */
import { ConfigError, flag, integer, type Env } from './env-readers.js';

/** Asymmetric JWS algorithms (RFC 7518, RFC 8037) that may be allowed; spec: never `none`, never HMAC. */
export const ASYMMETRIC_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
  'Ed25519',
] as const;
export type JwsAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

export interface AuthConfig {
  /** `required`: every call to a protected path carries a valid client JWT; `off`: no check (development). */
  readonly mode: 'off' | 'required';
  /** The trusted-clients JSON file (docs/security.md); set whenever mode is `required`. */
  readonly trustedClientsFile: string | undefined;
  /** Algorithms accepted unless a trusted client names its own. Spec: ES384 and RS384 are RECOMMENDED. */
  readonly algorithms: readonly JwsAlgorithm[];
  /** Tolerance for `exp`, `nbf` and `iat` against this server's clock, seconds. */
  readonly clockSkewSeconds: number;
  /** Oldest `iat` accepted, seconds: bounds how long a token (and its `jti` entry) lives, whatever its `exp`. */
  readonly maxTokenAgeSeconds: number;
}

function algorithms(env: Env): readonly JwsAlgorithm[] {
  const raw = env['JWT_ALGORITHMS'];
  if (raw === undefined || raw.trim() === '') {
    return ['ES384', 'RS384'];
  }
  const names = raw
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  for (const name of names) {
    // Spec "JWT Signing Algorithm": `none` and symmetric (HMAC) algorithms SHALL NOT be used.
    if (name.toLowerCase() === 'none' || /^HS\d+$/i.test(name)) {
      throw new ConfigError('JWT_ALGORITHMS', `'${name}' is never accepted (CDS Hooks forbids none and HMAC)`);
    }
    if (!(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(name)) {
      throw new ConfigError('JWT_ALGORITHMS', `'${name}' is not one of ${ASYMMETRIC_ALGORITHMS.join(', ')}`);
    }
  }
  if (names.length === 0) {
    throw new ConfigError('JWT_ALGORITHMS', 'names no algorithm');
  }
  return names as JwsAlgorithm[];
}

export function authConfig(
  env: Env,
  mode: 'development' | 'production',
  publicBaseUrl: string | undefined
): AuthConfig {
  const raw = (env['AUTH_MODE'] ?? '').trim();
  if (raw !== '' && raw !== 'off' && raw !== 'required') {
    throw new ConfigError('AUTH_MODE', `'${raw}' is not off or required`);
  }
  const authMode = raw === '' ? (mode === 'production' ? 'required' : 'off') : raw;
  if (authMode === 'off' && mode === 'production' && !flag(env, 'ALLOW_AUTH_OFF_IN_PRODUCTION', false)) {
    throw new ConfigError(
      'AUTH_MODE',
      'off is refused in production; set ALLOW_AUTH_OFF_IN_PRODUCTION=true only if something in front of the service authenticates every client'
    );
  }
  const trustedClientsFile = env['TRUSTED_CLIENTS'] === '' ? undefined : env['TRUSTED_CLIENTS'];
  if (authMode === 'required') {
    if (trustedClientsFile === undefined) {
      throw new ConfigError('TRUSTED_CLIENTS', 'is required when client authentication is on (AUTH_MODE=required)');
    }
    if (publicBaseUrl === undefined) {
      throw new ConfigError(
        'PUBLIC_BASE_URL',
        'is required when client authentication is on: each JWT `aud` must equal the URL of the endpoint called'
      );
    }
  }
  return {
    mode: authMode,
    trustedClientsFile,
    algorithms: algorithms(env),
    clockSkewSeconds: integer(env, 'JWT_CLOCK_SKEW_SECONDS', 60, 0, 300),
    maxTokenAgeSeconds: integer(env, 'JWT_MAX_AGE_SECONDS', 600, 10, 86_400),
  };
}
