import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FhirResource, Medication } from 'fhir/r4';
import { random as seededRandom } from '../../bench/lib/synthetic-patient.js';
import { defaultDemoDir, loadDemoData } from '../../src/demo/demo-data.js';

/**
 * A synthetic FHIR Bulk Data export made of the demo patients, for the cohort tests and benchmarks: `copies` copies
 * of each of the demo patients under new ids (`<demo id>-x<copy>`), each resource type spread over several files
 * of assorted names (one file of mixed types too), half of them gzipped (as several gzip members), lines shuffled in
 * blocks so that a patient's resources are scattered within and across files. In odd copies a MedicationRequest
 * references a Medication resource (shared, one per medication, in a file of its own) instead of coding the
 * medication inline, as exports from EHRs do. Every copy of a demo patient has the same chart, so a cohort over the
 * export counts exactly `copies` times what it counts over the demo patients. Memory: one block per file.
 */
export interface SyntheticExportOptions {
  readonly dir: string;
  readonly copies: number;
  readonly today: string;
  readonly filesPerType?: number;
  /** Lines per file shuffled together before they are written. */
  readonly shuffleBlock?: number;
  /** Write a manifest.json (FHIR Bulk Data "Complete Status" response) naming every file. */
  readonly manifest?: boolean;
  readonly seed?: number;
}

export interface SyntheticExport {
  readonly patients: number;
  readonly files: readonly string[];
  readonly demoIds: readonly string[];
}

export function writeSyntheticExport(options: SyntheticExportOptions): SyntheticExport {
  const demo = loadDemoData(defaultDemoDir(), options.today);
  const random = seededRandom(options.seed ?? 1);
  const perType = options.filesPerType ?? 3;
  const block = options.shuffleBlock ?? 5000;
  mkdirSync(options.dir, { recursive: true });
  const files = new Map<string, { lines: string[]; gzip: boolean }>();
  const fileOf = (name: string): { lines: string[]; gzip: boolean } => {
    let file = files.get(name);
    if (file === undefined) {
      file = { lines: [], gzip: name.endsWith('.gz') };
      files.set(name, file);
    }
    return file;
  };
  const flush = (name: string, file: { lines: string[]; gzip: boolean }): void => {
    if (file.lines.length > 0) {
      shuffle(file.lines, random);
      const text = `${file.lines.join('\n')}\n`;
      appendFileSync(join(options.dir, name), file.gzip ? gzipSync(text) : text);
      file.lines = [];
    }
  };
  const put = (resource: FhirResource): void => {
    const type = resource.resourceType;
    const slot = Math.floor(random() * (perType + 1));
    // Several files per type under assorted names (odd ones gzipped), and a file of mixed types.
    const name =
      slot === perType
        ? 'mixed.ndjson.gz'
        : slot === 0
          ? `${type}.ndjson`
          : slot % 2 === 1
            ? `${type}-${String(slot)}.ndjson.gz`
            : `part-${String(slot)}-${type.toLowerCase()}.ndjson`;
    const file = fileOf(name);
    file.lines.push(JSON.stringify(resource));
    if (file.lines.length >= block) {
      flush(name, file);
    }
  };
  const medications = new Map<string, Medication>();
  for (let copy = 1; copy <= options.copies; copy += 1) {
    for (const patient of demo.patients) {
      const id = `${patient.id}-x${String(copy)}`;
      put({ ...structuredClone(patient.patient), id });
      for (const resource of patient.resources) {
        const renamed: Record<string, unknown> = {
          ...structuredClone(resource),
          id: `${resource.id ?? ''}-x${String(copy)}`,
          subject: { reference: `Patient/${id}` },
        };
        const code = renamed['medicationCodeableConcept'];
        if (copy % 2 === 1 && resource.resourceType === 'MedicationRequest' && code !== undefined) {
          const medicationId = `med-${createHash('sha256').update(JSON.stringify(code)).digest('hex').slice(0, 12)}`;
          medications.set(medicationId, { resourceType: 'Medication', id: medicationId, code } as Medication);
          delete renamed['medicationCodeableConcept'];
          renamed['medicationReference'] = { reference: `Medication/${medicationId}` };
        }
        put(renamed as unknown as FhirResource);
      }
    }
  }
  for (const [name, file] of files) {
    flush(name, file);
  }
  const names = [...files.keys()];
  if (medications.size > 0) {
    const lines = [...medications.values()].map((m) => `${JSON.stringify(m)}\n`);
    writeFileSync(join(options.dir, 'Medication.ndjson'), lines.join(''));
    names.push('Medication.ndjson');
  }
  names.sort();
  if (options.manifest === true) {
    writeFileSync(
      join(options.dir, 'manifest.json'),
      JSON.stringify({
        transactionTime: `${options.today}T00:00:00Z`,
        request: 'https://ehr.example/fhir/Patient/$export',
        requiresAccessToken: true,
        output: names.map((name) => ({ type: name.split(/[-.]/)[0], url: `https://ehr.example/bulk/out/${name}` })),
        error: [],
      })
    );
  }
  return {
    patients: options.copies * demo.patients.length,
    files: names.map((name) => join(options.dir, name)),
    demoIds: demo.patients.map((p) => p.id),
  };
}

function shuffle(items: unknown[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
