import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { run as runInProcess } from '../../src/cli/run.js';
import { defaultKnowledgeDir } from '../../src/config.js';
import { cliInProcess, hasStackTrace } from '../support/cli.js';
import { demoExpectations } from '../support/demo.js';
import { expectCdsResponse } from '../support/service.js';
import { writeSyntheticExport } from '../support/synthetic-export.js';

/**
 * The CLI as a user runs it: `demo-export`, `evaluate` and `cohort` as child processes (`node --import tsx
 * src/cli/main.ts`, so the test needs no build), on the demo patients exported by its own `demo-export`, and a failing
 * run for the exit code the shell sees. Exit codes and messages are part of its contract. The other variants and the
 * many ways to get the input or the command line wrong go through the same `run` in-process (a process each would
 * cost about a second of CI).
 */
const root = defaultKnowledgeDir();
const TODAY = '2026-06-01';
let dir: string;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), ...args],
      // SITE_CONFIG etc. from the developer's shell must not change what the tests see.
      { cwd: root, env: { PATH: process.env['PATH'] ?? '' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      }
    );
  });
}

const noStackTrace = (run: Run): void => {
  expect(hasStackTrace(run)).toBe(false);
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ctd-cli-'));
  const run = await cli('demo-export', dir, '--today', TODAY);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
}, 60_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('ctd-neuropathy-cds CLI', () => {
  const expectations = demoExpectations();

  test('demo-export writes one Bundle per demo patient and the draft orders', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.map((f) => f.replace(/\.json$/, '')).sort()).toEqual(Object.keys(expectations).sort());
    expect(readdirSync(join(dir, 'orders'))).toContain('nitrofurantoin-capsule.json');
  });

  test.concurrent(
    'evaluate prints the cards for people: indicator, summary, rule, patient data, suggestions',
    async () => {
      const run = await cli('evaluate', join(dir, 'sle-mononeuritis-multiplex.json'), '--today', TODAY);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /^patient-view for Amara Okafor \(Patient\/sle-mononeuritis-multiplex\) on 2026-06-01: 2 card/
      );
      const rules = [...run.stdout.matchAll(/^ {9}rule: (\S+)$/gm)].map((m) => m[1]);
      expect(rules).toEqual(expectations['sle-mononeuritis-multiplex']?.['patient-view']);
      expect(run.stdout).toMatch(/^WARNING {2}Suspected vasculitic neuropathy \(Systemic lupus erythematosus/m);
      expect(run.stdout).toContain('- Mononeuritis multiplex (SNOMED CT 30292005), 2026-05-20');
      expect(run.stdout).toContain('- Order the combined nerve and muscle biopsy: nerve biopsy, muscle biopsy');
    }
  );

  test('evaluate --json --hook order-select --order prints the CDS Hooks response', async () => {
    const run = await cliInProcess(
      'evaluate',
      join(dir, 'sle-polyneuropathy.json'),
      '--hook',
      'order-select',
      '--order',
      join(dir, 'orders', 'nitrofurantoin-capsule.json'),
      '--json',
      '--today',
      TODAY
    );
    expect(run.code).toBe(0);
    const response = expectCdsResponse(JSON.parse(run.stdout));
    expect(response.cards.map((c) => [c.source.topic?.code, c.indicator])).toEqual([
      ['nitrofurantoin-neuropathy-risk', 'critical'],
    ]);
  });

  test.concurrent(
    'cohort counts, per rule and per indicator, the patients who get a card',
    async () => {
      const run = await cli('cohort', dir, '--json', '--workers', '1', '--today', TODAY);
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as {
        patients: number;
        rules: { rule: string; patients: number; share: number }[];
        indicators: { indicator: string; patients: number }[];
        failed: unknown[];
      };
      const lists = Object.values(expectations).map((e) => e['patient-view']);
      expect(report.patients).toBe(lists.length);
      expect(report.failed).toEqual([]);
      expect(report.rules.length).toBe(16); // every patient-view rule, silent ones included
      for (const { rule, patients, share } of report.rules) {
        const expected = lists.filter((rules) => rules.includes(rule)).length;
        expect(patients, rule).toBe(expected);
        expect(share).toBe(Math.round((expected / lists.length) * 1000) / 10);
      }
      expect(report.indicators.find((i) => i.indicator === 'any card')?.patients).toBe(
        lists.filter((rules) => rules.length > 0).length
      );
    },
    60_000
  );

  test.concurrent(
    'cohort of a Bulk Data export on a worker thread, with progress and the CSV, as a process',
    async () => {
      const exportDir = mkdtempSync(join(tmpdir(), 'ctd-cli-bulk-'));
      try {
        writeSyntheticExport({ dir: exportDir, copies: 1, today: TODAY });
        const csv = join(exportDir, 'cards.csv');
        const run = await cli('cohort', exportDir, '--workers', '1', '--progress', '--csv', csv, '--today', TODAY);
        expect(run.code).toBe(0);
        const patients = String(Object.keys(expectations).length);
        expect(run.stdout).toContain(`Cohort of ${patients} patient(s) from ${exportDir}: patient-view on ${TODAY}\n`);
        expect(run.stdout).toMatch(/^Bulk Data export: \d+ file\(s\), \d+ resource line\(s\), 0 about no patient$/m);
        expect(run.stderr).toMatch(new RegExp(`^cohort: ${patients} patients evaluated in \\d+:\\d\\d`, 'm'));
        const withCards = Object.values(expectations).filter((e) => e['patient-view'].length > 0).length;
        expect(readFileSync(csv, 'utf8').trimEnd().split('\r\n')).toHaveLength(1 + withCards);
      } finally {
        rmSync(exportDir, { recursive: true, force: true });
      }
    },
    // A process of its own with a worker thread, both loading the sources through tsx: slow on a busy machine.
    60_000
  );

  test('cohort of order-sign with a draft order, as a table', async () => {
    const run = await cliInProcess(
      'cohort',
      dir,
      '--workers',
      '0',
      '--hook',
      'order-sign',
      '--order',
      join(dir, 'orders', 'mri-lumbar-spine.json'),
      '--today',
      TODAY
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Cohort of 44 patient\(s\) from .*: order-sign on 2026-06-01$/m);
    expect(run.stdout).toMatch(/^mri-spine-without-myelopathy\s+\d+\s+\d+\.\d%$/m);
    expect(run.stdout).toMatch(/^any card\s+\d+\s+\d+\.\d%$/m);
  });

  test.concurrent(
    'a folder with an unusable file: the others are counted, the file is named, exit code 1',
    async () => {
      const broken = mkdtempSync(join(tmpdir(), 'ctd-cli-broken-'));
      try {
        writeFileSync(join(broken, 'a.json'), '{"resourceType": "Bundle", "type": "collection", "entry": []}');
        writeFileSync(join(broken, 'b.json'), '{ not json');
        const run = await cliInProcess('cohort', broken, '--workers', '0', '--today', TODAY);
        expect(run.code).toBe(1);
        expect(run.stdout).toContain('Not evaluated (2 file(s), not counted above)');
        expect(run.stdout).toMatch(/a\.json: a\.json has no Patient resource/);
        expect(run.stdout).toMatch(/b\.json: .*b\.json is not valid JSON/);
        noStackTrace(run);
      } finally {
        rmSync(broken, { recursive: true, force: true });
      }
    }
  );

  test.concurrent.each([
    [['evaluate', 'no-such-file.json'], 1, /Cannot read no-such-file\.json: no such file/],
  ] as const)('as a process, %j exits %i with a message and no stack trace', async (args, code, message) => {
    const run = await cli(...args);
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
    noStackTrace(run);
  });

  test.each([
    [[], 2, /Give a command/],
    [['frobnicate'], 2, /Unknown command 'frobnicate'/],
    [['evaluate'], 2, /Give exactly one <bundle\.json>/],
    [['evaluate', 'a.json', 'b.json'], 2, /Give exactly one <bundle\.json>/],
    [['evaluate', 'x.json', '--hook', 'discharge'], 2, /--hook must be one of patient-view, order-select, order-sign/],
    [['evaluate', 'x.json', '--hook', 'order-sign'], 2, /order-sign checks draft orders: give at least one --order/],
    [['evaluate', 'x.json', '--order', 'o.json'], 2, /--order is for order-select and order-sign/],
    [['evaluate', 'x.json', '--today', '2026-02-30'], 2, /--today must be a date/],
    [['evaluate', 'x.json', '--verbose'], 2, /Unknown option '--verbose'/],
    [['cohort'], 2, /Give exactly one <dir>/],
    [['evaluate', 'package.json'], 1, /package\.json is not a FHIR Bundle/],
    [['evaluate', 'src'], 1, /Cannot read src: it is a folder/],
    [['cohort', 'no-such-folder'], 1, /Cannot read no-such-folder: no such file or folder/],
    [['cohort', 'src'], 1, /src holds no \*\.json Bundle/],
    [['cohort', 'src', '--shard', '4/3'], 2, /--shard must be i\/n with 1 <= i <= n/],
    [['cohort', 'src', '--workers', 'many'], 2, /--workers must be a whole number from 0 to 1024/],
    [['cohort', 'src', '--bucket-mb', '0'], 2, /--bucket-mb must be a positive number/],
    [['cohort', 'merge'], 2, /Give the report\.json of every shard/],
    [['cohort', 'merge', 'a.json', '--csv', 'x.csv'], 2, /cohort merge takes report files and --json only, not --csv/],
    [['cohort', 'merge', 'package.json'], 1, /package\.json is not a cohort report/],
    [['evaluate', 'x.json', '--workers', '2'], 2, /Unknown option '--workers'/],
    [['cohort', 'package.json'], 1, /package\.json is neither a folder, an NDJSON file nor a Bulk Data manifest/],
  ] as const)('%j exits %i with a message, no stack trace', async (args, code, message) => {
    const run = await cliInProcess(...args);
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
    if (code === 2) {
      expect(run.stderr).toContain('Usage:');
    }
    noStackTrace(run);
    expect(run.stdout).toBe('');
  });

  test('help prints the usage on stdout and exits 0', async () => {
    let stdout = '';
    const exit = await runInProcess(['--help'], { stdout: (t) => (stdout += t), stderr: () => undefined, env: {} });
    expect(exit).toBe(0);
    expect(stdout).toMatch(/^Usage:\n {2}ctd-neuropathy-cds evaluate <bundle\.json>/);
  });

  test('an order for another patient is bad input (exit 1), named by the service check', async () => {
    const order = join(dir, 'order-for-someone-else.json');
    writeFileSync(
      order,
      JSON.stringify({
        resourceType: 'ServiceRequest',
        id: 'mri',
        status: 'draft',
        intent: 'order',
        code: { text: 'MRI lumbar spine' },
        subject: { reference: 'Patient/someone-else' },
      })
    );
    const run = await cliInProcess(
      'evaluate',
      join(dir, 'sle-foot-numbness.json'),
      '--hook',
      'order-sign',
      '--order',
      order
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/is for another patient than context\.patientId/);
    noStackTrace(run);
  });
});
