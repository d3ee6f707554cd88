import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { InputError } from '../cli/cli-error.js';
import { BucketWriter, encodePatientId, type Bucket } from './bucket-writer.js';
import type { BadLine } from './cohort-report.js';
import { isGzip, ndjsonLines } from './ndjson-lines.js';
import { bucketOf, inShard, patientIdOf, type Shard } from './patient-key.js';

/**
 * Pass 1 of the external grouping of a Bulk Data export: every line of every file is read once, streamed, and
 * appended to one of K bucket files chosen by a hash of its patient's id, so that each bucket holds all the
 * resources of its patients and nothing else. K is chosen from the size of the input so that a bucket is about
 * `bucketChars` (pass 2, bucket-groups.ts, holds one bucket in memory at a time, and splits one that came out too
 * big). Memory here: one line, the write buffers (8 MB), and the Medication resources, which belong to no patient
 * (their number is the formulary's, not the population's).
 */
export interface PartitionOptions {
  readonly files: readonly string[];
  readonly tempDir: string;
  readonly bucketChars: number;
  readonly shard: Shard | undefined;
  readonly skipBadLines: boolean;
  readonly onRead?: (read: ReadProgress) => void;
}

export interface ReadProgress {
  readonly filesDone: number;
  readonly files: number;
  readonly bytesRead: number;
  readonly bytes: number;
}

export interface PartitionedExport {
  readonly buckets: readonly Bucket[];
  /** Medication resources by id, as their lines: joined to the patients whose medications reference them. */
  readonly medications: ReadonlyMap<string, string>;
  readonly lines: number;
  readonly withoutPatient: number;
  readonly skippedLines: number;
  readonly badLines: readonly BadLine[];
  /** Patient resources of this shard: the number of patients to expect, for progress. */
  readonly patientResources: number;
}

/** The report lists this many bad lines; the count covers them all. */
const LISTED_BAD_LINES = 20;
/** A gzip file whose trailer cannot tell its size is assumed to be this many times larger unpacked. */
const GZIP_RATIO = 10;

export async function partitionExport(options: PartitionOptions): Promise<PartitionedExport> {
  const sizes = await Promise.all(options.files.map((file) => sizeOf(file)));
  const bytes = sizes.reduce((sum, s) => sum + s.onDisk, 0);
  const expected = sizes.reduce((sum, s) => sum + s.unpacked, 0) / (options.shard?.count ?? 1);
  const writer = new BucketWriter(
    options.tempDir,
    'bucket',
    Math.min(4096, Math.max(1, Math.ceil(expected / options.bucketChars)))
  );
  const medications = new Map<string, string>();
  const badLines: BadLine[] = [];
  let lines = 0;
  let withoutPatient = 0;
  let skippedLines = 0;
  let patientResources = 0;
  let bytesBefore = 0;

  for (const [i, file] of options.files.entries()) {
    const onBytes = (read: number): void => {
      options.onRead?.({ filesDone: i, files: options.files.length, bytesRead: bytesBefore + read, bytes });
    };
    for await (const { text, number } of ndjsonLines(file, onBytes)) {
      if (text.trim() === '') {
        continue;
      }
      lines += 1;
      const bad = (problem: string): void => {
        if (!options.skipBadLines) {
          throw new InputError(
            `${file}, line ${String(number)}: ${problem}. Give --skip-bad-lines to go on without such lines.`
          );
        }
        skippedLines += 1;
        if (badLines.length < LISTED_BAD_LINES) {
          badLines.push({ file: basename(file), line: number, error: problem });
        }
      };
      let resource: unknown;
      try {
        resource = JSON.parse(text);
      } catch (error) {
        bad(`not valid JSON (${error instanceof Error ? error.message : 'parse error'})`);
        continue;
      }
      if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
        bad('not a FHIR resource (not a JSON object)');
        continue;
      }
      const fields = resource as Record<string, unknown>;
      const type = fields['resourceType'];
      if (typeof type !== 'string' || type === '') {
        bad('not a FHIR resource (it has no resourceType)');
        continue;
      }
      const patientId = patientIdOf(fields);
      if (patientId === undefined) {
        if (type === 'Patient') {
          bad('a Patient without an id');
        } else if (type === 'Medication' && typeof fields['id'] === 'string') {
          medications.set(fields['id'], text);
        } else {
          withoutPatient += 1;
        }
        continue;
      }
      if (!inShard(patientId, options.shard)) {
        continue;
      }
      if (type === 'Patient') {
        patientResources += 1;
      }
      writer.write(bucketOf(patientId, writer.count), encodePatientId(patientId), text);
    }
    bytesBefore += sizes[i]?.onDisk ?? 0;
    options.onRead?.({ filesDone: i + 1, files: options.files.length, bytesRead: bytesBefore, bytes });
  }
  return {
    buckets: writer.close(),
    medications,
    lines,
    withoutPatient,
    skippedLines,
    badLines,
    patientResources,
  };
}

/** A file's size on disk, and unpacked: a gzip file's trailer holds its size modulo 2^32 (RFC 1952 2.3.1, ISIZE). */
async function sizeOf(file: string): Promise<{ onDisk: number; unpacked: number }> {
  try {
    const onDisk = (await stat(file)).size;
    if (!(await isGzip(file)) || onDisk < 18) {
      return { onDisk, unpacked: onDisk };
    }
    const handle = await open(file, 'r');
    try {
      const trailer = Buffer.alloc(4);
      await handle.read(trailer, 0, 4, onDisk - 4);
      const isize = trailer.readUInt32LE(0);
      // Several gzip members (the trailer tells the last one's size), or over 4 GiB: estimate.
      return { onDisk, unpacked: isize >= onDisk ? isize : onDisk * GZIP_RATIO };
    } finally {
      await handle.close();
    }
  } catch {
    throw new InputError(`Cannot read ${file}.`);
  }
}
