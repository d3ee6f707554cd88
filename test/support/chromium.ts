import { existsSync } from 'node:fs';

/**
 * Debian's Chromium for the browser tests (test/browser): /usr/bin/chromium, or CHROMIUM_PATH. Without it the tests
 * are skipped on a developer's machine and fail in CI (CI=true), where .ci/run installs it.
 */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const IN_CI = process.env['CI'] === 'true';

/**
 * Headless, as root (no sandbox), and nothing but 127.0.0.1: no GPU, no QUIC, no proxy, no first-run, background
 * networking, component updates or sync, which would reach for the internet. Playwright gives every launch a fresh,
 * temporary --user-data-dir of its own (it refuses one in `args`) and removes it on close.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-proxy-server',
];

/** In CI a missing Chromium is a failure, not a skip. */
export function assertChromiumInCi(): void {
  if (!HAVE_CHROMIUM) {
    throw new Error(
      `CI=true and there is no Chromium at ${CHROMIUM}: .ci/run installs Debian's chromium, and in CI the ` +
        'browser tests must run, not be skipped'
    );
  }
}
