import express, { type RequestHandler } from 'express';
import { assertJsonDepth } from './json-depth.js';

/** Thrown for a JSON body in another charset than UTF-8; mapped to 415 like body-parser's own charset error. */
class NotUtf8 extends Error {
  readonly type = 'charset.unsupported';
}

/**
 * The JSON body parser: `application/json` and `application/*+json`, strict (objects and arrays only), the
 * configured size limit, and a nesting limit checked on the raw bytes before parsing. Only UTF-8 is accepted
 * (RFC 8259 section 8.1: JSON exchanged between systems "MUST be encoded using UTF-8"), which is also what
 * makes the byte-level depth check exact.
 */
export function jsonBody(options: { readonly limitBytes: number; readonly maxDepth: number }): RequestHandler {
  return express.json({
    // The default 100 kB limit rejects ordinary prefetch (docs/performance.md); the limit is deliberate.
    limit: options.limitBytes,
    strict: true,
    type: ['application/json', 'application/*+json'],
    verify: (_req, _res, body, encoding) => {
      if (!/^utf-?8$/i.test(encoding)) {
        throw new NotUtf8('JSON must be UTF-8');
      }
      assertJsonDepth(body, options.maxDepth);
    },
  });
}

/**
 * The same body, unparsed: for the service-call route, whose evaluation (in a worker thread by default) parses it
 * and checks its nesting (src/service-call/evaluate-call.ts). Same types, size limit and UTF-8 rule; `req.body` is
 * a Buffer. Mounted before `jsonBody`, which then leaves the request alone.
 */
export function rawJsonBody(limitBytes: number): RequestHandler {
  return express.raw({
    limit: limitBytes,
    type: ['application/json', 'application/*+json'],
    verify: (req) => {
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
      if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
        throw new NotUtf8('JSON must be UTF-8');
      }
    },
  });
}
