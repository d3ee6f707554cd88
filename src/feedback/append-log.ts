import { constants } from 'node:fs';
import { access, mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** What opening a log found: the entries of its complete lines, and what had to be set aside. */
export interface Replay {
  readonly entries: readonly unknown[];
  /** Complete lines that were not JSON (left in place, never trusted). */
  readonly skippedLines: number;
  /** Bytes of an unfinished last line (a write cut short by a crash), cut off so appends start on a fresh line. */
  readonly truncatedBytes: number;
}

const NEWLINE = 0x0a;
const CHUNK_BYTES = 1 << 20;

/**
 * A durable, append-only JSON-lines file. `append` writes a batch of lines with one write on a file opened with
 * O_APPEND, then `fdatasync`s it, and resolves only after that: what it acknowledged survives a crash or power loss
 * (given a disk that honours fsync). A crash during a write can leave an unfinished last line; `open` detects it,
 * cuts it off and goes on. The directory is fsynced when the file (or the directory) is created, so the file's name
 * is as durable as its content.
 *
 * One writer process only: two processes appending to one file would each keep their own idea of its size and
 * contents (docs/feedback-and-metrics.md).
 */
export class AppendLog {
  /** Appends run one after another, whoever calls. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Set when the file's state is no longer known (a failed fsync); every later append is refused. */
  private broken: Error | undefined;

  private constructor(
    private readonly handle: FileHandle,
    private size: number,
    readonly path: string
  ) {}

  static async open(path: string): Promise<{ log: AppendLog; replay: Replay }> {
    const dir = dirname(path);
    const firstCreated = await mkdir(dir, { recursive: true });
    let handle: FileHandle;
    try {
      // O_EXCL tells whether this call created the file, and so whether the directory entry needs an fsync.
      handle = await open(path, 'ax+', 0o600);
      await syncDirectory(dir);
      if (firstCreated !== undefined) {
        for (let d = dir; d !== dirname(firstCreated); d = dirname(d)) {
          await syncDirectory(dirname(d));
        }
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
      handle = await open(path, 'a+');
    }
    try {
      const replay = await readLines(handle);
      const log = new AppendLog(handle, replay.validBytes, path);
      if (replay.truncatedBytes > 0) {
        await handle.truncate(replay.validBytes);
        await handle.datasync();
      }
      return {
        log,
        replay: { entries: replay.entries, skippedLines: replay.skippedLines, truncatedBytes: replay.truncatedBytes },
      };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Appends one JSON line per value, durably; resolves when they are on disk. */
  append(values: readonly unknown[]): Promise<void> {
    const run = this.tail.then(() => this.write(values));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Rejects when appends could not reach this file any more: after a failed write, or when the path no longer names
   * the open file (the directory was removed, unmounted or replaced) or its directory is not writable.
   */
  async check(): Promise<void> {
    if (this.broken !== undefined) {
      throw this.broken;
    }
    const [named, opened] = await Promise.all([stat(this.path), this.handle.stat()]);
    if (named.ino !== opened.ino || named.dev !== opened.dev) {
      throw Object.assign(new Error(`${this.path} is no longer the file this store has open`), { code: 'EREPLACED' });
    }
    await access(dirname(this.path), constants.W_OK);
  }

  async close(): Promise<void> {
    await this.tail;
    await this.handle.close();
  }

  private async write(values: readonly unknown[]): Promise<void> {
    if (this.broken !== undefined) {
      throw new Error(`${this.path} is not writable since an earlier failure; restart the service`, {
        cause: this.broken,
      });
    }
    if (values.length === 0) {
      return;
    }
    // JSON.stringify never emits a raw newline, so each value is exactly one line.
    const buffer = Buffer.from(values.map((v) => `${JSON.stringify(v)}\n`).join(''), 'utf8');
    try {
      let written = 0;
      while (written < buffer.length) {
        const { bytesWritten } = await this.handle.write(buffer, written, buffer.length - written);
        written += bytesWritten;
      }
    } catch (error) {
      // A short write (disk full) would leave half a line; take it back so the next append starts cleanly.
      try {
        await this.handle.truncate(this.size);
      } catch (truncateError) {
        this.broken = truncateError as Error;
      }
      throw error;
    }
    try {
      await this.handle.datasync();
    } catch (error) {
      // After a failed fsync the kernel may have dropped the dirty pages: nothing about the file can be trusted.
      this.broken = error as Error;
      throw error;
    }
    this.size += buffer.length;
  }
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Reads the file in chunks (a log may outgrow one string) and parses each complete line. */
async function readLines(handle: FileHandle): Promise<{
  entries: unknown[];
  skippedLines: number;
  truncatedBytes: number;
  validBytes: number;
}> {
  const entries: unknown[] = [];
  let skippedLines = 0;
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let position = 0;
  let carry = Buffer.alloc(0);
  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
    if (bytesRead === 0) {
      break;
    }
    position += bytesRead;
    const data =
      carry.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
    let start = 0;
    for (let end = data.indexOf(NEWLINE, start); end !== -1; end = data.indexOf(NEWLINE, start)) {
      try {
        entries.push(JSON.parse(data.toString('utf8', start, end)));
      } catch {
        skippedLines += 1;
      }
      start = end + 1;
    }
    // Copied: `chunk` is reused by the next read.
    carry = Buffer.from(data.subarray(start));
  }
  return { entries, skippedLines, truncatedBytes: carry.length, validBytes: position - carry.length };
}
