import { createHash } from 'node:crypto';
import { open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AppendLog, syncDirectory } from '../feedback/append-log.js';
import { ReplayStoreUnavailable, type ReplayStore } from './replay-store.js';

export const SEEN_JTIS_FILE = 'seen-jtis.jsonl';

export interface FileReplayStoreOptions {
  /** Most live entries; beyond it the store fails closed, like the in-memory one. */
  readonly capacity?: number;
  readonly now?: () => number;
}

/** One line of the file: the hashed key and when the entry may be forgotten (epoch ms). */
interface SeenLine {
  readonly k: string;
  readonly e: number;
}

interface Waiting {
  readonly line: SeenLine;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

const isSeenLine = (value: unknown): value is SeenLine =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as SeenLine).k === 'string' &&
  typeof (value as SeenLine).e === 'number';

/**
 * The `jti` store of the embedded configuration (no REDIS_URL, feedback in FEEDBACK_DIR): seen keys are kept in
 * memory and in `seen-jtis.jsonl` beside the feedback files, so that a token accepted before a restart is still a
 * replay after it. A claim is answered only once its line is on disk (group-committed: the claims that arrive during
 * one write share the next write and fsync), entries are loaded at start-up unless their time has passed, and the
 * file is rewritten with only the live entries when it holds more than twice as many lines as needed.
 *
 * One process per directory, like the file feedback store: the worker threads never see tokens (the main thread
 * authenticates), but two processes on one directory would not see each other's claims. Several replicas use Redis.
 */
export class FileReplayStore implements ReplayStore {
  private readonly entries = new Map<string, number>();
  private readonly capacity: number;
  private readonly now: () => number;
  private waiting: Waiting[] = [];
  private draining: Promise<void> | undefined;
  private linesInFile: number;
  private compactCheckAt: number;
  private nextSweepAt = 0;

  private constructor(
    private log: AppendLog,
    lines: readonly SeenLine[],
    options: FileReplayStoreOptions
  ) {
    this.capacity = options.capacity ?? 100_000;
    this.now = options.now ?? Date.now;
    this.linesInFile = lines.length;
    this.compactCheckAt = lines.length + 1000;
    const now = this.now();
    for (const line of lines) {
      if (line.e > now && (this.entries.get(line.k) ?? 0) < line.e) {
        this.entries.set(line.k, line.e);
      }
    }
  }

  static async open(dir: string, options: FileReplayStoreOptions = {}): Promise<FileReplayStore> {
    const { log, replay } = await AppendLog.open(join(dir, SEEN_JTIS_FILE));
    return new FileReplayStore(log, replay.entries.filter(isSeenLine), options);
  }

  async claim(key: string, expiresAtMs: number): Promise<boolean> {
    const now = this.now();
    if (now >= this.nextSweepAt || this.entries.size >= this.capacity) {
      this.sweep(now);
    }
    // Hashed: iss and jti are client-chosen strings; the file holds short, uniform keys.
    const k = createHash('sha256').update(key).digest('base64url');
    const seen = this.entries.get(k);
    if (seen !== undefined && seen > now) {
      return false;
    }
    if (this.entries.size >= this.capacity) {
      throw new ReplayStoreUnavailable(`the jti store holds ${String(this.capacity)} live entries`);
    }
    // Taken in memory at once, so a concurrent claim of the same key is refused while this one is being written.
    this.entries.set(k, expiresAtMs);
    try {
      await this.persist({ k, e: expiresAtMs });
    } catch (error) {
      this.entries.delete(k);
      throw new ReplayStoreUnavailable(`${SEEN_JTIS_FILE} could not be written`, { cause: error });
    }
    return true;
  }

  /** Live entries (for tests). */
  get size(): number {
    return this.entries.size;
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    await this.draining;
    await this.log.close();
  }

  private persist(line: SeenLine): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ line, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** Writes the waiting claims as groups (one write and fsync each); compacts between groups, never during one. */
  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const group = this.waiting;
      this.waiting = [];
      try {
        await this.log.append(group.map((w) => w.line));
        this.linesInFile += group.length;
        for (const w of group) {
          w.resolve();
        }
      } catch (error) {
        for (const w of group) {
          w.reject(error);
        }
      }
      if (this.linesInFile >= this.compactCheckAt) {
        this.sweep(this.now());
        if (this.linesInFile > 2 * this.entries.size) {
          await this.compact().catch(() => undefined); // the old file stays valid; a later check tries again
        }
        // Not after every group: a sweep walks every entry.
        this.compactCheckAt = this.linesInFile + Math.max(1000, this.entries.size);
      }
    }
    this.draining = undefined;
  }

  /** Rewrites the file with the live entries only: a new file renamed over the old one, both fsynced. */
  private async compact(): Promise<void> {
    const path = this.log.path;
    const temporary = `${path}.compacting`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      const text = [...this.entries].map(([k, e]) => `${JSON.stringify({ k, e })}\n`).join('');
      await handle.writeFile(text, 'utf8');
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
    await syncDirectory(dirname(path));
    const reopened = await AppendLog.open(path);
    await this.log.close();
    this.log = reopened.log;
    this.linesInFile = this.entries.size;
  }

  private sweep(now: number): void {
    for (const [key, expiresAt] of this.entries) {
      if (expiresAt <= now) {
        this.entries.delete(key);
      }
    }
    this.nextSweepAt = now + 60_000;
  }
}
