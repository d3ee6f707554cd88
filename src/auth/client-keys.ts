import { createLocalJWKSet, createRemoteJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { AuthFailure } from './auth-failure.js';
import type { TrustedClient } from './trusted-clients.js';

/** How fetched JWK Sets are cached (jose `createRemoteJWKSet` options). */
export interface JwksCachePolicy {
  /** A fetched set is reused for this long, ms. */
  readonly maxAgeMs: number;
  /** After a fetch, an unknown `kid` triggers no new fetch for this long, ms: rotation without a fetch storm. */
  readonly cooldownMs: number;
  /** One fetch waits at most this long, ms. */
  readonly timeoutMs: number;
}

export const defaultJwksCachePolicy: JwksCachePolicy = { maxAgeMs: 10 * 60_000, cooldownMs: 30_000, timeoutMs: 3000 };

/**
 * The signing keys of one trusted client, as a jose key resolver: first the keys communicated out-of-band (the
 * trusted-clients file), then the JWK Set at the token's `jku`, and only when that exact URL is on the client's
 * allowlist (spec "Trusting CDS Clients": "allowlist of `iss` and `jku` urls"; a `jku` is never fetched otherwise).
 * `remoteJwks` gives one cached set per URL, shared by every client that lists it.
 */
export function clientKeys(client: TrustedClient, remoteJwks: (url: string) => JWTVerifyGetKey): JWTVerifyGetKey {
  const local = client.jwks === undefined ? undefined : createLocalJWKSet(client.jwks as JSONWebKeySet);
  return async (header, token) => {
    const jku = header.jku;
    if (jku !== undefined && !client.jku.includes(jku)) {
      // Also checked before verification starts; repeated here so that no path can fetch an unlisted URL.
      throw new AuthFailure('jku-not-allowlisted', 'the token names a jku that is not on its client allowlist');
    }
    if (local !== undefined) {
      try {
        return await local(header, token);
      } catch (error) {
        if (!(error instanceof errors.JWKSNoMatchingKey) || jku === undefined) {
          throw error;
        }
      }
    }
    if (jku === undefined) {
      throw new AuthFailure('unknown-key', 'no configured key matches the token kid, and the token names no jku');
    }
    try {
      return await remoteJwks(jku)(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
        throw error;
      }
      // Network failure, timeout, non-200 (redirects are not followed) or a body that is not a JWK Set.
      throw new AuthFailure('jwks-unavailable', `the JWK Set at the token jku could not be used (${describe(error)})`);
    }
  };
}

/** One remote JWK Set per allowlisted URL, created on first use and cached by jose (key rotation by `kid`). */
export function remoteJwksCache(policy: JwksCachePolicy): (url: string) => JWTVerifyGetKey {
  const sets = new Map<string, JWTVerifyGetKey>();
  return (url) => {
    let set = sets.get(url);
    if (set === undefined) {
      set = createRemoteJWKSet(new URL(url), {
        cacheMaxAge: policy.maxAgeMs,
        cooldownDuration: policy.cooldownMs,
        timeoutDuration: policy.timeoutMs,
      });
      sets.set(url, set);
    }
    return set;
  };
}

const describe = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : 'unknown');
