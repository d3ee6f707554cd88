import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { bucketOf, patientIdOf, shardOf } from '../../src/cohort/patient-key.js';

describe('the patient a resource of an export is about', () => {
  test.each([
    [{ resourceType: 'Patient', id: 'p1' }, 'p1'],
    [{ resourceType: 'Condition', subject: { reference: 'Patient/p2' } }, 'p2'],
    [{ resourceType: 'Observation', subject: { reference: 'https://ehr.example/fhir/Patient/p3/_history/4' } }, 'p3'],
    [{ resourceType: 'AllergyIntolerance', patient: { reference: 'Patient/p4' } }, 'p4'],
    [{ resourceType: 'Coverage', beneficiary: { reference: 'Patient/p5' } }, 'p5'],
    [{ resourceType: 'Observation', subject: { reference: 'Group/g1' } }, undefined],
    [{ resourceType: 'Medication', id: 'm1' }, undefined],
    [{ resourceType: 'Patient' }, undefined],
  ])('%j -> %s', (resource, id) => {
    expect(patientIdOf(resource)).toBe(id);
  });
});

describe('shards and buckets', () => {
  test('the shard is the documented formula: first 32 bits of SHA-256 of the id, mod n, plus 1', () => {
    // printf example | sha256sum -> 50d858e0...; printf sle-foot-numbness-x1 | sha256sum -> 68dd69a2...
    expect(shardOf('example', 8)).toBe((0x50d858e0 % 8) + 1);
    expect(shardOf('sle-foot-numbness-x1', 8)).toBe((0x68dd69a2 % 8) + 1);
    expect(shardOf('sle-foot-numbness-x1', 1)).toBe(1);
  });

  test('every id has exactly one shard in 1..n, and the same one every time', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 1, max: 64 }), (id, n) => {
        const shard = shardOf(id, n);
        return Number.isInteger(shard) && shard >= 1 && shard <= n && shardOf(id, n) === shard;
      })
    );
  });

  test("buckets spread one shard's patients evenly: the two hashes are independent", () => {
    const ids = Array.from({ length: 8000 }, (_, i) => `patient-${String(i)}`).filter((id) => shardOf(id, 4) === 2);
    const counts = new Array<number>(4).fill(0);
    for (const id of ids) {
      counts[bucketOf(id, 4)]! += 1;
    }
    for (const count of counts) {
      expect(count).toBeGreaterThan(ids.length / 4 / 1.3);
      expect(count).toBeLessThan((ids.length / 4) * 1.3);
    }
    const reseeded = ids.filter((id) => bucketOf(id, 4, 1) !== bucketOf(id, 4, 0)).length;
    expect(reseeded).toBeGreaterThan(ids.length / 2);
  });
});
