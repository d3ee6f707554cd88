/**
 * The cohort benchmark alone (`npm run bench` runs it with the others):
 * `npx tsc -p tsconfig.bench.json && node .bench-build/bench/cohort-run.js [--quick]`.
 */
import { cpus } from 'node:os';
import { cohortTable, runCohortBench } from './cohort.bench.js';

const quick = process.argv.includes('--quick');
console.log(
  `# Cohort (${quick ? 'quick' : 'full'}) - ${cpus()[0]?.model ?? 'unknown'}, ${String(cpus().length)} cores, Node ${process.version}\n`
);
console.log(cohortTable(await runCohortBench(quick)));
