import pg from 'pg';
import type { Dependency } from '../dependency.js';
import { BatchBuffer } from './batch-buffer.js';
import type { CardShown } from './card-shown.js';
import type { FeedbackRecord } from './feedback-record.js';
import { CardsNotStored, type FeedbackStore, type SaveResult } from './feedback-store.js';
import { UNKNOWN_RULE, type ReasonTally, type RuleTally, type TimeWindow } from './feedback-tally.js';
import { defaultMigrationsDir, migrate } from './migrate.js';

export interface PostgresStoreOptions {
  readonly connectionString: string;
  /** Schema for the tables (created if missing); unset: the server's search_path. */
  readonly schema?: string;
  readonly migrationsDir?: string;
  readonly poolSize?: number;
  /** Longest a card shown waits in memory before it is written (default 1 s). */
  readonly cardFlushMs?: number;
  readonly onCardWriteError?: (error: unknown, dropped: number) => void;
  /** An idle pooled connection failed (the server restarted, say); the pool replaces it. */
  readonly onPoolError?: (error: Error) => void;
}

interface FeedbackRow {
  key: string;
  service_id: string;
  card: string;
  outcome: 'accepted' | 'overridden';
  accepted_suggestions: string[];
  override_reasons: FeedbackRecord['overrideReasons'];
  outcome_at: Date;
}

interface TallyRow {
  rule_id: string;
  cards_shown: number;
  accepted: number;
  overridden: number;
  without_reason: number;
  reasons: { system: string | null; code: string; display: string | null; count: number }[];
}

/**
 * Feedback in PostgreSQL (`DATABASE_URL`). Safe with any number of service processes: the idempotency key is the
 * primary key and rows go in with `INSERT ... ON CONFLICT DO NOTHING`, so concurrent duplicates are stored once;
 * `save` resolves after the COMMIT, which is durable with PostgreSQL's default `synchronous_commit = on`.
 * Migrations (db/migrations) are applied when the store opens.
 */
export class PostgresFeedbackStore implements FeedbackStore {
  private readonly cardBuffer: BatchBuffer<CardShown>;
  readonly dependency: Dependency = {
    name: 'PostgreSQL feedback store (DATABASE_URL)',
    check: async () => {
      await this.pool.query('SELECT 1');
    },
  };

  private constructor(
    private readonly pool: pg.Pool,
    options: PostgresStoreOptions
  ) {
    this.cardBuffer = new BatchBuffer<CardShown>((cards) => this.insertCards(cards), {
      maxDelayMs: options.cardFlushMs ?? 1000,
      maxBatch: 1000,
      maxPending: 10_000,
      onError: options.onCardWriteError ?? (() => undefined),
    });
  }

  static async open(options: PostgresStoreOptions): Promise<PostgresFeedbackStore> {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5000,
      // A feedback POST waits for its INSERT: bound it, so a stuck database gives a 500, not a hung client.
      statement_timeout: 10_000,
      ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
    });
    // Without a listener, an idle connection's error would crash the process.
    pool.on('error', options.onPoolError ?? (() => undefined));
    try {
      const client = await pool.connect();
      try {
        await migrate(client, options.migrationsDir ?? defaultMigrationsDir(), options.schema);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresFeedbackStore(pool, options);
  }

  async save(records: readonly FeedbackRecord[]): Promise<SaveResult> {
    // A card shown must be in the table before feedback about it is: a crash would otherwise orphan the feedback.
    const cards = new Set(records.map((r) => r.card));
    if (!(await this.cardBuffer.flushWhere((card) => cards.has(card.cardUuid)))) {
      throw new CardsNotStored();
    }
    const fresh = [...new Map(records.map((r) => [r.key, r])).values()];
    if (fresh.length === 0) {
      return { stored: 0, duplicates: records.length };
    }
    const result = await this.pool.query(
      `INSERT INTO feedback (key, service_id, card, outcome, accepted_suggestions, override_reasons, outcome_at)
       SELECT k, s, c, o, a, r, t
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::jsonb[], $7::timestamptz[])
            WITH ORDINALITY AS batch (k, s, c, o, a, r, t, n)
       ORDER BY n
       ON CONFLICT (key) DO NOTHING`,
      [
        fresh.map((r) => r.key),
        fresh.map((r) => r.serviceId),
        fresh.map((r) => r.card),
        fresh.map((r) => r.outcome),
        fresh.map((r) => JSON.stringify(r.acceptedSuggestions)),
        fresh.map((r) => JSON.stringify(r.overrideReasons)),
        fresh.map((r) => r.outcomeTimestamp),
      ]
    );
    const stored = result.rowCount ?? 0;
    return { stored, duplicates: records.length - stored };
  }

  async all(): Promise<readonly FeedbackRecord[]> {
    const { rows } = await this.pool.query<FeedbackRow>(
      `SELECT key, service_id, card, outcome, accepted_suggestions, override_reasons, outcome_at
       FROM feedback ORDER BY seq`
    );
    return rows.map((row) => ({
      key: row.key,
      serviceId: row.service_id,
      card: row.card,
      outcome: row.outcome,
      acceptedSuggestions: row.accepted_suggestions,
      overrideReasons: row.override_reasons,
      outcomeTimestamp: row.outcome_at.toISOString(),
    }));
  }

  recordCardShown(card: CardShown): void {
    this.cardBuffer.add(card);
  }

  /** The SQL twin of tallyFeedback (feedback-tally.ts): the same definitions, the same tie-breaks. */
  async tally(window: TimeWindow): Promise<readonly RuleTally[]> {
    await this.cardBuffer.flush();
    const { rows } = await this.pool.query<TallyRow>(
      `WITH w AS (SELECT $1::timestamptz AS since, $2::timestamptz AS until),
       shown AS (
         SELECT rule_id, count(*)::int AS n
         FROM cards_shown, w
         WHERE (w.since IS NULL OR shown_at >= w.since) AND (w.until IS NULL OR shown_at < w.until)
         GROUP BY rule_id),
       latest AS (
         SELECT DISTINCT ON (f.card) f.card, f.outcome, f.override_reasons, coalesce(c.rule_id, $3) AS rule_id
         FROM feedback f CROSS JOIN w LEFT JOIN cards_shown c ON c.card_uuid = f.card
         WHERE (w.since IS NULL OR f.outcome_at >= w.since) AND (w.until IS NULL OR f.outcome_at < w.until)
         ORDER BY f.card, f.outcome_at DESC, f.outcome COLLATE "C", f.key COLLATE "C"),
       outcomes AS (
         SELECT rule_id,
                count(*) FILTER (WHERE outcome = 'accepted')::int AS accepted,
                count(*) FILTER (WHERE outcome = 'overridden')::int AS overridden,
                count(*) FILTER (WHERE outcome = 'overridden' AND NOT EXISTS (
                  SELECT 1 FROM jsonb_array_elements(override_reasons) r WHERE r ? 'code'))::int AS without_reason
         FROM latest GROUP BY rule_id),
       reasons AS (
         SELECT l.rule_id, r->>'system' AS system, r->>'code' AS code,
                min((r->>'display') COLLATE "C") AS display, count(DISTINCT l.card)::int AS n
         FROM latest l CROSS JOIN LATERAL jsonb_array_elements(l.override_reasons) r
         WHERE l.outcome = 'overridden' AND r ? 'code'
         GROUP BY l.rule_id, r->>'system', r->>'code')
       SELECT coalesce(s.rule_id, o.rule_id) AS rule_id,
              coalesce(s.n, 0) AS cards_shown,
              coalesce(o.accepted, 0) AS accepted,
              coalesce(o.overridden, 0) AS overridden,
              coalesce(o.without_reason, 0) AS without_reason,
              coalesce((SELECT jsonb_agg(jsonb_build_object('system', system, 'code', code, 'display', display,
                                                            'count', n))
                        FROM reasons WHERE reasons.rule_id = coalesce(s.rule_id, o.rule_id)), '[]') AS reasons
       FROM shown s FULL OUTER JOIN outcomes o ON o.rule_id = s.rule_id`,
      [window.since?.toISOString() ?? null, window.until?.toISOString() ?? null, UNKNOWN_RULE]
    );
    return rows.map((row) => ({
      ruleId: row.rule_id,
      cardsShown: row.cards_shown,
      accepted: row.accepted,
      overridden: row.overridden,
      overriddenWithoutReason: row.without_reason,
      overrideReasons: row.reasons.map((r): ReasonTally => ({
        ...(r.system === null ? {} : { system: r.system }),
        code: r.code,
        ...(r.display === null ? {} : { display: r.display }),
        count: r.count,
      })),
    }));
  }

  async close(): Promise<void> {
    await this.cardBuffer.flush();
    await this.pool.end();
  }

  private async insertCards(cards: readonly CardShown[]): Promise<void> {
    await this.pool.query(
      `INSERT INTO cards_shown (card_uuid, rule_id, service_id, indicator, shown_at, tenant)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[])
       ON CONFLICT (card_uuid) DO NOTHING`,
      [
        cards.map((c) => c.cardUuid),
        cards.map((c) => c.ruleId),
        cards.map((c) => c.serviceId),
        cards.map((c) => c.indicator),
        cards.map((c) => c.shownAt),
        cards.map((c) => c.tenant ?? null),
      ]
    );
  }
}
