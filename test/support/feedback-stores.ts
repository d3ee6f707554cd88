import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { FeedbackStore } from '../../src/feedback/feedback-store.js';
import { MemoryFeedbackStore } from '../../src/feedback/feedback-store.js';
import { FileFeedbackStore } from '../../src/feedback/file-feedback-store.js';
import { PostgresFeedbackStore } from '../../src/feedback/postgres-feedback-store.js';

/** Set (e.g. postgres://postgres@127.0.0.1:5432/test) where PostgreSQL runs: .ci/run sets it, so CI tests it. */
export const DATABASE_URL = process.env['DATABASE_URL'];

/**
 * One kind of feedback store under test. `open` gives a store on this kind's storage; opening again after `close`
 * gives the same storage back (a restart). `dispose` removes the storage (temp directory, schema).
 */
export interface StoreKind {
  readonly name: string;
  /** Whether the storage outlives the store object (false for the in-memory store). */
  readonly durable: boolean;
  /** Environment for a server process that should use this storage (FEEDBACK_DIR or DATABASE_URL + schema). */
  readonly env: Record<string, string>;
  open(): Promise<FeedbackStore>;
  dispose(): Promise<void>;
}

export function memoryStoreKind(): StoreKind {
  return {
    name: 'memory',
    durable: false,
    env: {},
    open: () => Promise.resolve(new MemoryFeedbackStore()),
    dispose: () => Promise.resolve(),
  };
}

export function fileStoreKind(): StoreKind {
  const dir = join(mkdtempSync(join(tmpdir(), 'feedback-')), 'store');
  return {
    name: 'file',
    durable: true,
    env: { FEEDBACK_DIR: dir },
    open: () => FileFeedbackStore.open(dir, { cardFlushMs: 20 }),
    dispose: () => {
      rmSync(join(dir, '..'), { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

/** A schema of its own per use, so that parallel test files and parallel CI runs never share tables. */
export function postgresStoreKind(): StoreKind {
  const connectionString = DATABASE_URL ?? 'postgres://unset';
  const schema = `test_feedback_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  return {
    name: 'postgresql',
    durable: true,
    env: { DATABASE_URL: connectionString, DATABASE_SCHEMA: schema },
    open: () => PostgresFeedbackStore.open({ connectionString, schema, cardFlushMs: 20 }),
    dispose: () => dropSchema(connectionString, schema),
  };
}

export async function dropSchema(connectionString: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** The kinds every contract test runs against; PostgreSQL only where DATABASE_URL says where it is. */
export const storeKinds: readonly {
  readonly name: string;
  readonly make: () => StoreKind;
  readonly durable: boolean;
  readonly skip: boolean;
}[] = [
  { name: 'memory', make: memoryStoreKind, durable: false, skip: false },
  { name: 'file', make: fileStoreKind, durable: true, skip: false },
  { name: 'postgresql', make: postgresStoreKind, durable: true, skip: DATABASE_URL === undefined },
];
