-- Feedback (CDS Hooks "Feedback") and the cards the service returned, for the analytics.
-- Applied by src/feedback/migrate.ts, once, in file-name order, inside one transaction.
-- No patient data: card and suggestion uuids, rule and service ids, coded reasons, and the clinician's comment.

CREATE TABLE feedback (
  -- Idempotency key (sha-256 of the normalised item): the same feedback posted twice is stored once.
  key                  text PRIMARY KEY,
  service_id           text NOT NULL,
  card                 text NOT NULL,
  outcome              text NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
  accepted_suggestions jsonb NOT NULL,
  override_reasons     jsonb NOT NULL,
  outcome_at           timestamptz NOT NULL,
  received_at          timestamptz NOT NULL DEFAULT now(),
  -- Order of storage, for reading records back in the order they came.
  seq                  bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX feedback_card ON feedback (card);
CREATE INDEX feedback_outcome_at ON feedback (outcome_at);

CREATE TABLE cards_shown (
  card_uuid  text PRIMARY KEY,
  rule_id    text NOT NULL,
  service_id text NOT NULL,
  indicator  text NOT NULL CHECK (indicator IN ('info', 'warning', 'critical')),
  shown_at   timestamptz NOT NULL,
  tenant     text
);
CREATE INDEX cards_shown_shown_at ON cards_shown (shown_at);
