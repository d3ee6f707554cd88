import { readFileSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { BucketWriter, decodePatientId, type Bucket } from './bucket-writer.js';
import type { PatientLines } from './evaluate-patients.js';
import { ndjsonLines } from './ndjson-lines.js';
import { bucketOf } from './patient-key.js';

/**
 * Pass 2 of the external grouping (partition-export.ts wrote the buckets): one bucket at a time is read into
 * memory and grouped by patient, and its patients are handed out in order of id (so that runs are reproducible
 * whatever the number of workers). A bucket larger than 1.5 times the target (the size estimate of a gzip file can
 * be low) is first split into smaller ones by a differently seeded hash, so that memory stays bounded by the target,
 * not by the input. Each bucket file is deleted once read.
 */
export interface BucketOptions {
  readonly tempDir: string;
  readonly bucketChars: number;
  /** Medication resources of the export by id (as lines), joined to the patients that reference them. */
  readonly medications: ReadonlyMap<string, string>;
}

/** Splitting a bucket again and again cannot help when one patient is larger than the target. */
const MAX_SPLITS = 3;

export async function* patientsOfBuckets(
  buckets: readonly Bucket[],
  options: BucketOptions,
  splits = 0
): AsyncGenerator<PatientLines> {
  for (const bucket of buckets) {
    if (bucket.size > options.bucketChars * 1.5 && splits < MAX_SPLITS) {
      yield* patientsOfBuckets(await split(bucket, options, splits + 1), options, splits + 1);
      continue;
    }
    const text = readFileSync(bucket.file, 'utf8');
    rmSync(bucket.file);
    const patients = new Map<string, string[]>();
    for (const line of text.split('\n')) {
      const tab = line.indexOf('\t');
      if (tab > 0) {
        const id = line.slice(0, tab);
        const lines = patients.get(id);
        const resource = line.slice(tab + 1);
        if (lines === undefined) {
          patients.set(id, [resource]);
        } else {
          lines.push(resource);
        }
      }
    }
    for (const id of [...patients.keys()].sort()) {
      const lines = patients.get(id) as string[];
      patients.delete(id);
      yield { id: decodePatientId(id), lines: withMedications(lines, options.medications) };
    }
  }
}

async function split(bucket: Bucket, options: BucketOptions, seed: number): Promise<Bucket[]> {
  const writer = new BucketWriter(
    options.tempDir,
    `${basename(bucket.file, '.tsv')}-split`,
    Math.ceil(bucket.size / options.bucketChars) + 1
  );
  for await (const { text } of ndjsonLines(bucket.file)) {
    const tab = text.indexOf('\t');
    if (tab > 0) {
      const id = text.slice(0, tab);
      writer.write(bucketOf(decodePatientId(id), writer.count, seed), id, text.slice(tab + 1));
    }
  }
  rmSync(bucket.file);
  return writer.close();
}

/** `Medication/123` (relative or absolute) in a medicationReference; contained `#med` ones travel with the order. */
const MEDICATION_REFERENCE = /"reference"\s*:\s*"(?:[^"]*\/)?Medication\/([^"/]+)"/g;

/** A patient's lines and the Medication resources they reference (Bulk Data exports them in a file of their own). */
function withMedications(lines: string[], medications: ReadonlyMap<string, string>): string[] {
  if (medications.size === 0) {
    return lines;
  }
  const referenced = new Set<string>();
  for (const line of lines) {
    if (line.includes('Medication/')) {
      for (const match of line.matchAll(MEDICATION_REFERENCE)) {
        const medication = medications.get(match[1] ?? '');
        if (medication !== undefined) {
          referenced.add(medication);
        }
      }
    }
  }
  return referenced.size === 0 ? lines : [...lines, ...referenced];
}
