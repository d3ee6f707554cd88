import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { FileReplayStore, SEEN_JTIS_FILE } from '../../src/auth/file-replay-store.js';
import { ReplayStoreUnavailable } from '../../src/auth/replay-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
});
const freshDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'seen-jtis-'));
  dirs.push(dir);
  return dir;
};
const lines = (dir: string): string[] =>
  readFileSync(join(dir, SEEN_JTIS_FILE), 'utf8')
    .split('\n')
    .filter((l) => l !== '');

describe('file jti store (the embedded configuration)', () => {
  test('a key claimed before a restart is still refused after it, until its time has passed', async () => {
    const dir = freshDir();
    let now = 1_000_000;
    const first = await FileReplayStore.open(dir, { now: () => now });
    expect(await first.claim('iss\njti-1', now + 300_000)).toBe(true);
    expect(await first.claim('iss\njti-2', now + 1_000)).toBe(true);
    await first.close();

    const second = await FileReplayStore.open(dir, { now: () => now });
    expect(await second.claim('iss\njti-1', now + 300_000)).toBe(false);
    expect(second.size).toBe(2);
    await second.close();

    now += 2_000; // jti-2's time has passed: not even loaded
    const third = await FileReplayStore.open(dir, { now: () => now });
    expect(third.size).toBe(1);
    expect(await third.claim('iss\njti-2', now + 1_000)).toBe(true);
    expect(await third.claim('iss\njti-1', now + 300_000)).toBe(false);
    await third.close();
  });

  test('the file holds hashed keys, never the iss or jti', async () => {
    const dir = freshDir();
    const store = await FileReplayStore.open(dir);
    await store.claim('https://ehr.example.org\nsecret-jti', Date.now() + 60_000);
    await store.close();
    const text = readFileSync(join(dir, SEEN_JTIS_FILE), 'utf8');
    expect(text).not.toContain('ehr.example.org');
    expect(text).not.toContain('secret-jti');
  });

  test('concurrent claims of one key: exactly one wins, and each answer comes after its line is written', async () => {
    const dir = freshDir();
    const store = await FileReplayStore.open(dir);
    const results = await Promise.all(Array.from({ length: 20 }, () => store.claim('k', Date.now() + 60_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const others = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.claim(`k-${String(i)}`, Date.now() + 60_000))
    );
    expect(others.every(Boolean)).toBe(true);
    // Answered, so on disk: the file has every claimed key before close.
    expect(lines(dir)).toHaveLength(51);
    await store.close();
  });

  test('compaction drops expired entries and keeps the live ones', async () => {
    const dir = freshDir();
    let now = 5_000_000;
    const store = await FileReplayStore.open(dir, { now: () => now });
    for (let i = 0; i < 1200; i++) {
      await store.claim(`old-${String(i)}`, now + 1_000);
    }
    now += 2_000; // all of them expired
    for (let i = 0; i < 1000; i++) {
      await store.claim(`new-${String(i)}`, now + 60_000);
    }
    // Without compaction the file would hold 2,200 lines; with it, about the 1,000 live ones.
    expect(lines(dir).length).toBeLessThan(1100);
    await store.close();
    const reopened = await FileReplayStore.open(dir, { now: () => now });
    expect(reopened.size).toBe(1000);
    expect(await reopened.claim('new-1', now + 60_000)).toBe(false);
    expect(await reopened.claim('old-1', now + 60_000)).toBe(true);
    await reopened.close();
  });

  test('full of live entries it fails closed', async () => {
    const store = await FileReplayStore.open(freshDir(), { capacity: 1 });
    await store.claim('a', Date.now() + 60_000);
    await expect(store.claim('b', Date.now() + 60_000)).rejects.toBeInstanceOf(ReplayStoreUnavailable);
    await store.close();
  });
});
