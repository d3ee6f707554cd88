import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { ASYMMETRIC_ALGORITHMS, type JwsAlgorithm } from '../config.js';
import { checkSchema } from '../knowledge/check-schema.js';
import { KnowledgeError, readJsonFile } from '../knowledge/knowledge-error.js';

/** A public JSON Web Key as a trusted client publishes it (RFC 7517); only the fields read here are typed. */
export interface PublicJwk {
  readonly kty: string;
  readonly kid: string;
  readonly alg?: string;
  readonly use?: string;
  readonly [member: string]: unknown;
}

export interface PublicJwkSet {
  readonly keys: readonly PublicJwk[];
}

/**
 * One CDS Client this service trusts (spec "Trusting CDS Clients": "CDS Services SHOULD limit the CDS Clients
 * they trust by maintaining an allowlist of `iss` and `jku` urls").
 */
export interface TrustedClient {
  /** The exact `iss` of the client's tokens. */
  readonly iss: string;
  readonly description: string;
  /** A client anyone can use (the public CDS Hooks Sandbox): refused when the service runs in production. */
  readonly testingOnly: boolean;
  /**
   * Tokens may lack `sub` (only with `testingOnly`): the public CDS Hooks Sandbox signs none, while every production
   * client is held to it.
   */
  readonly subOptional: boolean;
  /** Keys communicated out-of-band (inline `jwks` or `jwksFile`); checked before any `jku` is fetched. */
  readonly jwks: PublicJwkSet | undefined;
  /** Exact JWK Set URLs the client's tokens may name in `jku`; only these are ever fetched. */
  readonly jku: readonly string[];
  /** Algorithms this client signs with; undefined: JWT_ALGORITHMS. */
  readonly algorithms: readonly JwsAlgorithm[] | undefined;
  /** When set, tokens must carry one of these `tenant` values. */
  readonly tenants: readonly string[] | undefined;
}

interface ClientEntry {
  readonly iss: string;
  readonly description: string;
  readonly testingOnly?: boolean;
  readonly subOptional?: boolean;
  readonly jwks?: PublicJwkSet;
  readonly jwksFile?: string;
  readonly jku?: readonly string[];
  readonly algorithms?: readonly string[];
  readonly tenants?: readonly string[];
}

const jwksSchema = {
  type: 'object',
  required: ['keys'],
  properties: {
    keys: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        required: ['kty', 'kid'],
        properties: {
          kty: { type: 'string' },
          // Spec: kid "SHALL be unique within the CDS Client's JWK Set"; tokens select their key by it.
          kid: { type: 'string', minLength: 1, maxLength: 512 },
          alg: { type: 'string' },
          use: { type: 'string' },
        },
      },
    },
  },
} as const;

const urls = { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 2048 } };
const strings = { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'string', minLength: 1, maxLength: 512 } };

const fileSchema = {
  type: 'object',
  required: ['clients'],
  additionalProperties: false,
  properties: {
    $comment: { type: 'string' },
    clients: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      items: {
        type: 'object',
        required: ['iss', 'description'],
        additionalProperties: false,
        properties: {
          iss: { type: 'string', minLength: 1, maxLength: 2048 },
          description: { type: 'string', minLength: 1, maxLength: 1000 },
          testingOnly: { type: 'boolean' },
          subOptional: { type: 'boolean' },
          jwks: jwksSchema,
          jwksFile: { type: 'string', minLength: 1 },
          jku: urls,
          algorithms: strings,
          tenants: strings,
        },
      },
    },
  },
} as const;

/** JWK members that only a private or symmetric key has: a trust file holds public keys only. */
const SECRET_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * Reads and checks the trusted-clients file (docs/security.md). A bad file stops start-up with a message naming
 * the file and the JSON path, like a bad knowledge file.
 */
export function loadTrustedClients(
  file: string,
  options: { readonly mode: 'development' | 'production' }
): ReadonlyMap<string, TrustedClient> {
  const content = checkSchema<{ clients: ClientEntry[] }>(fileSchema, readJsonFile(file), file);
  const clients = new Map<string, TrustedClient>();
  content.clients.forEach((entry, i) => {
    const at = `$.clients[${String(i)}]`;
    if (clients.has(entry.iss)) {
      throw new KnowledgeError(file, `${at}.iss`, `'${entry.iss}' is listed twice`);
    }
    if (entry.testingOnly === true && options.mode === 'production') {
      throw new KnowledgeError(
        file,
        `${at}.testingOnly`,
        `'${entry.iss}' is for testing only (anyone can obtain its tokens) and is refused in production`
      );
    }
    if (entry.subOptional === true && entry.testingOnly !== true) {
      throw new KnowledgeError(file, `${at}.subOptional`, 'only a testingOnly client may send tokens without sub');
    }
    if (entry.jwks !== undefined && entry.jwksFile !== undefined) {
      throw new KnowledgeError(file, `${at}.jwksFile`, 'give the keys either inline (jwks) or as a file, not both');
    }
    let jwks: PublicJwkSet | undefined;
    if (entry.jwks !== undefined) {
      jwks = checkJwks(entry.jwks, file, `${at}.jwks`);
    } else if (entry.jwksFile !== undefined) {
      const jwksFile = resolve(dirname(file), entry.jwksFile);
      jwks = checkJwks(checkSchema<PublicJwkSet>(jwksSchema, readJsonFile(jwksFile), jwksFile), jwksFile, '$');
    }
    const jku = (entry.jku ?? []).map((url, j) => checkJku(url, file, `${at}.jku[${String(j)}]`));
    if (jwks === undefined && jku.length === 0) {
      throw new KnowledgeError(file, at, 'needs the client keys: jwks, jwksFile or a jku allowlist');
    }
    clients.set(entry.iss, {
      iss: entry.iss,
      description: entry.description,
      testingOnly: entry.testingOnly ?? false,
      subOptional: entry.subOptional ?? false,
      jwks,
      jku,
      algorithms: entry.algorithms?.map((alg, j) => checkAlgorithm(alg, file, `${at}.algorithms[${String(j)}]`)),
      tenants: entry.tenants,
    });
  });
  return clients;
}

function checkJwks(jwks: PublicJwkSet, file: string, at: string): PublicJwkSet {
  const kids = new Set<string>();
  jwks.keys.forEach((key, i) => {
    const path = `${at}.keys[${String(i)}]`;
    if (key.kty === 'oct') {
      throw new KnowledgeError(file, `${path}.kty`, "'oct' is a symmetric key; CDS Hooks forbids symmetric algorithms");
    }
    const secret = SECRET_MEMBERS.find((member) => member in key);
    if (secret !== undefined) {
      throw new KnowledgeError(file, `${path}.${secret}`, 'is private key material; list public keys only');
    }
    if (key.alg !== undefined) {
      checkAlgorithm(key.alg, file, `${path}.alg`);
    }
    if (kids.has(key.kid)) {
      throw new KnowledgeError(file, `${path}.kid`, `'${key.kid}' is used by two keys`);
    }
    kids.add(key.kid);
    try {
      createPublicKey({ key: key as JsonWebKey, format: 'jwk' });
    } catch (error) {
      throw new KnowledgeError(file, path, `is not a usable public key (${(error as Error).message})`);
    }
  });
  return jwks;
}

function checkAlgorithm(alg: string, file: string, at: string): JwsAlgorithm {
  if (!(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new KnowledgeError(
      file,
      at,
      `'${alg}' is not accepted; CDS Hooks forbids none and HMAC (use one of ${ASYMMETRIC_ALGORITHMS.join(', ')})`
    );
  }
  return alg as JwsAlgorithm;
}

/** A jku is fetched, so it must be an exact https URL (plain http only on the loopback interface, for tests). */
function checkJku(url: string, file: string, at: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new KnowledgeError(file, at, `'${url}' is not an absolute URL`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new KnowledgeError(file, at, `'${url}' must be an https URL`);
  }
  if (parsed.username !== '' || parsed.password !== '' || parsed.hash !== '') {
    throw new KnowledgeError(file, at, `'${url}' must not carry credentials or a fragment`);
  }
  return url;
}
