/**
 * Start-up refusals. A problem the operator can fix (a setting, a knowledge file, the feedback store, the demo data,
 * an address that cannot be listened on) ends the process with one line, `Cannot start: ...`, and exit code 2;
 * anything else is a bug and keeps its stack trace.
 */
import { ConfigError } from './config.js';
import { DemoDataError } from './demo/demo-data.js';
import { FeedbackStoreError } from './feedback/open-feedback-store.js';
import { KnowledgeError } from './knowledge/knowledge-error.js';

/** The exit code of every start-up refusal (documented in docs/deployment.md: a restart will not help). */
export const CANNOT_START_EXIT_CODE = 2;

/** `Cannot start: ...` for an operator's problem; undefined for anything else. */
export function cannotStartMessage(error: unknown): string | undefined {
  const known =
    error instanceof ConfigError ||
    error instanceof KnowledgeError ||
    error instanceof FeedbackStoreError ||
    error instanceof DemoDataError;
  return known ? `Cannot start: ${error.message}` : undefined;
}

/**
 * Why the server could not listen on HOST:PORT, as a ConfigError naming the variable to change. The codes are
 * libuv's (bind and getaddrinfo failures); an unknown one is still the address's fault, so it is named too.
 */
export function listenError(error: NodeJS.ErrnoException, host: string, port: number): ConfigError {
  const address = `${host.includes(':') ? `[${host}]` : host}:${String(port)}`;
  const code = error.code ?? 'unknown error';
  switch (code) {
    case 'EADDRINUSE':
      return new ConfigError('PORT', `cannot listen on ${address}: the address is already in use (EADDRINUSE)`);
    case 'EACCES':
      return new ConfigError('PORT', `cannot listen on ${address}: permission denied (EACCES; ports below 1024)`);
    case 'EADDRNOTAVAIL':
      return new ConfigError('HOST', `cannot listen on ${address}: not an address of this machine (EADDRNOTAVAIL)`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return new ConfigError('HOST', `cannot listen on ${address}: '${host}' does not resolve (${code})`);
    default:
      return new ConfigError('HOST', `cannot listen on ${address}: ${error.message}`);
  }
}
