import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { cannotStartMessage, listenError } from '../../src/start-up-error.js';
import { testService } from '../support/service.js';

/** Start-up refusals: one `Cannot start: ...` line for what an operator can fix (server-process.test.ts runs them). */
const errno = (code: string, message = code): NodeJS.ErrnoException => Object.assign(new Error(message), { code });

describe('an address that cannot be listened on is named, with the variable to change', () => {
  test.each([
    ['EADDRINUSE', '0.0.0.0', 'PORT', '0.0.0.0:3000: the address is already in use (EADDRINUSE)'],
    ['EACCES', '0.0.0.0', 'PORT', '0.0.0.0:3000: permission denied (EACCES; ports below 1024)'],
    ['EADDRNOTAVAIL', '192.0.2.1', 'HOST', '192.0.2.1:3000: not an address of this machine (EADDRNOTAVAIL)'],
    ['ENOTFOUND', 'cds.invalid', 'HOST', "cds.invalid:3000: 'cds.invalid' does not resolve (ENOTFOUND)"],
    ['EADDRINUSE', '::1', 'PORT', '[::1]:3000: the address is already in use (EADDRINUSE)'],
  ])('%s on %s', (code, host, variable, text) => {
    const error = listenError(errno(code), host, 3000);
    expect(error).toBeInstanceOf(ConfigError);
    expect(cannotStartMessage(error)).toBe(`Cannot start: Configuration ${variable}: cannot listen on ${text}`);
  });
});

describe('what is not an operator problem keeps its stack trace', () => {
  test('a plain error is not a start-up refusal', () => {
    expect(cannotStartMessage(new TypeError('x is undefined'))).toBeUndefined();
  });
});

describe('the demo FHIR server switched on where the demo data is not installed (an image built without it)', () => {
  test('is a start-up refusal naming the folder, not a stack trace', () => {
    let error: unknown;
    try {
      testService({ DEMO_FHIR: 'true' }, { demoDir: '/nonexistent/demo' });
    } catch (caught) {
      error = caught;
    }
    expect(cannotStartMessage(error)).toBe(
      'Cannot start: /nonexistent/demo/patients: is missing: the demo data is not installed here (set DEMO_FHIR=false)'
    );
  });
});
