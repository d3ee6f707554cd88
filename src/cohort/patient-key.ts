import { createHash } from 'node:crypto';

/**
 * Which patient a FHIR resource belongs to, and the two hashes of a patient id the cohort uses: the shard (public and
 * stable, so that `--shard i/n` runs on different machines split the same population the same way) and the bucket
 * (internal, for grouping a Bulk Data export on disk).
 */

/** Reference elements that name the patient a resource is about, in the order they are tried. */
const PATIENT_ELEMENTS = ['subject', 'patient', 'beneficiary'] as const;

/** `Patient/123`, `https://ehr.example/fhir/Patient/123` and `Patient/123/_history/2` all name patient 123. */
const PATIENT_REFERENCE = /(?:^|\/)Patient\/([^/]+)(?:\/_history\/[^/]+)?$/;

/**
 * The id of the patient `resource` is about: a Patient's own id, else the Patient its `subject`, `patient` or
 * `beneficiary` reference names (Bulk Data exports group by these, FHIR Bulk Data IG "Patient Compartment").
 * Undefined for resources about no patient (Medication, Practitioner, Organization, a Group subject).
 */
export function patientIdOf(resource: Record<string, unknown>): string | undefined {
  if (resource['resourceType'] === 'Patient') {
    const id = resource['id'];
    return typeof id === 'string' && id !== '' ? id : undefined;
  }
  for (const element of PATIENT_ELEMENTS) {
    const value = resource[element];
    const reference =
      typeof value === 'object' && value !== null ? (value as { reference?: unknown }).reference : undefined;
    if (typeof reference === 'string') {
      const id = PATIENT_REFERENCE.exec(reference)?.[1];
      if (id !== undefined) {
        return id;
      }
    }
  }
  return undefined;
}

/** A shard as given on the command line: `index` of `count`, 1-based (`--shard 3/8`). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * The shard (1..count) of a patient: the first 32 bits of SHA-256 of the patient id, modulo `count`, plus one.
 * Documented in docs/cohort.md so that any tool can reproduce the split.
 */
export function shardOf(patientId: string, count: number): number {
  return (createHash('sha256').update(patientId).digest().readUInt32BE(0) % count) + 1;
}

export function inShard(patientId: string, shard: Shard | undefined): boolean {
  return shard === undefined || shardOf(patientId, shard.count) === shard.index;
}

/**
 * The bucket (0..count-1) of a patient: 32-bit FNV-1a of the id, seeded. Cheap (no digest per line) and independent
 * of the shard hash, so that one shard's patients still spread over all buckets; a new `seed` splits an oversized
 * bucket along different lines.
 */
export function bucketOf(patientId: string, count: number, seed = 0): number {
  let hash = (0x811c9dc5 ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < patientId.length; i += 1) {
    hash ^= patientId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % count;
}
