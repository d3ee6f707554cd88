import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { defaultKnowledgeDir } from '../../src/config.js';
import { defaultDemoDir, DemoDataError, draftOrderFor, loadDemoData } from '../../src/demo/demo-data.js';
import { isRelativeDate, resolveRelativeDates, shiftDate } from '../../src/demo/relative-dates.js';
import { expectValidFhirR4 } from '../support/fhir-r4.js';
import { TODAY } from '../support/service.js';

describe('relative dates of the demo data', () => {
  test.each([
    ['-20d', '2026-05-12'],
    ['0d', '2026-06-01'],
    ['+5d', '2026-06-06'],
    ['-20dT08:30:00Z', '2026-05-12T08:30:00Z'],
    ['-365d', '2025-06-01'],
    ['-92dT10:00:00+02:00', '2026-03-01T10:00:00+02:00'],
  ])('%s on %s', (relative, resolved) => {
    expect(isRelativeDate(relative)).toBe(true);
    expect(resolveRelativeDates({ a: [{ b: relative }] }, TODAY)).toEqual({ a: [{ b: resolved }] });
  });

  test('other strings, numbers and booleans are left alone', () => {
    const value = { periodUnit: 'd', code: '20d', text: 'in 20d', date: '2019-03-14', n: 20, ok: true };
    expect(resolveRelativeDates(value, TODAY)).toEqual(value);
  });

  test('calendar arithmetic across month ends and leap days', () => {
    expect(shiftDate('2028-03-01', -1)).toBe('2028-02-29');
    expect(shiftDate('2027-03-01', -1)).toBe('2027-02-28');
    expect(shiftDate('2026-12-31', 1)).toBe('2027-01-01');
  });
});

const demo = loadDemoData(defaultDemoDir(), TODAY);

describe('the demo patients and orders', () => {
  test('every demo patient has a readable name, and their orders', () => {
    expect(demo.patients.length).toBe(44);
    for (const patient of demo.patients) {
      expect(patient.name, patient.id).toMatch(/^\S+ \S+/);
      expect(patient.summary, patient.id).not.toBe('');
    }
    expect(demo.orders.size).toBeGreaterThan(10);
  });

  test('every resource is valid FHIR R4 once its dates are resolved', () => {
    for (const patient of demo.patients) {
      for (const resource of [patient.patient, ...patient.resources]) {
        expectValidFhirR4(resource);
        expect(JSON.stringify(resource)).not.toMatch(/"([+-]\d+|0)d(T[^"]*)?"/);
      }
    }
    for (const id of demo.orders.keys()) {
      expectValidFhirR4(draftOrderFor(demo, id, 'sle-polyneuropathy'));
    }
  });

  // Developer rule: never invent a terminology code. Every coded concept of the demo comes from the value sets or
  // from the reviewed request fixtures the demo mirrors.
  test('every code is one of the value sets or of the reviewed fixtures', () => {
    const root = defaultKnowledgeDir();
    const known = new Set<string>();
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) {
        value.forEach(collect);
      } else if (typeof value === 'object' && value !== null) {
        const { system, code } = value as { system?: unknown; code?: unknown };
        if (typeof system === 'string' && typeof code === 'string') {
          known.add(`${system}|${code}`);
        }
        Object.values(value).forEach(collect);
      }
    };
    for (const dir of ['mappings/valuesets', 'test/fixtures/requests']) {
      for (const file of readdirSync(join(root, dir))) {
        collect(JSON.parse(readFileSync(join(root, dir, file), 'utf8')));
      }
    }
    const used = new Set<string>();
    const gather = (value: unknown): void => {
      if (Array.isArray(value)) {
        value.forEach(gather);
      } else if (typeof value === 'object' && value !== null) {
        const { system, code } = value as { system?: unknown; code?: unknown };
        if (typeof system === 'string' && typeof code === 'string') {
          used.add(`${system}|${code}`);
        }
        Object.values(value).forEach(gather);
      }
    };
    gather(demo.patients.map((p) => p.resources));
    gather([...demo.orders.values()]);
    // HL7's own code systems (Encounter.class and the like) are defined by FHIR itself, not invented here.
    const hl7 = (coding: string): boolean => coding.startsWith('http://terminology.hl7.org/CodeSystem/');
    expect([...used].filter((coding) => !known.has(coding) && !hl7(coding))).toEqual([]);
  });

  test('a broken data file stops loading with its name and the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctd-demo-'));
    try {
      mkdirSync(join(dir, 'patients'));
      mkdirSync(join(dir, 'orders'));
      const patient = { resourceType: 'Patient', id: 'other-id' };
      writeFileSync(join(dir, 'patients', 'p1.json'), JSON.stringify({ patient, resources: [] }));
      expect(() => loadDemoData(dir, TODAY)).toThrow(DemoDataError);
      expect(() => loadDemoData(dir, TODAY)).toThrow(/p1\.json: 'patient' must be a Patient whose id is the file name/);

      writeFileSync(
        join(dir, 'patients', 'p1.json'),
        JSON.stringify({
          patient: { ...patient, id: 'p1' },
          resources: [{ resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p2' } }],
        })
      );
      expect(() => loadDemoData(dir, TODAY)).toThrow(/Condition\/c1 is not about Patient\/p1/);

      writeFileSync(join(dir, 'patients', 'p1.json'), '{ "patient": ');
      expect(() => loadDemoData(dir, TODAY)).toThrow(/p1\.json: not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
