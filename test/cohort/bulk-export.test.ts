import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CohortReport } from '../../src/cohort/cohort-report.js';
import { isGzip } from '../../src/cohort/ndjson-lines.js';
import { cliInProcess, cliWithEnv, hasStackTrace } from '../support/cli.js';
import { demoExpectations } from '../support/demo.js';
import { knowledgeCopy } from '../support/knowledge-copy.js';
import { writeSyntheticExport, type SyntheticExport } from '../support/synthetic-export.js';

/**
 * `cohort` over a FHIR Bulk Data export made of the demo patients, three copies each (3 x the demo patients, resources
 * scattered over plain, gzipped and mixed-type files, Medication resources in a file of their own): the counts are
 * exactly three times those of the demo patients as Bundles, however the export is read (folder, manifest, shards,
 * workers, small buckets). Runs in-process on the main thread (`--workers 0`) unless workers are the point.
 */
const TODAY = '2026-06-01';
const COPIES = 3;
let root: string;
let bundles: string;
let exportDir: string;
let synthetic: SyntheticExport;
let demo: CohortReport;

const cohort = (...args: string[]): ReturnType<typeof cliInProcess> =>
  cliInProcess('cohort', ...args, '--today', TODAY);

async function report(...args: string[]): Promise<CohortReport> {
  const run = await cohort(...args, '--json');
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as CohortReport;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ctd-cohort-'));
  bundles = join(root, 'bundles');
  exportDir = join(root, 'export');
  expect((await cliInProcess('demo-export', bundles, '--today', TODAY)).code).toBe(0);
  synthetic = writeSyntheticExport({ dir: exportDir, copies: COPIES, today: TODAY, shuffleBlock: 40, manifest: true });
  demo = await report(bundles, '--workers', '0');
}, 60_000);
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** The demo report with every count multiplied: what the export must give. */
function times(report: CohortReport, k: number): Omit<CohortReport, 'input'> {
  return {
    hook: report.hook,
    today: report.today,
    failed: report.failed,
    patients: report.patients * k,
    rules: report.rules.map((r) => ({ ...r, patients: r.patients * k })),
    indicators: report.indicators.map((i) => ({ ...i, patients: i.patients * k })),
    cardsPerPatient: report.cardsPerPatient.map((c) => ({ ...c, patients: c.patients * k })),
    unrecognised: report.unrecognised.map((u) => ({ ...u, patients: u.patients * k, records: u.records * k })),
  };
}

describe('cohort over a Bulk Data export', () => {
  test('the export is what it should be: plain and gzipped files, one of mixed types, Medications apart', async () => {
    const gzipped = await Promise.all(synthetic.files.map((f) => isGzip(f)));
    expect(gzipped.filter(Boolean).length).toBeGreaterThan(2);
    expect(gzipped.filter((g) => !g).length).toBeGreaterThan(2);
    const mixed = gunzipSync(readFileSync(join(exportDir, 'mixed.ndjson.gz'))).toString('utf8');
    const types = new Set(
      mixed
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { resourceType: string }).resourceType)
    );
    expect(types.size).toBeGreaterThan(2);
    expect(readFileSync(join(exportDir, 'Medication.ndjson'), 'utf8')).toMatch(/"resourceType":"Medication"/);
  });

  test('counts are exactly three times those of the demo patients, rule by rule and code by code', async () => {
    expect(demo.patients).toBe(synthetic.demoIds.length);
    expect(demo.rules.some((r) => r.patients > 0)).toBe(true);
    expect(demo.unrecognised.length).toBeGreaterThan(0);
    const exported = await report(exportDir, '--workers', '0');
    const { input, ...counts } = exported;
    expect(counts).toEqual(times(demo, COPIES));
    expect(input).toEqual({
      kind: 'bulk-export',
      files: synthetic.files.length,
      lines: expect.any(Number) as number,
      withoutPatient: 0,
      skippedLines: 0,
      badLines: [],
    });
    // The nitrofurantoin card rests on a medication that odd copies reference as a Medication resource.
    const nitrofurantoin = (report: CohortReport): number | undefined =>
      report.rules.find((r) => r.rule === 'nitrofurantoin-neuropathy-risk-active')?.patients;
    expect(nitrofurantoin(demo)).toBeGreaterThan(0);
    expect(nitrofurantoin(exported)).toBe((nitrofurantoin(demo) ?? 0) * COPIES);
  });

  test('the manifest says which files are read; naming the manifest itself works too', async () => {
    const dir = mkdtempSync(join(root, 'manifest-'));
    writeSyntheticExport({ dir, copies: 1, today: TODAY, manifest: true, seed: 7 });
    // A file the manifest does not name: its patient is not part of the export.
    appendFileSync(join(dir, 'stray.ndjson'), `${JSON.stringify({ resourceType: 'Patient', id: 'stray' })}\n`);
    const viaFolder = await report(dir, '--workers', '0');
    expect(viaFolder.patients).toBe(demo.patients);
    expect(await report(join(dir, 'manifest.json'), '--workers', '0')).toEqual(viaFolder);
    rmSync(join(dir, 'manifest.json'));
    expect((await report(dir, '--workers', '0')).patients).toBe(demo.patients + 1);
  });

  test('shards are disjoint and merge into exactly the unsharded report', async () => {
    const whole = await report(exportDir, '--workers', '0');
    const files = await Promise.all(
      [1, 2, 3].map(async (i) => {
        const shard = await report(exportDir, '--workers', '0', '--shard', `${String(i)}/3`);
        expect(shard.shard).toEqual({ index: i, count: 3 });
        const file = join(root, `shard-${String(i)}.json`);
        writeFileSync(file, JSON.stringify(shard));
        return { file, patients: shard.patients };
      })
    );
    expect(files.every((f) => f.patients > 0 && f.patients < whole.patients)).toBe(true);
    expect(files.reduce((sum, f) => sum + f.patients, 0)).toBe(whole.patients);
    const merged = await cliInProcess('cohort', 'merge', ...files.map((f) => f.file), '--json');
    expect(merged.code).toBe(0);
    expect(JSON.parse(merged.stdout)).toEqual(whole);

    const missing = await cliInProcess('cohort', 'merge', files[0]!.file, files[1]!.file);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Shard\(s\) 3 of 3 are missing/);
    const twice = await cliInProcess('cohort', 'merge', files[0]!.file, files[0]!.file, files[1]!.file);
    expect(twice.stderr).toMatch(/shard 1\/3 is given twice/);
    const unsharded = join(root, 'whole.json');
    writeFileSync(unsharded, JSON.stringify(whole));
    expect((await cliInProcess('cohort', 'merge', unsharded)).stderr).toMatch(/is not the report of a shard/);
  });

  test('--csv writes one row per patient with a card: its rules and indicators in card order', async () => {
    const csvFile = join(root, 'cards.csv');
    await report(exportDir, '--workers', '0', '--csv', csvFile);
    const [header, ...rows] = readFileSync(csvFile, 'utf8').trimEnd().split('\r\n');
    expect(header).toBe('patient_id,cards,rules,indicators');
    const expectations = demoExpectations();
    const withCards = Object.values(expectations).filter((e) => e['patient-view'].length > 0).length;
    expect(rows).toHaveLength(withCards * COPIES);
    const ids = new Set<string>();
    for (const row of rows) {
      const [patient, cards, rules, indicators] = row.split(',');
      const expected = expectations[patient!.replace(/-x\d+$/, '')]!['patient-view'];
      expect(rules!.split(';'), patient).toEqual(expected);
      expect(Number(cards)).toBe(expected.length);
      expect(indicators!.split(';').every((i) => ['critical', 'warning', 'info'].includes(i))).toBe(true);
      ids.add(patient!);
    }
    expect(ids.size).toBe(rows.length);
  });

  test('--progress reports patients done, the rate and the time left on stderr, then a final line', async () => {
    const run = await cohort(exportDir, '--workers', '0', '--progress', '--json');
    const total = demo.patients * COPIES;
    expect(run.code).toBe(0);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^cohort: grouping by patient: \d+ of \d+ file\(s\), \d+% read$/);
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^cohort: \\d+ of ${String(total)} \\(\\d+\\.\\d%\\) patients, [\\d,]+ patients/s, about \\d+:\\d\\d left$`
        )
      )
    );
    expect(lines.at(-1)).toMatch(
      new RegExp(`^cohort: ${String(total)} patients evaluated in \\d+:\\d\\d, [\\d,]+ patients/s$`)
    );
    expect(JSON.parse(run.stdout)).toMatchObject({ patients: total });
  });

  test('worker threads and small buckets change nothing: the same report and the same CSV', async () => {
    const base = await report(exportDir, '--workers', '0', '--csv', join(root, 'w0.csv'));
    const parallel = await report(exportDir, '--workers', '2', '--bucket-mb', '0.02', '--csv', join(root, 'w2.csv'));
    expect(parallel).toEqual(base);
    // Patients come in bucket order, then by id: small buckets reorder rows, never change them.
    const rows = (file: string): string[] => readFileSync(join(root, file), 'utf8').split('\r\n').sort();
    expect(rows('w2.csv')).toEqual(rows('w0.csv'));
  }, 60_000);
});

describe('a rule that cannot be evaluated', () => {
  test('makes its patients failures, named with the rule, not patients without that card', async () => {
    const knowledge = knowledgeCopy(root);
    // The service skips such a rule for the request (and logs it); a cohort must not count it as silent.
    // It still reads what the rule's `requires` names, as the start-up check asks, and fails wherever it is reached.
    writeFileSync(
      join(knowledge, 'cards', 'b12-on-metformin.jsonata'),
      '(neuropathy.any; meds[concept = "med-metformin"]; $error("cannot be evaluated"))'
    );
    const run = await cliWithEnv({ KNOWLEDGE_DIR: knowledge }, 'cohort', bundles, '--workers', '0', '--json');
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as CohortReport;
    // Patients whose chart lacks what the rule requires (neuropathy and metformin) never reach it and are counted;
    // every other patient is a failure.
    expect(result.failed.length).toBeGreaterThan(0);
    expect(result.patients + result.failed.length).toBe(synthetic.demoIds.length);
    expect(result.failed[0]?.error).toMatch(/rule\(s\) b12-on-metformin \(D3137\) could not be evaluated/);
  });
});

describe('bad lines in an export', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(root, 'bad-'));
    writeSyntheticExport({ dir, copies: 1, today: TODAY, seed: 3 });
    writeFileSync(
      join(dir, 'broken.ndjson.gz'),
      gzipSync(`${JSON.stringify({ resourceType: 'Patient', id: 'ok' })}\n{ not json\n\n[1, 2]\n`)
    );
  });

  test('stop the run with the file and line named, and no stack trace', async () => {
    const run = await cohort(dir, '--workers', '0');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/broken\.ndjson\.gz, line 2: not valid JSON \(.*\)\. Give --skip-bad-lines to go on/);
    expect(run.stdout).toBe('');
    expect(hasStackTrace(run)).toBe(false);
  });

  test('--skip-bad-lines goes on without them and reports how many were skipped, and where', async () => {
    const run = await cohort(dir, '--workers', '0', '--skip-bad-lines', '--json');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/skipped 2 bad line\(s\)/);
    const result = JSON.parse(run.stdout) as CohortReport;
    expect(result.patients).toBe(demo.patients + 1);
    expect(result.input.skippedLines).toBe(2);
    expect(result.input.badLines).toEqual([
      { file: 'broken.ndjson.gz', line: 2, error: expect.stringMatching(/^not valid JSON/) as string },
      { file: 'broken.ndjson.gz', line: 4, error: 'not a FHIR resource (not a JSON object)' },
    ]);
    const text = await cohort(dir, '--workers', '0', '--skip-bad-lines');
    expect(text.stdout).toMatch(
      /^Skipped 2 bad line\(s\) \(--skip-bad-lines\):\n {2}broken\.ndjson\.gz, line 2: not valid JSON/m
    );
    // The census as a table: per resource kind and code system, the codes with their patients and records.
    expect(text.stdout).toMatch(
      /^ {2}Condition codes, http:\/\/snomed\.info\/sct\n {4}38341003 Hypertensive disorder.* +\d+ +\d+$/m
    );
  });

  test('a damaged gzip file is named, with the line reached', async () => {
    const damaged = mkdtempSync(join(root, 'damaged-'));
    const gz = gzipSync('{"resourceType":"Patient","id":"a"}\n'.repeat(1000));
    writeFileSync(join(damaged, 'Patient.ndjson.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
    const run = await cohort(damaged, '--workers', '0');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Patient\.ndjson\.gz, after line \d+: cannot be read as gzip/);
    expect(hasStackTrace(run)).toBe(false);
  });
});
