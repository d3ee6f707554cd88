import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { patientsOfBuckets } from '../../src/cohort/bucket-groups.js';
import { BucketWriter, encodePatientId } from '../../src/cohort/bucket-writer.js';
import type { PatientLines } from '../../src/cohort/evaluate-patients.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ctd-buckets-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** 200 patients of 5 lines each, interleaved, in one bucket (as a low size estimate of a gzip file would leave). */
function oneBigBucket(): ReturnType<BucketWriter['close']> {
  const writer = new BucketWriter(dir, 'bucket', 1);
  for (let line = 0; line < 5; line += 1) {
    for (let p = 0; p < 200; p += 1) {
      const id = `p/${String(p)}\t`; // not a FHIR id, but a reference may hold anything: the encoding keeps it
      writer.write(
        0,
        encodePatientId(id),
        JSON.stringify({ resourceType: 'Observation', id: `o${String(line)}`, n: p })
      );
    }
  }
  return writer.close();
}

async function collect(
  buckets: ReturnType<BucketWriter['close']>,
  bucketChars: number,
  seen?: () => void
): Promise<PatientLines[]> {
  const patients: PatientLines[] = [];
  for await (const patient of patientsOfBuckets(buckets, { tempDir: dir, bucketChars, medications: new Map() })) {
    seen?.();
    patients.push(patient);
  }
  return patients;
}

describe('pass 2 of the grouping', () => {
  test('groups a bucket by patient, every line of a patient together, patients in id order', async () => {
    const patients = await collect(oneBigBucket(), 10_000_000);
    expect(patients).toHaveLength(200);
    expect(patients.map((p) => p.id)).toEqual([...patients.map((p) => p.id)].sort());
    for (const patient of patients) {
      expect(patient.id).toMatch(/^p\/\d+\t$/);
      expect(patient.lines.map((l) => (JSON.parse(l) as { n: number }).n)).toEqual(
        new Array(5).fill(Number(patient.id.slice(2, -1)))
      );
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  test('splits a bucket over the size target before reading it, and loses nothing', async () => {
    const [bucket] = oneBigBucket();
    const target = Math.ceil(bucket!.size / 8);
    let splitFiles: string[] = [];
    const patients = await collect([bucket!], target, () => {
      splitFiles = splitFiles.length > 0 ? splitFiles : readdirSync(dir);
    });
    // While the first patients were handed out, the big bucket had become several smaller ones.
    expect(splitFiles.length).toBeGreaterThan(4);
    expect(splitFiles.every((f) => f.startsWith('bucket-0-split-'))).toBe(true);
    expect(patients).toHaveLength(200);
    expect(new Set(patients.map((p) => p.id)).size).toBe(200);
    expect(patients.every((p) => p.lines.length === 5)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });
});
