import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

/** One bucket file written by a BucketWriter, and how many characters went into it. */
export interface Bucket {
  readonly file: string;
  readonly size: number;
}

/** Memory for unwritten lines, shared by all buckets of a writer. */
const BUFFER_CHARS = 8 * 1024 * 1024;
const MIN_FLUSH_CHARS = 4 * 1024;

/**
 * Temporary bucket files for the external grouping of an export (partition-export.ts): each line is
 * `<encoded patient id> TAB <resource JSON>`, so that reading a bucket back needs no JSON parsing to group it.
 * Writes are buffered per bucket within a fixed total (8 MB) and appended synchronously: no file stays open, so the
 * number of buckets is not bounded by the open-file limit.
 */
export class BucketWriter {
  private readonly chunks: string[][];
  private readonly pending: number[];
  private readonly sizes: number[];
  private readonly flushAt: number;

  constructor(
    private readonly dir: string,
    private readonly name: string,
    readonly count: number
  ) {
    this.chunks = Array.from({ length: count }, () => []);
    this.pending = new Array<number>(count).fill(0);
    this.sizes = new Array<number>(count).fill(0);
    this.flushAt = Math.max(MIN_FLUSH_CHARS, Math.floor(BUFFER_CHARS / count));
  }

  /** `encodedId` is the patient id as `encodePatientId` gives it; `line` one resource. */
  write(bucket: number, encodedId: string, line: string): void {
    const record = `${encodedId}\t${line}\n`;
    (this.chunks[bucket] as string[]).push(record);
    this.pending[bucket] = (this.pending[bucket] ?? 0) + record.length;
    this.sizes[bucket] = (this.sizes[bucket] ?? 0) + record.length;
    if ((this.pending[bucket] ?? 0) >= this.flushAt) {
      this.flush(bucket);
    }
  }

  /** Writes what is buffered and lists the buckets that got any line. */
  close(): Bucket[] {
    const buckets: Bucket[] = [];
    for (let bucket = 0; bucket < this.count; bucket += 1) {
      this.flush(bucket);
      const size = this.sizes[bucket] ?? 0;
      if (size > 0) {
        buckets.push({ file: this.fileOf(bucket), size });
      }
    }
    return buckets;
  }

  private flush(bucket: number): void {
    const chunks = this.chunks[bucket] as string[];
    if (chunks.length > 0) {
      appendFileSync(this.fileOf(bucket), chunks.join(''));
      chunks.length = 0;
      this.pending[bucket] = 0;
    }
  }

  private fileOf(bucket: number): string {
    return join(this.dir, `${this.name}-${String(bucket)}.tsv`);
  }
}

/** A patient id that cannot contain the tab or newline of a bucket line (FHIR ids cannot, references might). */
export const encodePatientId = encodeURIComponent;
export const decodePatientId = decodeURIComponent;
