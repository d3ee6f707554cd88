/** Thrown from the JSON parser's `verify` hook; the error middleware recognises it by `type`, like body-parser's. */
export class JsonTooDeep extends Error {
  readonly type = 'entity.too.deep';
  constructor(limit: number) {
    super(`JSON nested deeper than ${String(limit)} levels`);
    this.name = 'JsonTooDeep';
  }
}

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * Refuses a UTF-8 JSON text nested deeper than `limit`, before it is parsed. `JSON.parse` itself copes with deep
 * nesting, but everything after it (schema validation, mappings, freezing, logging) may walk the value recursively,
 * and a body of 100,000 brackets would end as a stack overflow instead of a 400. One pass over the bytes without
 * allocation; string contents are skipped with a native search for the closing quote (most of a FHIR body is
 * strings). In UTF-8 every byte of a multi-byte character is >= 0x80, so brackets and quotes are never misread.
 * Malformed JSON is left to the parser.
 */
export function assertJsonDepth(body: Buffer, limit: number): void {
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (byte === QUOTE) {
      i = closingQuote(body, i + 1);
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (++depth > limit) {
        throw new JsonTooDeep(limit);
      }
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth--;
    }
  }
}

/** Index of the quote that closes a string starting at `from` (an unterminated string runs to the end). */
function closingQuote(body: Buffer, from: number): number {
  let at = body.indexOf(QUOTE, from);
  while (at !== -1) {
    let backslashes = 0;
    while (body[at - 1 - backslashes] === BACKSLASH) {
      backslashes++;
    }
    if (backslashes % 2 === 0) {
      return at;
    }
    at = body.indexOf(QUOTE, at + 1);
  }
  return body.length;
}

/**
 * Whether a parsed JSON value nests containers deeper than `limit`: for a service call, checked after parsing, where
 * it costs about a quarter of the byte scan above (measured in docs/performance.md). That order is safe because V8's
 * `JSON.parse` is iterative (a million nested brackets parse without a stack overflow) and this walk never recurses
 * more than `limit` + 1 levels; nothing walks the value recursively before it. The byte scan stays where a body is
 * parsed on the main thread (jsonBody): there it keeps a deep body from being parsed at all.
 */
export function nestsDeeper(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  if (limit === 0) {
    return true;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      if (nestsDeeper(item, limit - 1)) {
        return true;
      }
    }
    return false;
  }
  for (const key in value) {
    if (nestsDeeper((value as Record<string, unknown>)[key], limit - 1)) {
      return true;
    }
  }
  return false;
}
