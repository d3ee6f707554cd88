import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';
import { FeedbackStoreError, openFeedbackStore } from '../../src/feedback/open-feedback-store.js';
import { PostgresFeedbackStore } from '../../src/feedback/postgres-feedback-store.js';
import { createLogger } from '../../src/logger.js';
import { DATABASE_URL, dropSchema } from '../support/feedback-stores.js';

const logger = createLogger('silent');

describe.skipIf(DATABASE_URL === undefined)('PostgreSQL store: migrations', () => {
  const url = DATABASE_URL ?? '';
  const schemas: string[] = [];
  const newSchema = (): string => {
    const schema = `test_migrate_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    schemas.push(schema);
    return schema;
  };
  afterAll(async () => {
    for (const schema of schemas) {
      await dropSchema(url, schema);
    }
  });

  async function appliedVersions(schema: string): Promise<string[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: string }>(
        `SELECT version FROM "${schema}".schema_migrations ORDER BY version`
      );
      return rows.map((r) => r.version);
    } finally {
      await client.end();
    }
  }

  test('two processes starting at once on an empty schema: both open, each migration applied once', async () => {
    const schema = newSchema();
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => PostgresFeedbackStore.open({ connectionString: url, schema }))
    );
    expect(await appliedVersions(schema)).toEqual(['0001_feedback']);
    await Promise.all(stores.map((s) => s.close()));
  });

  test('opening again applies nothing new and keeps the data', async () => {
    const schema = newSchema();
    const first = await openFeedbackStore(parseConfig({ DATABASE_URL: url, DATABASE_SCHEMA: schema }), logger);
    first.recordCardShown({
      cardUuid: 'u1',
      ruleId: 'r',
      serviceId: 's',
      indicator: 'info',
      shownAt: '2026-06-01T00:00:00Z',
    });
    await first.close();
    const second = await openFeedbackStore(parseConfig({ DATABASE_URL: url, DATABASE_SCHEMA: schema }), logger);
    expect(await second.tally({})).toEqual([
      { ruleId: 'r', cardsShown: 1, accepted: 0, overridden: 0, overriddenWithoutReason: 0, overrideReasons: [] },
    ]);
    await second.close();
    expect(await appliedVersions(schema)).toEqual(['0001_feedback']);
  });
});

describe('PostgreSQL store: configuration and failures', () => {
  test('an unreachable database stops start-up with a clear message that never shows the password', async () => {
    const config = parseConfig({ DATABASE_URL: 'postgres://user:s3cret-password@127.0.0.1:1/test' });
    const opening = openFeedbackStore(config, logger);
    await expect(opening).rejects.toBeInstanceOf(FeedbackStoreError);
    const error = (await opening.catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^feedback store: PostgreSQL \(DATABASE_URL\) could not be opened: .*ECONNREFUSED/);
    expect(error.message).not.toContain('s3cret');
  });

  test.each([
    [{ DATABASE_URL: 'mysql://root@localhost/test' }, 'DATABASE_URL: must be a postgres://'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL: is not a URL'],
    [{ DATABASE_SCHEMA: 'Robert"; DROP' }, 'DATABASE_SCHEMA'],
  ])('bad settings are refused at start-up: %j', (env, message) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(message);
  });
});
