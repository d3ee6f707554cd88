import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenOnLoopback } from './loopback.js';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** The service's public base URL in auth tests: `aud` is this plus the path called. Nothing is ever sent there. */
export const BASE = 'https://cds.example.org';
/** Token times are checked against this instant (the service gets `now` injected): no test waits for the clock. */
export const NOW_MS = Date.parse('2026-06-01T10:00:00Z');
export const NOW = NOW_MS / 1000;
export const EHR_ISS = 'https://ehr.example.org/fhir';

export interface ClientKey {
  readonly alg: 'ES384' | 'RS384';
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

/** A fresh signing key of a CDS Client; its public half goes into a JWK Set. */
export async function clientKey(alg: 'ES384' | 'RS384', kid: string): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export const jwks = (...keys: ClientKey[]): { keys: JWK[] } => ({ keys: keys.map((k) => k.publicJwk) });

export interface TokenOptions {
  readonly iss?: string;
  /** Default: the `iss` (a self-issued token names its client). */
  readonly sub?: string;
  /** The endpoint path called (`aud` = BASE + path), or an explicit `aud` value. */
  readonly path?: string;
  readonly aud?: string | string[];
  readonly iat?: number;
  readonly exp?: number;
  readonly nbf?: number;
  readonly jti?: string;
  readonly tenant?: string;
  readonly jku?: string;
  readonly kid?: string;
  readonly typ?: string;
  /** Claims left out of the payload. */
  readonly omit?: readonly string[];
}

let counter = 0;

/** A client JWT as the spec describes it (header alg, kid, typ, jku; payload iss, aud, exp, iat, jti, tenant). */
export async function clientJwt(key: ClientKey, options: TokenOptions = {}): Promise<string> {
  const iat = options.iat ?? NOW;
  const claims: Record<string, unknown> = {
    iss: options.iss ?? EHR_ISS,
    sub: options.sub ?? options.iss ?? EHR_ISS,
    aud: options.aud ?? `${BASE}${options.path ?? '/cds-services'}`,
    iat,
    exp: options.exp ?? iat + 300,
    jti: options.jti ?? `jti-${String(++counter)}-${String(Math.random()).slice(2)}`,
    ...(options.nbf === undefined ? {} : { nbf: options.nbf }),
    ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
  };
  const omitted = new Set(options.omit ?? []);
  const payload = Object.fromEntries(Object.entries(claims).filter(([claim]) => !omitted.has(claim)));
  return new SignJWT(payload)
    .setProtectedHeader({
      alg: key.alg,
      typ: options.typ ?? 'JWT',
      kid: options.kid ?? key.kid,
      ...(options.jku === undefined ? {} : { jku: options.jku }),
    })
    .sign(key.privateKey);
}

/** A compact JWS with any header and payload and the given signature bytes (for forged and unsigned tokens). */
export function rawJwt(header: unknown, payload: unknown, signature = ''): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(payload)}.${signature}`;
}

export interface JwksServer {
  readonly url: string;
  /** How many times the JWK Set was fetched. */
  readonly fetches: () => number;
  /** What the server answers from now on: a JWK Set, or an HTTP status with no set. */
  serve(body: unknown, status?: number): void;
  close(): Promise<void>;
}

/** A JWK Set served on 127.0.0.1 (tests never leave the machine), counting its fetches. */
export async function jwksServer(initial: unknown, path = '/.well-known/jwks.json'): Promise<JwksServer> {
  let body = initial;
  let status = 200;
  let fetches = 0;
  const server = await listenOnLoopback((req, res) => {
    if (req.url === path) {
      fetches += 1;
    }
    res.writeHead(req.url === path ? status : 404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  return {
    url: `${server.base}${path}`,
    fetches: () => fetches,
    serve(next, nextStatus = 200) {
      body = next;
      status = nextStatus;
    },
    close: server.close,
  };
}

/** Writes a trusted-clients file (and any side files) into a fresh temporary folder; returns its path. */
export function trustedClientsFile(content: unknown, sideFiles: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'trusted-clients-'));
  for (const [name, value] of Object.entries(sideFiles)) {
    writeFileSync(join(dir, name), JSON.stringify(value));
  }
  const file = join(dir, 'trusted-clients.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** Environment for a service that requires client JWTs. */
export const authEnv = (file: string, extra: Record<string, string> = {}): Record<string, string> => ({
  AUTH_MODE: 'required',
  TRUSTED_CLIENTS: file,
  PUBLIC_BASE_URL: BASE,
  ...extra,
});
