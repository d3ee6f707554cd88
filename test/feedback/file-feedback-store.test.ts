import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { defaultKnowledgeDir, parseConfig } from '../../src/config.js';
import { toFeedbackRecord } from '../../src/feedback/feedback-record.js';
import { FileFeedbackStore } from '../../src/feedback/file-feedback-store.js';
import { FeedbackStoreError, openFeedbackStore } from '../../src/feedback/open-feedback-store.js';
import { createLogger } from '../../src/logger.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'file-store-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
});

const record = (card: string) =>
  toFeedbackRecord('ctd-neuropathy-order-sign', {
    card,
    outcome: 'overridden',
    overrideReason: { reason: { system: 'urn:x', code: 'r1' } },
    outcomeTimestamp: '2026-06-01T10:00:00Z',
  });

describe('file store: what a crash can leave behind', () => {
  test('an unfinished last line (a write cut short) is cut off at start-up; the store goes on', async () => {
    const dir = tempDir();
    const store = await FileFeedbackStore.open(dir);
    await store.save([record('a'), record('b')]);
    await store.close();
    const file = join(dir, 'feedback.jsonl');
    const intact = readFileSync(file, 'utf8');
    appendFileSync(file, JSON.stringify(record('c')).slice(0, 40));

    const reopened = await FileFeedbackStore.open(dir);
    expect(reopened.recovery).toMatchObject({ feedbackRecords: 2, skippedLines: 0, truncatedBytes: 40 });
    expect(readFileSync(file, 'utf8')).toBe(intact);
    expect((await reopened.all()).map((r) => r.card)).toEqual(['a', 'b']);
    // The unacknowledged item was never stored: the client's retry stores it now.
    expect(await reopened.save([record('c')])).toEqual({ stored: 1, duplicates: 0 });
    await reopened.close();

    const again = await FileFeedbackStore.open(dir);
    expect(again.recovery).toMatchObject({ feedbackRecords: 3, skippedLines: 0, truncatedBytes: 0 });
    await again.close();
  });

  test('a tail of zero bytes (file size grew, data never reached the disk) is cut off too', async () => {
    const dir = tempDir();
    const store = await FileFeedbackStore.open(dir);
    await store.save([record('a')]);
    await store.close();
    appendFileSync(join(dir, 'feedback.jsonl'), Buffer.alloc(512));
    const reopened = await FileFeedbackStore.open(dir);
    expect(reopened.recovery).toMatchObject({ feedbackRecords: 1, truncatedBytes: 512 });
    await reopened.close();
  });

  test('damaged complete lines are skipped and counted, never trusted, never fatal', async () => {
    const dir = tempDir();
    const good = record('a');
    writeFileSync(
      join(dir, 'feedback.jsonl'),
      [JSON.stringify(good), '{"key":', JSON.stringify({ key: 'k', card: 7 }), ''].join('\n')
    );
    writeFileSync(join(dir, 'cards-shown.jsonl'), 'not json\n');
    const store = await FileFeedbackStore.open(dir);
    expect(store.recovery).toEqual({ feedbackRecords: 1, cardsShown: 0, skippedLines: 3, truncatedBytes: 0 });
    expect(await store.all()).toEqual([good]);
    await store.close();
  });

  test('cards shown are written in batches and read back at start-up', async () => {
    const dir = tempDir();
    const store = await FileFeedbackStore.open(dir, { cardFlushMs: 10_000 });
    const card = {
      cardUuid: 'u1',
      ruleId: 'rule-a',
      serviceId: 's',
      indicator: 'critical' as const,
      shownAt: '2026-06-01T10:00:00.000Z',
    };
    store.recordCardShown(card);
    // Buffered: not on disk until the batch is written (here: by close).
    expect(readFileSync(join(dir, 'cards-shown.jsonl'), 'utf8')).toBe('');
    await store.close();
    expect(readFileSync(join(dir, 'cards-shown.jsonl'), 'utf8')).toBe(`${JSON.stringify(card)}\n`);
    const reopened = await FileFeedbackStore.open(dir);
    expect(reopened.recovery.cardsShown).toBe(1);
    await reopened.close();
  });
});

describe('opening the configured store', () => {
  const logger = createLogger('silent');

  test('FEEDBACK_DIR is created, nested directories included', async () => {
    const dir = join(tempDir(), 'a', 'b', 'feedback');
    const store = await openFeedbackStore(parseConfig({ FEEDBACK_DIR: dir }), logger);
    await store.save([record('a')]);
    await store.close();
    expect(readFileSync(join(dir, 'feedback.jsonl'), 'utf8')).toContain('"card":"a"');
  });

  test('a FEEDBACK_DIR that cannot be a directory stops start-up with a clear message', async () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    const opening = openFeedbackStore(parseConfig({ FEEDBACK_DIR: file }), logger);
    await expect(opening).rejects.toBeInstanceOf(FeedbackStoreError);
    await expect(opening).rejects.toThrow(`feedback store: FEEDBACK_DIR ${file} could not be opened`);
  });

  test('the server process refuses to start on a store it cannot open, and says why', () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL'));
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(defaultKnowledgeDir(), 'src', 'server.ts')], {
      env: { ...env, FEEDBACK_DIR: file, PORT: '0', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^Cannot start: feedback store: FEEDBACK_DIR .*a-file could not be opened: /);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
