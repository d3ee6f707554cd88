import express, { type RequestHandler } from 'express';
import type { IncomingMessage } from 'node:http';
import { readBodyChunks } from './body-chunks.js';
import { assertJsonDepth } from './json-depth.js';

const JSON_TYPES = ['application/json', 'application/*+json'];
const UTF8 = /^utf-?8$/i;

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
    type: JSON_TYPES,
    verify: (_req, _res, body, encoding) => {
      if (!UTF8.test(encoding)) {
        throw new NotUtf8('JSON must be UTF-8');
      }
      assertJsonDepth(body, options.maxDepth);
    },
  });
}

/** The charset a Content-Type names, if any. */
function charsetOf(req: IncomingMessage): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
}

/** The Content-Length, if the request declares one. */
function declaredLength(req: IncomingMessage): number | undefined {
  const header = req.headers['content-length'];
  return header !== undefined && /^\d{1,15}$/.test(header) ? Number(header) : undefined;
}

/**
 * The same body, unparsed: for the service-call route, whose evaluation (in a worker thread by default) parses it
 * and checks its nesting (src/service-call/evaluate-call.ts). Same types, size limit and UTF-8 rule; `req.body` is
 * the body's chunks (src/http/body-chunks.ts). Mounted before `jsonBody`, which then leaves the request alone.
 *
 * An uncompressed UTF-8 JSON body of declared length within the limit, what EHRs send, is read here in its chunks;
 * anything else (compressed, chunked, over the limit, another charset, not JSON) goes through body-parser, which
 * reads, refuses and answers it as before and whose single buffer becomes the one chunk.
 */
export function rawJsonBody(limitBytes: number): RequestHandler {
  const bodyParser: RequestHandler = express.raw({
    limit: limitBytes,
    type: JSON_TYPES,
    verify: (req) => {
      const charset = charsetOf(req);
      if (charset !== undefined && !UTF8.test(charset)) {
        throw new NotUtf8('JSON must be UTF-8');
      }
    },
  });
  return (req, res, next) => {
    const length = declaredLength(req);
    const charset = charsetOf(req);
    const plain =
      length !== undefined &&
      length <= limitBytes &&
      (req.headers['content-encoding'] ?? 'identity').toLowerCase() === 'identity' &&
      (charset === undefined || UTF8.test(charset)) &&
      typeof req.is(JSON_TYPES) === 'string' &&
      !req.readableEnded &&
      !req.destroyed;
    if (!plain) {
      bodyParser(req, res, (error?: unknown) => {
        if (Buffer.isBuffer(req.body)) {
          req.body = [req.body];
        }
        next(error);
      });
      return;
    }
    readBodyChunks(req, length, (error, chunks) => {
      if (error !== undefined) {
        next(error);
        return;
      }
      req.body = chunks;
      next();
    });
  };
}
