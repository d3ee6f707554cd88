import type { Dependency } from '../dependency.js';
import type { CardShown } from './card-shown.js';
import type { FeedbackRecord } from './feedback-record.js';
import { tallyFeedback, type RuleTally, type TimeWindow } from './feedback-tally.js';

export interface SaveResult {
  readonly stored: number;
  readonly duplicates: number;
}

/**
 * Where feedback and the cards shown are kept (docs/feedback-and-metrics.md).
 *
 * Feedback: `save` resolves only once the records are durably stored (a 200 promises that), and stores each
 * idempotency key once, also under concurrent posts. Cards shown: `recordCardShown` returns at once and the store
 * writes them in batches, so a crash may lose the last moment of them (never feedback). The interface is async and
 * says nothing about processes, so a store may sit behind IPC or a network. Feedback about a card this store is still
 * holding in its buffer is acknowledged only after that card is written: otherwise a crash between the two would
 * leave the feedback without its rule (counted under `unknown`).
 */
export interface FeedbackStore {
  save(records: readonly FeedbackRecord[]): Promise<SaveResult>;
  /** Every stored feedback record, in the order stored (tests and exports). */
  all(): Promise<readonly FeedbackRecord[]>;
  /** Notes a card the service returned; never blocks the response and never throws. */
  recordCardShown(card: CardShown): void;
  /** Per-rule counts over the window (definitions on RuleTally), after writing the cards still buffered. */
  tally(window: TimeWindow): Promise<readonly RuleTally[]>;
  /** Writes what is buffered and releases files or connections. */
  close(): Promise<void>;
  /** Where the store keeps its data, checked by /readyz (absent for the in-memory store). */
  readonly dependency?: Dependency;
}

/** In-memory store: keeps nothing across restarts; for tests and tools, never the service's default. */
export class MemoryFeedbackStore implements FeedbackStore {
  private readonly records = new Map<string, FeedbackRecord>();
  private readonly cards = new Map<string, CardShown>();

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

  recordCardShown(card: CardShown): void {
    if (!this.cards.has(card.cardUuid)) {
      this.cards.set(card.cardUuid, card);
    }
  }

  tally(window: TimeWindow): Promise<readonly RuleTally[]> {
    return Promise.resolve(tallyFeedback(this.records.values(), this.cards, window));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Feedback about a card must not be acknowledged while the card's "shown" record is only in memory. */
export class CardsNotStored extends Error {
  constructor() {
    super('the cards this feedback is about could not be stored yet');
    this.name = 'CardsNotStored';
  }
}
