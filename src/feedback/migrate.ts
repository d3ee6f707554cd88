import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientBase } from 'pg';

const MIGRATION_FILE = /^(\d{4})_[a-z0-9_-]+\.sql$/;

/**
 * `db/migrations` of the repository: the nearest ancestor of this module that has it, whether the code runs from
 * src/ (tsx), dist/ or a benchmark build (the same search as the knowledge folders).
 */
export function defaultMigrationsDir(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  while (!existsSync(join(dir, 'db', 'migrations'))) {
    const parent = dirname(dir);
    if (parent === dir) {
      return resolve('db', 'migrations');
    }
    dir = parent;
  }
  return join(dir, 'db', 'migrations');
}

/**
 * Applies the SQL files of `dir` that the database has not seen, in file-name order, and records each version in
 * `schema_migrations`. Everything runs in one transaction under a transaction-level advisory lock, so two processes
 * starting at once apply each migration once (the second waits, then finds nothing to do), and a failing migration
 * leaves nothing half-applied. `schema`, when given, is created first; the connection's search_path must name it.
 * Returns the versions applied now.
 */
export async function migrate(client: ClientBase, dir: string, schema: string | undefined): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => MIGRATION_FILE.test(f)).sort();
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ctd-neuropathy-cds:migrate:${schema ?? ''}`]);
    if (schema !== undefined) {
      // The name is checked to be a plain lower-case identifier (config.ts), so quoting it is enough.
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    }
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())'
    );
    const applied = new Set(
      (await client.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version)
    );
    const done: string[] = [];
    for (const file of files) {
      const version = file.replace(/\.sql$/, '');
      if (applied.has(version)) {
        continue;
      }
      await client.query(await readFile(join(dir, file), 'utf8'));
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
      done.push(version);
    }
    await client.query('COMMIT');
    return done;
  } catch (error) {
    // The original error is the one worth reporting; a failed ROLLBACK means the connection is gone anyway.
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
