/**
 * `cohort` over synthetic Bulk Data exports (test/support/synthetic-export.ts: copies of the 35 demo patients,
 * scattered over plain and gzipped files) of about 2,000 and 20,000 patients, at 1 and 2 worker threads: patients
 * per second (wall time of the whole run: grouping, worker start-up and evaluation) and the peak RSS of the process
 * (worker threads included). The baselines are in the same run: 2 workers against 1, and 10x the patients against
 * the smaller export. The compiled CLI runs in a child process of its own, as a user runs it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeSyntheticExport } from '../test/support/synthetic-export.js';
import { round } from './lib/measure.js';

const BUILD = join(import.meta.dirname, '..');
const TODAY = '2026-06-01';

export interface CohortRun {
  readonly patients: number;
  readonly workers: number;
  readonly seconds: number;
  readonly patientsPerSecond: number;
  readonly peakRssMb: number;
}

export interface CohortBench {
  readonly runs: readonly CohortRun[];
  /** Throughput at 2 workers over 1, per export size. */
  readonly twoWorkerSpeedup: Readonly<Record<string, number>>;
  /** Peak RSS of the larger export over the smaller one, per worker count (flat memory: at most 1.5). */
  readonly rssGrowth: Readonly<Record<string, number>>;
}

export async function runCohortBench(quick: boolean): Promise<CohortBench> {
  const sizes = quick ? [15, 150] : [58, 572]; // copies of 35 patients: ~500/5,000 or ~2,000/20,000
  const root = mkdtempSync(join(tmpdir(), 'bench-cohort-'));
  const runs: CohortRun[] = [];
  try {
    for (const copies of sizes) {
      const dir = join(root, `export-${String(copies)}`);
      const { patients } = writeSyntheticExport({ dir, copies, today: TODAY });
      for (const workers of [1, 2]) {
        runs.push(await runCli(dir, patients, workers, root));
      }
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const find = (patients: number, workers: number): CohortRun =>
    runs.find((r) => r.patients === patients && r.workers === workers) as CohortRun;
  const patientCounts = [...new Set(runs.map((r) => r.patients))];
  const [small, large] = patientCounts as [number, number];
  return {
    runs,
    twoWorkerSpeedup: Object.fromEntries(
      patientCounts.map((p) => [p, round(find(p, 2).patientsPerSecond / find(p, 1).patientsPerSecond, 2)])
    ),
    rssGrowth: Object.fromEntries(
      [1, 2].map((w) => [`${String(w)} worker(s)`, round(find(large, w).peakRssMb / find(small, w).peakRssMb, 2)])
    ),
  };
}

async function runCli(dir: string, patients: number, workers: number, root: string): Promise<CohortRun> {
  const rssFile = join(root, `rss-${String(patients)}-${String(workers)}`);
  const hook = pathToFileURL(join(BUILD, 'bench', 'lib', 'max-rss-hook.js')).href;
  const args = ['--import', hook, join(BUILD, 'src', 'cli', 'main.js'), 'cohort', dir, '--json', '--today', TODAY];
  const start = performance.now();
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [...args, '--workers', String(workers)], {
      env: { PATH: process.env['PATH'] ?? '', MAX_RSS_FILE: rssFile, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('exit', (code) => {
      if (code === 0) {
        resolve(out);
      } else {
        reject(new Error(`cohort exited with ${String(code)}`));
      }
    });
  });
  const seconds = (performance.now() - start) / 1000;
  const evaluated = (JSON.parse(stdout) as { patients: number }).patients;
  if (evaluated !== patients) {
    throw new Error(`cohort evaluated ${String(evaluated)} of ${String(patients)} patients`);
  }
  return {
    patients,
    workers,
    seconds: round(seconds, 1),
    patientsPerSecond: round(patients / seconds, 0),
    peakRssMb: round(Number(readFileSync(rssFile, 'utf8')) / 1024, 0),
  };
}

export function cohortTable(bench: CohortBench): string {
  const rows = bench.runs.map(
    (r) =>
      `| ${r.patients.toLocaleString('en-US')} | ${String(r.workers)} | ${String(r.seconds)} | ${String(r.patientsPerSecond)} | ${String(r.peakRssMb)} |`
  );
  return [
    '| patients | workers | seconds | patients/s | peak RSS (MB) |',
    '| ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `2 workers / 1 worker throughput: ${Object.entries(bench.twoWorkerSpeedup)
      .map(([p, ratio]) => `${Number(p).toLocaleString('en-US')} patients ${String(ratio)}x`)
      .join(', ')}`,
    `Peak RSS, 10x the patients / 1x: ${Object.entries(bench.rssGrowth)
      .map(([w, ratio]) => `${w} ${String(ratio)}x`)
      .join(', ')}`,
  ].join('\n');
}
