import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { AuthConfig } from '../config.js';
import { defaultJwksCachePolicy, remoteJwksCache, type JwksCachePolicy } from './client-keys.js';
import type { ReplayStore } from './replay-store.js';
import { requireClientJwt } from './require-client-jwt.js';
import { loadTrustedClients } from './trusted-clients.js';
import { createClientJwtVerifier } from './verify-client-jwt.js';

export interface ClientAuthParts {
  readonly logger: Logger;
  readonly replayStore: ReplayStore;
  readonly jwksCachePolicy?: JwksCachePolicy;
  /** Epoch ms (tests move time instead of sleeping). */
  readonly now?: () => number;
}

/** AUTH_MODE=off: no check and no identity; only for development or behind a gateway that authenticates. */
export const noClientAuth: RequestHandler = (_req, _res, next) => {
  next();
};

/**
 * The client-authentication middleware for AUTH_MODE=required, configured by TRUSTED_CLIENTS, JWT_* and
 * PUBLIC_BASE_URL (docs/security.md). Reads and checks the trusted-clients file: call at start-up only.
 */
export function createClientAuth(
  auth: AuthConfig,
  context: { readonly mode: 'development' | 'production'; readonly publicBaseUrl: string | undefined },
  parts: ClientAuthParts
): RequestHandler {
  if (auth.trustedClientsFile === undefined || context.publicBaseUrl === undefined) {
    // parseConfig refuses this combination; the check keeps the types honest.
    throw new Error('client authentication needs TRUSTED_CLIENTS and PUBLIC_BASE_URL');
  }
  const verifier = createClientJwtVerifier({
    clients: loadTrustedClients(auth.trustedClientsFile, { mode: context.mode }),
    algorithms: auth.algorithms,
    clockSkewSeconds: auth.clockSkewSeconds,
    maxTokenAgeSeconds: auth.maxTokenAgeSeconds,
    replayStore: parts.replayStore,
    remoteJwks: remoteJwksCache(parts.jwksCachePolicy ?? defaultJwksCachePolicy),
    ...(parts.now === undefined ? {} : { now: parts.now }),
  });
  return requireClientJwt({ verifier, publicBaseUrl: context.publicBaseUrl, logger: parts.logger });
}
