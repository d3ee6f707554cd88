import cors from 'cors';
import type { RequestHandler } from 'express';

/**
 * CORS for browser CDS clients such as the CDS Hooks Sandbox (spec "Cross-Origin Resource Sharing").
 * - development without CORS_ORIGINS: any origin is reflected (never the `*` wildcard);
 * - otherwise only the configured origins; production without CORS_ORIGINS allows none (server-to-server only).
 * No credentials: the client JWT travels in the Authorization header, which preflight allows.
 */
export function corsMiddleware(allowed: readonly string[] | undefined): RequestHandler {
  return cors({
    origin:
      allowed === undefined
        ? true
        : (origin, callback) => {
            callback(null, origin !== undefined && allowed.includes(origin) ? origin : false);
          },
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Accept'],
    credentials: false,
    maxAge: 600,
    optionsSuccessStatus: 204,
  });
}
