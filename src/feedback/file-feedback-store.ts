import { join } from 'node:path';
import type { Dependency } from '../dependency.js';
import { AppendLog } from './append-log.js';
import { BatchBuffer } from './batch-buffer.js';
import { isCardShown, type CardShown } from './card-shown.js';
import { isFeedbackRecord, type FeedbackRecord } from './feedback-record.js';
import { CardsNotStored, type FeedbackStore, type SaveResult } from './feedback-store.js';
import { tallyFeedback, type RuleTally, type TimeWindow } from './feedback-tally.js';

export interface FileStoreOptions {
  /** Longest a card shown waits in memory before it is written (default 1 s). */
  readonly cardFlushMs?: number;
  /** Cards shown could not be written; `dropped` of them were given up. */
  readonly onCardWriteError?: (error: unknown, dropped: number) => void;
}

/** What opening the store found in its files: damage it set aside (logged at start-up, never fatal). */
export interface FileStoreRecovery {
  readonly feedbackRecords: number;
  readonly cardsShown: number;
  readonly skippedLines: number;
  readonly truncatedBytes: number;
}

interface PendingSave {
  readonly records: readonly FeedbackRecord[];
  readonly resolve: (result: SaveResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The embedded default store: two append-only JSON-lines files in one directory, `feedback.jsonl` and
 * `cards-shown.jsonl`, replayed into memory at start-up. No server, no native module.
 *
 * Feedback is group-committed: saves that arrive while a write is in progress are gathered, de-duplicated against
 * what is stored and against each other, written with one write and one fsync, and only then acknowledged. So the
 * same key posted concurrently is stored once, and every resolved save is on disk.
 *
 * Single writer: exactly one process may open a directory. Worker processes must hand their feedback to the process
 * that owns the store (docs/feedback-and-metrics.md); PostgreSQL is the store for several writers.
 */
export class FileFeedbackStore implements FeedbackStore {
  private readonly records = new Map<string, FeedbackRecord>();
  private readonly cards = new Map<string, CardShown>();
  private readonly cardBuffer: BatchBuffer<CardShown>;
  private pending: PendingSave[] = [];
  readonly dependency: Dependency = {
    name: 'file feedback store (FEEDBACK_DIR)',
    check: async () => {
      await Promise.all([this.feedbackLog.check(), this.cardsLog.check()]);
    },
  };
  private committing = false;
  private committed: Promise<void> = Promise.resolve();

  private constructor(
    private readonly feedbackLog: AppendLog,
    private readonly cardsLog: AppendLog,
    readonly recovery: FileStoreRecovery,
    options: FileStoreOptions
  ) {
    this.cardBuffer = new BatchBuffer<CardShown>(
      async (cards) => {
        await this.cardsLog.append(cards);
        for (const card of cards) {
          this.keepCard(card);
        }
      },
      {
        maxDelayMs: options.cardFlushMs ?? 1000,
        maxBatch: 1000,
        maxPending: 10_000,
        onError: options.onCardWriteError ?? (() => undefined),
      }
    );
  }

  static async open(dir: string, options: FileStoreOptions = {}): Promise<FileFeedbackStore> {
    const feedback = await AppendLog.open(join(dir, 'feedback.jsonl'));
    let cards: Awaited<ReturnType<typeof AppendLog.open>>;
    try {
      cards = await AppendLog.open(join(dir, 'cards-shown.jsonl'));
    } catch (error) {
      await feedback.log.close();
      throw error;
    }
    const records = feedback.replay.entries.filter(isFeedbackRecord);
    const shown = cards.replay.entries.filter(isCardShown);
    const recovery: FileStoreRecovery = {
      feedbackRecords: records.length,
      cardsShown: shown.length,
      skippedLines:
        feedback.replay.skippedLines +
        cards.replay.skippedLines +
        (feedback.replay.entries.length - records.length) +
        (cards.replay.entries.length - shown.length),
      truncatedBytes: feedback.replay.truncatedBytes + cards.replay.truncatedBytes,
    };
    const store = new FileFeedbackStore(feedback.log, cards.log, recovery, options);
    for (const record of records) {
      if (!store.records.has(record.key)) {
        store.records.set(record.key, record);
      }
    }
    for (const card of shown) {
      store.keepCard(card);
    }
    return store;
  }

  async save(records: readonly FeedbackRecord[]): Promise<SaveResult> {
    // A card shown must be on disk before feedback about it is: a crash would otherwise orphan the feedback.
    const cards = new Set(records.map((r) => r.card));
    if (!(await this.cardBuffer.flushWhere((card) => cards.has(card.cardUuid)))) {
      throw new CardsNotStored();
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ records, resolve, reject });
      if (!this.committing) {
        this.committing = true;
        this.committed = this.commit();
      }
    });
  }

  all(): Promise<readonly FeedbackRecord[]> {
    return Promise.resolve([...this.records.values()]);
  }

  recordCardShown(card: CardShown): void {
    this.cardBuffer.add(card);
  }

  async tally(window: TimeWindow): Promise<readonly RuleTally[]> {
    await this.cardBuffer.flush();
    return tallyFeedback(this.records.values(), this.cards, window);
  }

  async close(): Promise<void> {
    await this.cardBuffer.flush();
    await this.committed;
    await this.feedbackLog.close();
    await this.cardsLog.close();
  }

  /** Writes every waiting save as one group: one write, one fsync, then each caller is answered. */
  private async commit(): Promise<void> {
    while (this.pending.length > 0) {
      const group = this.pending;
      this.pending = [];
      const fresh = new Map<string, FeedbackRecord>();
      const results = group.map(({ records }) => {
        let stored = 0;
        for (const record of records) {
          if (!this.records.has(record.key) && !fresh.has(record.key)) {
            fresh.set(record.key, record);
            stored += 1;
          }
        }
        return { stored, duplicates: records.length - stored };
      });
      try {
        await this.feedbackLog.append([...fresh.values()]);
      } catch (error) {
        for (const save of group) {
          save.reject(error);
        }
        continue;
      }
      for (const [key, record] of fresh) {
        this.records.set(key, record);
      }
      group.forEach((save, i) => {
        save.resolve(results[i] ?? { stored: 0, duplicates: save.records.length });
      });
    }
    this.committing = false;
  }

  private keepCard(card: CardShown): void {
    if (!this.cards.has(card.cardUuid)) {
      this.cards.set(card.cardUuid, card);
    }
  }
}
