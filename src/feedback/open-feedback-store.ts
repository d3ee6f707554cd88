import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { FeedbackStore } from './feedback-store.js';
import { FileFeedbackStore } from './file-feedback-store.js';
import { PostgresFeedbackStore } from './postgres-feedback-store.js';

/** The configured store could not be opened; start-up stops with this message (no stack trace). */
export class FeedbackStoreError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'FeedbackStoreError';
  }
}

/**
 * Opens the store the configuration selects: PostgreSQL when DATABASE_URL is set, else the file store in
 * FEEDBACK_DIR. Fails (FeedbackStoreError) rather than falling back: feedback written to an unexpected place would
 * look lost.
 */
export async function openFeedbackStore(
  config: Pick<Config, 'feedbackDir' | 'databaseUrl' | 'databaseSchema'>,
  logger: Logger
): Promise<FeedbackStore> {
  const onCardWriteError = (error: unknown, dropped: number): void => {
    logger.warn({ err: error, dropped }, 'cards shown could not be written; retrying with the next batch');
  };
  if (config.databaseUrl !== undefined) {
    try {
      const store = await PostgresFeedbackStore.open({
        connectionString: config.databaseUrl,
        ...(config.databaseSchema === undefined ? {} : { schema: config.databaseSchema }),
        onCardWriteError,
        onPoolError: (error) => {
          logger.warn({ err: error }, 'an idle PostgreSQL connection failed');
        },
      });
      logger.info({ store: 'postgresql', schema: config.databaseSchema ?? '(search_path)' }, 'feedback store open');
      return store;
    } catch (error) {
      // The connection string is not repeated: it may hold a password.
      throw new FeedbackStoreError(`feedback store: PostgreSQL (DATABASE_URL) could not be opened: ${message(error)}`, {
        cause: error,
      });
    }
  }
  try {
    const store = await FileFeedbackStore.open(config.feedbackDir, { onCardWriteError });
    const { recovery } = store;
    logger.info({ store: 'file', dir: config.feedbackDir, ...recovery }, 'feedback store open');
    if (recovery.skippedLines > 0 || recovery.truncatedBytes > 0) {
      logger.warn(
        { skippedLines: recovery.skippedLines, truncatedBytes: recovery.truncatedBytes },
        'feedback store: set aside an unfinished last line (a write cut short by a crash) or damaged lines'
      );
    }
    return store;
  } catch (error) {
    throw new FeedbackStoreError(
      `feedback store: FEEDBACK_DIR ${config.feedbackDir} could not be opened: ${message(error)}`,
      { cause: error }
    );
  }
}

function message(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    // pg reports a refused connection to every resolved address as an AggregateError with an empty message.
    return error.errors.map(message).join('; ');
  }
  return error instanceof Error && error.message !== '' ? error.message : String(error);
}
