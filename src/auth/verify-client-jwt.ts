import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { JwsAlgorithm } from '../config.js';
import { CdsError } from '../errors.js';
import { AuthFailure, type AuthFailureReason, type UnverifiedFields } from './auth-failure.js';
import type { ClientIdentity } from './client-identity.js';
import { clientKeys } from './client-keys.js';
import { ReplayStoreUnavailable, type ReplayStore } from './replay-store.js';
import type { TrustedClient } from './trusted-clients.js';

export interface ClientJwtVerifierOptions {
  readonly clients: ReadonlyMap<string, TrustedClient>;
  /** Algorithms for clients that do not name their own (JWT_ALGORITHMS). */
  readonly algorithms: readonly JwsAlgorithm[];
  readonly clockSkewSeconds: number;
  readonly maxTokenAgeSeconds: number;
  readonly replayStore: ReplayStore;
  readonly remoteJwks: (url: string) => JWTVerifyGetKey;
  /** Epoch ms; injectable so that tests need no sleeping. */
  readonly now?: () => number;
}

export interface ClientJwtVerifier {
  /**
   * Verifies a client JWT for a call to `audience` (the absolute URL of the endpoint called). Resolves to the
   * client's identity or rejects with an AuthFailure (or a 503 CdsError when the replay store cannot answer).
   */
  verify(token: string, audience: string): Promise<ClientIdentity>;
}

const MAX_TOKEN_LENGTH = 16 * 1024;
/** Longest a token may still be valid when it is checked (`exp` minus now), before the clock skew is added. */
export const MAX_LIFETIME_SECONDS = 300;
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Spec "Trusting CDS Clients", every check in order: the header (alg, kid, typ, jku) before any key is looked up,
 * then `iss` against the trusted clients, the signature with that client's keys (jose), the claims (`exp`, `iat`,
 * `nbf` with a small skew; `aud` = the endpoint called; `jti`; `tenant`) and last the replay check, so that only
 * authentic tokens ever take a place in the replay store.
 */
export function createClientJwtVerifier(options: ClientJwtVerifierOptions): ClientJwtVerifier {
  const now = options.now ?? Date.now;
  const keysOf = new Map<string, JWTVerifyGetKey>(
    [...options.clients.values()].map((client) => [client.iss, clientKeys(client, options.remoteJwks)])
  );

  return {
    async verify(token, audience) {
      if (token.length > MAX_TOKEN_LENGTH || !JWS_COMPACT.test(token)) {
        throw new AuthFailure('malformed-token', 'not a JWS in compact serialization');
      }
      const { header, payload } = decodeUnverified(token);
      const fields: UnverifiedFields = {
        ...(typeof header.alg === 'string' ? { alg: clip(header.alg) } : {}),
        ...(typeof header.kid === 'string' ? { kid: clip(header.kid) } : {}),
        ...(typeof header.jku === 'string' ? { jku: clip(header.jku) } : {}),
        ...(typeof payload.iss === 'string' ? { iss: clip(payload.iss) } : {}),
      };
      const fail = (reason: AuthFailureReason, detail: string): AuthFailure => new AuthFailure(reason, detail, fields);

      const client = typeof payload.iss === 'string' ? options.clients.get(payload.iss) : undefined;
      const algorithms: readonly string[] = client?.algorithms ?? options.algorithms;
      // Spec "JWT Signing Algorithm": never `none`, never a symmetric algorithm; the allowed list has neither.
      if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
        throw fail('algorithm-not-allowed', `alg ${JSON.stringify(header.alg)} is not among ${algorithms.join(', ')}`);
      }
      if (typeof header.kid !== 'string' || header.kid === '') {
        throw fail('missing-header-field', 'the header has no kid (REQUIRED)');
      }
      if (typeof header.typ !== 'string' || header.typ.toUpperCase() !== 'JWT') {
        throw fail('missing-header-field', 'the header typ is not JWT (REQUIRED)');
      }
      if (client === undefined) {
        throw fail('unknown-issuer', 'iss is not a trusted client');
      }
      if (header.jku !== undefined && (typeof header.jku !== 'string' || !client.jku.includes(header.jku))) {
        throw fail('jku-not-allowlisted', 'the token names a jku that is not on its client allowlist');
      }

      let claims: Record<string, unknown>;
      try {
        const verified = await jwtVerify(token, keysOf.get(client.iss) as JWTVerifyGetKey, {
          algorithms: [...algorithms],
          issuer: client.iss,
          typ: 'JWT',
          // `sub` is checked below, where a testing-only client (the public Sandbox, which signs none) may omit it.
          requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti'],
          clockTolerance: options.clockSkewSeconds,
          // Also makes jose refuse an `iat` in the future (beyond the skew).
          maxTokenAge: options.maxTokenAgeSeconds,
          currentDate: new Date(now()),
        });
        claims = verified.payload;
      } catch (error) {
        throw fromJose(error, fields);
      }

      // A token is short-lived (the spec's example lives five minutes): one whose `exp` lies further ahead than that,
      // plus the skew, would stay usable long after its fresh `iat` was checked, so it is refused whatever its `iat`.
      const expiresIn = (claims['exp'] as number) - now() / 1000;
      if (expiresIn > MAX_LIFETIME_SECONDS + options.clockSkewSeconds) {
        throw fail('lifetime-too-long', `exp is more than ${String(MAX_LIFETIME_SECONDS)} s ahead`);
      }
      // `sub` (the client's id) is REQUIRED of every production client; the Sandbox's entry alone may omit it.
      const sub = claims['sub'];
      if (sub === undefined ? !client.subOptional : typeof sub !== 'string' || sub === '') {
        throw fail('missing-claim', 'sub is not a non-empty string');
      }

      // Spec: aud "SHALL be the URL of the CDS Service endpoint being invoked", a string or an array of strings.
      const aud = claims['aud'];
      const audiences = Array.isArray(aud) ? aud : [aud];
      if (!audiences.some((a) => typeof a === 'string' && sameEndpoint(a, audience))) {
        throw fail('wrong-audience', `aud does not name ${audience}`);
      }
      const jti = claims['jti'];
      if (typeof jti !== 'string' || jti === '' || jti.length > 512) {
        throw fail('missing-claim', 'jti is not a non-empty string');
      }
      const tenant = claims['tenant'];
      if (tenant !== undefined && (typeof tenant !== 'string' || tenant.length > 512)) {
        throw fail('tenant-not-allowed', 'tenant is not a string');
      }
      if (client.tenants !== undefined && (tenant === undefined || !client.tenants.includes(tenant))) {
        throw fail('tenant-not-allowed', 'tenant is not one this client may call for');
      }

      // The token is refused anyway once its exp or its maximum age has passed, so its jti need not outlive both.
      const iat = claims['iat'] as number;
      const exp = claims['exp'] as number;
      const acceptedUntilMs = (Math.min(exp, iat + options.maxTokenAgeSeconds) + options.clockSkewSeconds) * 1000;
      let first: boolean;
      try {
        first = await options.replayStore.claim(`${client.iss}\n${jti}`, acceptedUntilMs);
      } catch (error) {
        if (error instanceof ReplayStoreUnavailable) {
          throw new CdsError('not-ready', 'The service cannot authenticate requests at the moment; try again later.', {
            cause: error,
          });
        }
        throw error;
      }
      if (!first) {
        throw fail('replayed', 'this jti was already used');
      }
      return { iss: client.iss, tenant, jti };
    },
  };
}

function decodeUnverified(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  try {
    return {
      header: decodeProtectedHeader(token),
      payload: decodeJwt(token),
    };
  } catch {
    throw new AuthFailure('malformed-token', 'the header or payload is not base64url JSON');
  }
}

/** Maps jose's errors (documented classes and claim names, never message text) to the logged reasons. */
function fromJose(error: unknown, fields: UnverifiedFields): unknown {
  if (error instanceof AuthFailure) {
    return new AuthFailure(error.reason, error.message, fields);
  }
  const reasonOf = (): [AuthFailureReason, string] | undefined => {
    if (error instanceof errors.JWTExpired) {
      return error.claim === 'iat' ? ['too-old', 'iat is older than JWT_MAX_AGE_SECONDS'] : ['expired', 'exp passed'];
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.reason === 'missing') {
        return ['missing-claim', `${error.claim} is missing (REQUIRED)`];
      }
      switch (error.claim) {
        case 'iat':
          return ['issued-in-future', 'iat is in the future'];
        case 'nbf':
          return ['not-yet-valid', 'nbf is in the future'];
        case 'typ':
          return ['missing-header-field', 'typ is not JWT'];
        default:
          return ['missing-claim', `${error.claim} is not valid`];
      }
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return ['bad-signature', 'the signature does not verify'];
    }
    if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
      return ['unknown-key', 'no key of the client matches the token kid and alg'];
    }
    if (error instanceof errors.JOSEAlgNotAllowed) {
      return ['algorithm-not-allowed', 'the algorithm is not allowed for this key'];
    }
    if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
      return ['malformed-token', error.message];
    }
    if (error instanceof errors.JOSEError) {
      // Any other jose error is about the token itself (JOSENotSupported: a `crit` extension it does not know).
      return ['malformed-token', `${error.code}: ${error.message}`];
    }
    return undefined;
  };
  const mapped = reasonOf();
  return mapped === undefined ? error : new AuthFailure(mapped[0], mapped[1], fields);
}

/** Two endpoint URLs are the same endpoint when they differ at most in a trailing slash or in scheme/host case. */
export function sameEndpoint(a: string, b: string): boolean {
  const normalise = (url: string): string | undefined => {
    try {
      const parsed = new URL(url);
      return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}${parsed.search}`;
    } catch {
      return undefined;
    }
  };
  const left = normalise(a);
  return left !== undefined && left === normalise(b);
}

const clip = (text: string): string => (text.length > 200 ? `${text.slice(0, 200)}…` : text);
