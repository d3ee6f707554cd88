import { describe, expect, test } from 'vitest';
import { DEFAULT_WORKERS_CAP, defaultWorkers, parseConfig } from '../../src/config.js';

/** Settings that decide how the service runs in production. */
describe('NODE_ENV', () => {
  test.each([
    [undefined, 'development'],
    ['', 'development'],
    ['development', 'development'],
    ['test', 'development'],
  ])('%j runs with the development defaults', (value, mode) => {
    const config = parseConfig(value === undefined ? {} : { NODE_ENV: value });
    expect(config.mode).toBe(mode);
    expect(config.auth.mode).toBe('off');
  });

  test('production runs with the production defaults', () => {
    const config = parseConfig({ NODE_ENV: 'production', AUTH_MODE: 'off', ALLOW_AUTH_OFF_IN_PRODUCTION: 'true' });
    expect(config.mode).toBe('production');
    expect(config.demoFhir).toBe(false);
    expect(config.corsOrigins).toEqual([]);
  });

  test.each(['prod', 'Production', 'PRODUCTION', ' production', 'staging', 'dev'])(
    '%j is refused, naming the variable (it used to mean development: authentication off)',
    (value) => {
      expect(() => parseConfig({ NODE_ENV: value })).toThrow(
        `Configuration NODE_ENV: '${value}' is not production, development or test`
      );
    }
  );
});

describe('WORKERS', () => {
  test('the default is one worker per core, at most DEFAULT_WORKERS_CAP', () => {
    expect(DEFAULT_WORKERS_CAP).toBe(4);
    expect([1, 2, 3, 4, 8, 64].map(defaultWorkers)).toEqual([1, 2, 3, 4, 4, 4]);
  });

  test('a host reporting no core still gets one worker', () => {
    expect(defaultWorkers(0)).toBe(1);
  });

  test('an explicit WORKERS is taken as it is, up to 64', () => {
    expect(parseConfig({ WORKERS: '16' }).workers).toBe(16);
    expect(parseConfig({ WORKERS: '0' }).workers).toBe(0);
    expect(() => parseConfig({ WORKERS: '65' })).toThrow('Configuration WORKERS: 65 is outside 0..64');
  });
});

describe('HOST', () => {
  test.each(['0.0.0.0', '127.0.0.1', '::', '::1', 'localhost', 'cds-0.cds.default.svc.cluster.local'])(
    '%j is accepted',
    (value) => {
      expect(parseConfig({ HOST: value }).host).toBe(value);
    }
  );

  test.each(['127.0.0.1:3000', 'http://localhost', 'local host', 'host_name', '-leading-hyphen'])(
    '%j is refused before anything listens',
    (value) => {
      expect(() => parseConfig({ HOST: value })).toThrow(`Configuration HOST: '${value}' is not an IP address`);
    }
  );
});
