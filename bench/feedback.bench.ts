/**
 * Feedback stores: what a 200 on feedback costs (one save, fsync or COMMIT included), how many saves per second
 * 50 concurrent posters get (group commit), what recording a card shown adds to a CDS call, and what the analytics
 * query and a file-store restart cost with 100,000 cards shown. PostgreSQL runs when DATABASE_URL is set.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { toFeedbackRecord } from '../src/feedback/feedback-record.js';
import type { FeedbackStore } from '../src/feedback/feedback-store.js';
import { FileFeedbackStore } from '../src/feedback/file-feedback-store.js';
import { PostgresFeedbackStore } from '../src/feedback/postgres-feedback-store.js';
import { summarise } from './lib/measure.js';

export interface FeedbackRow {
  readonly store: string;
  readonly saveMedianMs: number;
  readonly saveP95Ms: number;
  readonly concurrentSavesPerSecond: number;
  readonly recordCardMicros: number;
  readonly tallyMs: number;
  readonly reopenMs: number | null;
}

const record = () =>
  toFeedbackRecord('ctd-neuropathy-order-sign', {
    card: randomUUID(),
    outcome: 'overridden',
    overrideReason: { reason: { system: 'urn:ctd-neuropathy-cds:override-reason', code: 'benefit-outweighs-risk' } },
    outcomeTimestamp: new Date().toISOString(),
  });

async function measureStore(store: FeedbackStore, quick: boolean): Promise<Omit<FeedbackRow, 'store' | 'reopenMs'>> {
  const latencies: number[] = [];
  for (let i = 0; i < (quick ? 100 : 500); i += 1) {
    const start = performance.now();
    await store.save([record()]);
    latencies.push(performance.now() - start);
  }
  const total = quick ? 1000 : 5000;
  let started = 0;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (started < total) {
        started += 1;
        await store.save([record()]);
      }
    })
  );
  const concurrentSavesPerSecond = total / ((performance.now() - begin) / 1000);
  const cards = 100_000;
  const cardStart = performance.now();
  for (let i = 0; i < cards; i += 1) {
    store.recordCardShown({
      cardUuid: randomUUID(),
      ruleId: 'nitrofurantoin-neuropathy-risk',
      serviceId: 'ctd-neuropathy-order-sign',
      indicator: 'warning',
      shownAt: new Date().toISOString(),
    });
  }
  const recordCardMicros = ((performance.now() - cardStart) / cards) * 1000;
  await store.tally({}); // writes the buffered cards
  const tallyStart = performance.now();
  await store.tally({});
  const tallyMs = performance.now() - tallyStart;
  const { median, p95 } = summarise(latencies);
  return { saveMedianMs: median, saveP95Ms: p95, concurrentSavesPerSecond, recordCardMicros, tallyMs };
}

export async function runFeedbackBench(quick: boolean): Promise<FeedbackRow[]> {
  const rows: FeedbackRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'feedback-bench-'));
  try {
    const store = await FileFeedbackStore.open(dir);
    const measured = await measureStore(store, quick);
    await store.close();
    const reopenStart = performance.now();
    const reopened = await FileFeedbackStore.open(dir);
    const reopenMs = performance.now() - reopenStart;
    await reopened.close();
    rows.push({ store: 'file', ...measured, reopenMs });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const url = process.env['DATABASE_URL'];
  if (url !== undefined && url !== '') {
    const schema = `bench_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    try {
      const store = await PostgresFeedbackStore.open({ connectionString: url, schema });
      rows.push({ store: 'postgresql', ...(await measureStore(store, quick)), reopenMs: null });
      await store.close();
    } finally {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  }
  return rows;
}

export function feedbackTable(rows: readonly FeedbackRow[]): string {
  const lines = [
    '| store | save median | save p95 | 50 concurrent posters | record a card shown | analytics, 100k cards | restart (replay) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.store} | ${r.saveMedianMs.toFixed(2)} ms | ${r.saveP95Ms.toFixed(2)} ms | ${r.concurrentSavesPerSecond.toFixed(0)} saves/s | ${r.recordCardMicros.toFixed(1)} µs | ${r.tallyMs.toFixed(0)} ms | ${r.reopenMs === null ? 'n/a' : `${r.reopenMs.toFixed(0)} ms`} |`
    );
  }
  return lines.join('\n');
}
