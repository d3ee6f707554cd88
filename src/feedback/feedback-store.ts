import type { FeedbackRecord } from './feedback-record.js';

export interface SaveResult {
  readonly stored: number;
  readonly duplicates: number;
}

/**
 * Where feedback is kept. `save` resolves only once the records are stored (a 200 promises that), and stores each
 * idempotency key once, also under concurrent posts.
 */
export interface FeedbackStore {
  save(records: readonly FeedbackRecord[]): Promise<SaveResult>;
  all(): Promise<readonly FeedbackRecord[]>;
  close(): Promise<void>;
}

/** In-memory store: for tests and as the simplest embedded default. */
export class MemoryFeedbackStore implements FeedbackStore {
  private readonly records = new Map<string, FeedbackRecord>();

  save(records: readonly FeedbackRecord[]): Promise<SaveResult> {
    let stored = 0;
    for (const record of records) {
      if (!this.records.has(record.key)) {
        this.records.set(record.key, record);
        stored += 1;
      }
    }
    return Promise.resolve({ stored, duplicates: records.length - stored });
  }

  all(): Promise<readonly FeedbackRecord[]> {
    return Promise.resolve([...this.records.values()]);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
